import { Kysely, sql } from "kysely";

/**
 * Server-side sessions and bounded sign-in throttling (docs/decisions/011-sessions-and-sign-in.md).
 *
 * `sessions`: one row per signed-in browser. The cookie holds a random id; the table holds only its
 * SHA-256, so a copy of the database file signs nobody in. Ending a session is deleting its row.
 *
 * `login_failures` is rebuilt: it kept the typed username whole (any size); it now keeps a keyed
 * hash of it (fixed 64 characters) and the client address, and the model caps its row count. Old
 * rows are not carried over: they only counted towards a 15-minute window.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("sessions")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("created_at_ms", "integer", (c) => c.notNull())
    .addColumn("last_seen_ms", "integer", (c) => c.notNull())
    .addColumn("expires_at_ms", "integer", (c) => c.notNull())
    .addColumn("client_address", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("user_agent", "text", (c) => c.notNull().defaultTo(""))
    .addCheckConstraint("sessions_sizes", sql`length(token_hash) = 64 and length(client_address) <= 64 and length(user_agent) <= 80`)
    .execute();
  await db.schema.createIndex("sessions_user").on("sessions").columns(["user_id", "last_seen_ms"]).execute();

  await db.schema.dropTable("login_failures").execute();
  await db.schema
    .createTable("login_failures")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("username_hash", "text", (c) => c.notNull())
    .addColumn("client_address", "text", (c) => c.notNull())
    .addColumn("at_ms", "integer", (c) => c.notNull())
    .addCheckConstraint("login_failures_sizes", sql`length(username_hash) = 64 and length(client_address) <= 64`)
    .execute();
  await db.schema.createIndex("login_failures_account").on("login_failures").columns(["username_hash", "client_address", "at_ms"]).execute();
  await db.schema.createIndex("login_failures_address").on("login_failures").columns(["client_address", "at_ms"]).execute();
  await db.schema.createIndex("login_failures_at").on("login_failures").column("at_ms").execute();
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
