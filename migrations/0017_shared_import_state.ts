import { sql, type Kysely } from "kysely";

/**
 * Upload tokens and import jobs kept in the database instead of one server process's memory, so
 * any process (a worker of `npm start`, another machine) can answer any request of the upload page
 * (docs/decisions/027-shared-state-and-job-leases.md). Written with Kysely's schema builder only:
 * the same tables on SQLite and PostgreSQL. Times are epoch milliseconds (`bigint`); a job's
 * result is the runner's JSON.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("import_uploads")
    .addColumn("token", "text", (c) => c.primaryKey())
    .addColumn("user_id", "integer", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("size", "bigint", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("type", "text")
    .addColumn("expires_at_ms", "bigint", (c) => c.notNull())
    .addColumn("commit_job_id", "text")
    .execute();
  await db.schema.createIndex("import_uploads_expires").on("import_uploads").column("expires_at_ms").execute();

  await db.schema
    .createTable("import_jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "integer", (c) => c.notNull())
    .addColumn("token", "text", (c) => c.notNull())
    .addColumn("dry_run", "integer", (c) => c.notNull())
    .addColumn("allow_move", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().check(sqlIn(["queued", "running", "done", "failed"])))
    .addColumn("rows_read", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("bytes_read", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("total_bytes", "bigint", (c) => c.notNull())
    .addColumn("created_at_ms", "bigint", (c) => c.notNull())
    .addColumn("started_at_ms", "bigint")
    .addColumn("elapsed_ms", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("result", "text")
    .addColumn("failure", "text")
    .addColumn("errors_path", "text", (c) => c.notNull())
    .addColumn("expires_at_ms", "bigint", (c) => c.notNull())
    // The process running the job ("host:pid:boot") and until when its claim holds without news.
    .addColumn("claimed_by", "text")
    .addColumn("lease_until_ms", "bigint")
    .execute();
  await db.schema.createIndex("import_jobs_status").on("import_jobs").columns(["status", "created_at_ms"]).execute();
  await db.schema.createIndex("import_jobs_expires").on("import_jobs").column("expires_at_ms").execute();
}

/** A CHECK both engines read the same way. */
function sqlIn(values: string[]) {
  return sql.raw(`status in (${values.map((v) => `'${v}'`).join(", ")})`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("import_jobs").execute();
  await db.schema.dropTable("import_uploads").execute();
}
