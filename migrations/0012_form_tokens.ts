import { Kysely, sql } from "kysely";

/**
 * One-time form tokens (docs/decisions/015-form-tokens.md). A create form carries a token; the
 * write that uses it inserts the token here in its own transaction, so a second submission of the
 * same form finds the token taken and writes nothing. Rows expire with the token (`expires_at`,
 * ISO date-time), so the table holds at most the writes of one token lifetime.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("form_tokens")
    .addColumn("token", "text", (c) => c.primaryKey())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("location", "text")
    .execute();
  await sql`CREATE INDEX form_tokens_expires ON form_tokens (expires_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("form_tokens").execute();
}
