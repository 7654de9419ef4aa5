import { Kysely, sql } from "kysely";

/**
 * One-time data repairs that need the application's own rules, which a migration may not import
 * (docs/decisions/020-layers.md): the migration records the repair as pending here, and the start-up
 * after migrating (server and command line, app/models/repairs.server.ts) runs it once and removes
 * the row, in one transaction.
 *
 * "obligations": awards imported from files before imports wrote reporting obligations have none;
 * the repair gives every live federal award its schedule (docs/decisions/013-import-layout.md).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("pending_repairs")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("recorded_at", "text", (c) => c.notNull())
    .execute();
  await sql`insert into pending_repairs (name, recorded_at) values ('obligations', ${new Date().toISOString()})`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("pending_repairs").execute();
}
