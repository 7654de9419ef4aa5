import { Kysely, sql } from "kysely";

/**
 * The JSON API (docs/decisions/023-api-tokens.md).
 *
 * `api_tokens`: named bearer tokens bound to a user. The token is shown once; the table keeps only its
 * SHA-256 (a copy of the database authenticates nobody), the expiry, the last use and the revocation.
 *
 * `idempotency_keys`: a write sent with an `Idempotency-Key` header, per user: the request's hash and,
 * once it has finished, the answer given, so a retry gets the same answer and writes nothing twice.
 * `status` is null while the first request is still running. Rows are dropped after a day.
 *
 * Schema builder only: the same migration runs on PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("api_tokens")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("created_by", "integer")
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("last_used_at", "text")
    .addColumn("revoked_at", "text")
    .addCheckConstraint("api_tokens_sizes", sql`length(token_hash) = 64 and length(name) between 1 and 80`)
    .execute();
  await db.schema.createIndex("api_tokens_user").on("api_tokens").columns(["user_id", "id"]).execute();

  await db.schema
    .createTable("idempotency_keys")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("request_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("status", "integer")
    .addColumn("content_type", "text")
    .addColumn("body", "text")
    .addUniqueConstraint("idempotency_keys_user_key", ["user_id", "key"])
    .addCheckConstraint("idempotency_keys_sizes", sql`length(key) between 1 and 255 and length(request_hash) = 64`)
    .execute();
  await db.schema.createIndex("idempotency_keys_created").on("idempotency_keys").column("created_at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("idempotency_keys").execute();
  await db.schema.dropTable("api_tokens").execute();
}
