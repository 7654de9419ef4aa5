import { Kysely, sql } from "kysely";

/**
 * From here on the audit chain is keyed (HMAC-SHA256 with a key kept outside the database,
 * docs/decisions/017-audit-key-and-head.md). Rows already written keep their plain SHA-256 links;
 * `audit_keyed_from` records the first row that is keyed, so `audit verify` knows where the key
 * starts. The head file and every backup manifest repeat it under the key's MAC, so moving it by
 * hand is detected.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`insert into app_settings (key, value) select 'audit_keyed_from', cast(coalesce(max(id), 0) + 1 as text) from audit_log`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
