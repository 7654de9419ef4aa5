import { type Kysely, sql } from "kysely";
import { migrations } from "../migrations/index";
import { engineOf } from "./client";
import { PostgresSchemaPlugin } from "./pg-schema";

/**
 * A small migration runner. Kysely's Migrator runs SQLite migrations outside a transaction
 * (its SQLite adapter reports no transactional DDL), but SQLite has it: here each migration and
 * its bookkeeping row commit together, so a failed migration leaves the database as it was.
 */
export class SchemaTooNewError extends Error {
  constructor(
    public databaseVersion: string,
    public codeVersion: string,
  ) {
    super(
      `The database schema (${databaseVersion}) is newer than this version of Baseline (${codeVersion}); ` +
        `upgrade Baseline or restore an older backup. Nothing was changed.`,
    );
    this.name = "SchemaTooNewError";
  }
}

export const MIGRATION_NAMES = Object.keys(migrations).sort();
export const LATEST_MIGRATION = MIGRATION_NAMES.at(-1)!;

async function hasTable(db: Kysely<any>, name: string): Promise<boolean> {
  const r =
    engineOf(db) === "postgres"
      ? await sql<{ n: number }>`select count(*) as n from information_schema.tables where table_schema = current_schema() and table_name = ${name}`.execute(db)
      : await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${name}`.execute(db);
  return Number(r.rows[0]?.n ?? 0) > 0;
}

/** Any number: two processes migrating one PostgreSQL database at once take turns on it. */
const MIGRATION_LOCK = 0x0ba5e1;

export async function appliedMigrations(db: Kysely<any>): Promise<string[]> {
  if (!(await hasTable(db, "schema_migrations"))) return [];
  const rows = await db.selectFrom("schema_migrations").select("name").orderBy("name").execute();
  return rows.map((r: any) => r.name as string);
}

/** Refuses a database that has migrations this code does not know (i.e. a newer schema). */
export async function assertSchemaNotNewer(db: Kysely<any>): Promise<void> {
  const applied = await appliedMigrations(db);
  const unknown = applied.filter((name) => !(name in migrations));
  if (unknown.length > 0) throw new SchemaTooNewError(unknown.sort().at(-1)!, LATEST_MIGRATION);
}

/** Brings the database to the latest schema; returns the names it applied. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  await assertSchemaNotNewer(db);
  if (engineOf(db) !== "postgres") return migratePending(db, false);
  // A session lock on one connection: every server process starting at once migrates in turn.
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
    try {
      return await migratePending(conn, true);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn);
    }
  });
}

async function migratePending(db: Kysely<any>, postgres: boolean): Promise<string[]> {
  await sql`create table if not exists schema_migrations (name text primary key, executed_at text not null)`.execute(db);
  const applied = new Set(await appliedMigrations(db));
  const done: string[] = [];
  for (const name of MIGRATION_NAMES) {
    if (applied.has(name)) continue;
    await db.transaction().execute(async (trx) => {
      await migrations[name].up(postgres ? trx.withPlugin(new PostgresSchemaPlugin()) : trx);
      await trx.insertInto("schema_migrations").values({ name, executed_at: new Date().toISOString() }).execute();
    });
    done.push(name);
  }
  return done;
}

export async function schemaVersion(db: Kysely<any>): Promise<string | null> {
  return (await appliedMigrations(db)).at(-1) ?? null;
}
