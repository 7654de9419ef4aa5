import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { DB } from "../../db/client";

/**
 * Every table's row count and content hash, and the last audit id, on either engine: any write shows.
 * Rows are hashed one by one and the hashes sorted, so the fingerprint does not depend on the order
 * the engine returns rows in. `skip`: tables that legitimately move (sessions, the upload page's own
 * bookkeeping, migration bookkeeping).
 */
export async function tableFingerprint(db: DB, skip: readonly string[] = []): Promise<Record<string, string>> {
  const ignored = new Set(["sessions", "kysely_migration", "kysely_migration_lock", ...skip]);
  const tables = (await db.introspection.getTables())
    .map((t) => t.name)
    .filter((name) => !ignored.has(name) && !name.startsWith("sqlite_"))
    .sort();
  const out: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    const hashes = rows.map((row) => createHash("sha256").update(JSON.stringify(Object.values(row))).digest("hex")).sort();
    out[table] = `${rows.length} rows ${createHash("sha256").update(hashes.join("")).digest("hex").slice(0, 12)}`;
  }
  const last = await db.selectFrom("audit_log").select((eb) => eb.fn.max("id").as("m")).executeTakeFirst();
  out["max(audit_log.id)"] = String(last?.m ?? 0);
  return out;
}
