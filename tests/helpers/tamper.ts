import Sqlite from "better-sqlite3";
import { Kysely, PostgresDialect, sql, SqliteDialect } from "kysely";
import pg from "pg";
import { isPostgresRef } from "../reliability/harness";

/**
 * Someone with direct access to the database, bypassing the application (docs/decisions/017-audit-key-and-head.md,
 * 026-postgresql-writers.md): the SQLite file opened by hand, or a PostgreSQL superuser's session (the
 * test role is one). One connection and Kysely's plain dialects: no Baseline code between the
 * statements and the database (no writer lock, no head file, no type parsers: PostgreSQL's bigints
 * come back as text).
 */
export interface Tamperer {
  db: Kysely<any>;
  onPostgres: boolean;
  /** Drops the trigger `name` on `table`, as the file's owner or the superuser can. */
  dropTrigger(table: string, name: string): Promise<void>;
  /**
   * No triggers and no foreign key checks on `table` for the rest of this connection: SQLite drops
   * its triggers and turns foreign keys off; PostgreSQL's superuser sets session_replication_role =
   * replica, which skips every trigger, foreign keys included.
   */
  bypassTriggers(table: string): Promise<void>;
  /**
   * Foreign keys unchecked: SQLite's pragma, the triggers still fire. PostgreSQL checks foreign keys
   * with triggers, so only the replica role turns them off, and every other trigger with them.
   */
  foreignKeysOff(): Promise<void>;
}

export async function tamper<T>(ref: string, fn: (t: Tamperer) => Promise<T>): Promise<T> {
  const onPostgres = isPostgresRef(ref);
  const db = new Kysely<any>({
    dialect: onPostgres
      ? new PostgresDialect({ pool: new pg.Pool({ connectionString: ref, max: 1 }) })
      : new SqliteDialect({ database: new Sqlite(ref, { fileMustExist: true }) }),
  });
  const replica = () => sql`set session_replication_role = replica`.execute(db);
  try {
    return await fn({
      db,
      onPostgres,
      dropTrigger: async (table, name) => {
        await sql.raw(onPostgres ? `drop trigger "${name}" on "${table}"` : `drop trigger "${name}"`).execute(db);
      },
      bypassTriggers: async (table) => {
        if (onPostgres) return void (await replica());
        const triggers = await sql<{ name: string }>`select name from sqlite_master where type = 'trigger' and tbl_name = ${table}`.execute(db);
        for (const { name } of triggers.rows) await sql.raw(`drop trigger "${name}"`).execute(db);
        await sql`pragma foreign_keys = OFF`.execute(db);
      },
      foreignKeysOff: async () => {
        await (onPostgres ? replica() : sql`pragma foreign_keys = OFF`.execute(db));
      },
    });
  } finally {
    await db.destroy();
  }
}
