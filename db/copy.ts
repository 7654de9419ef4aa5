import type Sqlite from "better-sqlite3";
import { sql, type Kysely } from "kysely";
import { KEYED_FROM_MAC_SETTING, KEYED_FROM_SETTING, keyedFromMac } from "./audit-seal";
import { open, type DB } from "./client";
import { migrateToLatest } from "./migrate";

/**
 * Copies every table of a SQLite database into a PostgreSQL database of the same schema, rows and
 * ids as they are (docs/decisions/025-postgresql-engine.md): `cli copy` moving a center to
 * PostgreSQL, and the demo network, which is generated in SQLite and copied. The audit log is
 * copied row for row, so its chain verifies on the copy under the same key. Triggers are switched
 * off on the target for the copy (the summary columns come from the source as they are; the
 * foreign keys stay checked) and back on before the one transaction commits.
 */
export class CopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CopyError";
  }
}

export interface CopySummary {
  tables: number;
  rows: number;
  auditRows: number;
}

/** Rows per INSERT: PostgreSQL takes at most 65,535 parameters per statement. */
const PARAMETERS = 60_000;

function tablesInOrder(source: Sqlite.Database): string[] {
  const names = (
    source.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> 'schema_migrations' order by name").all() as {
      name: string;
    }[]
  ).map((r) => r.name);
  const deps = new Map(
    names.map((n) => [n, (source.prepare(`select "table" as t from pragma_foreign_key_list(?)`).all(n) as { t: string }[]).map((r) => r.t).filter((t) => t !== n)]),
  );
  const ordered: string[] = [];
  const visit = (n: string, seen: Set<string>) => {
    if (ordered.includes(n) || seen.has(n)) return;
    seen.add(n);
    for (const d of deps.get(n) ?? []) if (deps.has(d)) visit(d, seen);
    ordered.push(n);
  };
  for (const n of names) visit(n, new Set());
  return ordered;
}

async function migrationNames(db: Kysely<any>): Promise<string[]> {
  return (await db.selectFrom("schema_migrations").select("name").orderBy("name").execute()).map((r: any) => r.name as string);
}

/**
 * A chain copied with plain rows before its first keyed one: PostgreSQL keeps no head file to vouch
 * for where the key starts, so the setting gets its own MAC (db/audit-seal.ts KEYED_FROM_MAC_SETTING).
 */
async function sealKeyedFrom(trx: Kysely<any>): Promise<void> {
  const setting = await trx.selectFrom("app_settings").select("value").where("key", "=", KEYED_FROM_SETTING).executeTakeFirst();
  const keyedFrom = Number(setting?.value ?? 1);
  if (keyedFrom === 1) return;
  const before = await trx.selectFrom("audit_log").select("hash").where("id", "=", keyedFrom - 1).executeTakeFirst();
  if (!before) throw new CopyError(`The audit log says keyed rows start at ${keyedFrom}, but it has no row ${keyedFrom - 1}; run \`audit verify\` on the SQLite file. Nothing was copied.`);
  const value = keyedFromMac(keyedFrom, before.hash as string);
  await trx.insertInto("app_settings").values({ key: KEYED_FROM_MAC_SETTING, value }).onConflict((oc) => oc.column("key").doUpdateSet({ value })).execute();
}

/** Copies `source` into `target`, which must be migrated to the same schema and hold no centers, users or audit rows. */
export async function copySqliteToPostgres(source: Sqlite.Database, target: DB, onTable?: (table: string, rows: number) => void): Promise<CopySummary> {
  const sourceMigrations = (source.prepare("select name from schema_migrations order by name").all() as { name: string }[]).map((r) => r.name);
  const targetMigrations = await migrationNames(target);
  if (sourceMigrations.join() !== targetMigrations.join()) {
    throw new CopyError(
      `The two databases are at different schemas (${sourceMigrations.at(-1) ?? "none"} and ${targetMigrations.at(-1) ?? "none"}); ` +
        `run \`migrate\` on the SQLite file with this version of Baseline first. Nothing was copied.`,
    );
  }
  const filled = await sql<{ n: number }>`select (select count(*) from centers) + (select count(*) from users) + (select count(*) from audit_log) as n`.execute(target);
  if (Number(filled.rows[0].n) > 0) throw new CopyError("The PostgreSQL database already holds centers, users or audit rows; copy into a new, empty database. Nothing was copied.");
  const tables = tablesInOrder(source);
  let total = 0;
  await target.transaction().execute(async (trx) => {
    for (const t of tables) await sql`alter table ${sql.table(t)} disable trigger user`.execute(trx);
    // Rows the migrations seeded (catalog, programs, settings) come again from the source.
    for (const t of [...tables].reverse()) await sql`delete from ${sql.table(t)}`.execute(trx);
    for (const t of tables) {
      // Kysely's schema builder writes "without rowid" in lower case (audit_seals); such a table has no rowid to order by.
      const withoutRowid = /without\s+rowid/i.test((source.prepare("select sql from sqlite_master where name = ?").get(t) as { sql: string }).sql);
      const rowidOrder = withoutRowid ? "" : " order by rowid";
      const statement = source.prepare(`select * from "${t}"${rowidOrder}`);
      const columns = statement.columns().length;
      const batchSize = Math.max(1, Math.floor(PARAMETERS / Math.max(1, columns)));
      let batch: Record<string, unknown>[] = [];
      let rows = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        await trx.insertInto(t as any).values(batch as any).execute();
        rows += batch.length;
        batch = [];
      };
      for (const row of statement.iterate() as Iterable<Record<string, unknown>>) {
        batch.push(row);
        if (batch.length >= batchSize) await flush();
      }
      await flush();
      total += rows;
      onTable?.(t, rows);
    }
    // Identity columns continue after the copied ids.
    const identities = await sql<{ table_name: string; column_name: string }>`select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and is_identity = 'YES' order by table_name`.execute(trx);
    for (const c of identities.rows) {
      await sql`select setval(pg_get_serial_sequence(${c.table_name}, ${c.column_name}), coalesce((select max(${sql.ref(c.column_name)}) from ${sql.table(c.table_name)}), 0) + 1, false)`.execute(trx);
    }
    await sealKeyedFrom(trx);
    for (const t of tables) await sql`alter table ${sql.table(t)} enable trigger user`.execute(trx);
  });
  // A bulk copy leaves PostgreSQL without statistics until autovacuum gets round to it; until then it
  // plans sequential scans of the spending table (a budget line's page took seconds on the national copy).
  // VACUUM as well: freshly written pages have no visibility map and unset hint bits, so the first
  // readers of every page would write it again (and index-only scans read the heap), for as long as
  // autovacuum takes to come round, or for ever where it is off.
  await sql`vacuum (analyze)`.execute(target);
  const audit = source.prepare("select count(*) as n from audit_log").get() as { n: number };
  return { tables: tables.length, rows: total, auditRows: audit.n };
}

/**
 * Runs `build` on a new, migrated in-memory SQLite database and copies the result into `target`
 * (the demo network on PostgreSQL: its generator writes through SQLite's synchronous statements).
 */
export async function buildInSqliteThenCopy<T>(target: DB, build: (sqlite: Sqlite.Database) => T): Promise<T> {
  const scratch = open(":memory:");
  try {
    await migrateToLatest(scratch.db);
    const result = build(scratch.sqlite);
    await copySqliteToPostgres(scratch.sqlite, target);
    return result;
  } finally {
    await scratch.db.destroy();
  }
}
