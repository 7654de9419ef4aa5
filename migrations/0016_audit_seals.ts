import { sql, type Kysely } from "kysely";
import { isPostgres } from "./engine";

/**
 * Seals of the rows written in bulk (the demo load, imports): per row, a MAC of its audited values
 * under the audit key, bound to the audit row that summarises the batch (docs/decisions/022-audit-seals.md).
 * Append-only like the log: a seal is never updated; a later audited change writes an after-image
 * that supersedes it. The primary key is the lookup `audit verify` makes (record, then batch); on
 * SQLite the table is that index (WITHOUT ROWID), which saves a second b-tree write per seal. No foreign
 * key to audit_log: the MAC binds each seal to its audit row, and a check per row would slow imports.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("audit_seals")
    .addColumn("entity", "text", (c) => c.notNull())
    .addColumn("entity_id", "text", (c) => c.notNull())
    .addColumn("audit_id", "integer", (c) => c.notNull())
    .addColumn("tags", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("audit_seals_pk", ["entity", "entity_id", "audit_id"])
    .$call((b) => (isPostgres(db) ? b : b.modifyEnd(sql`without rowid`)))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
