import { PostgresAdapter, sql, type Kysely } from "kysely";

/**
 * Migrations run on SQLite and on PostgreSQL (docs/decisions/025-postgresql-engine.md). Schema-builder
 * code is shared (db/migrate.ts widens integers to bigint and turns integer primary keys into
 * identity columns on PostgreSQL); raw SQL that only one engine understands (triggers, SQLite table
 * rebuilds) picks its engine's text with this test.
 */
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Runs each statement in order. */
export async function runAll(db: Kysely<any>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export interface PgTrigger {
  /** Trigger name; its function is named `<name>_fn`. PostgreSQL fires same-event triggers in name order. */
  name: string;
  table: string;
  /** e.g. "AFTER INSERT", "AFTER UPDATE OF amount_cents, voided_at", "BEFORE DELETE". */
  on: string;
  /** A WHEN condition without subqueries (PostgreSQL allows none there). */
  when?: string;
  /** PL/pgSQL statements, each ending with a semicolon. */
  body: string;
}

/**
 * A PostgreSQL row trigger and its PL/pgSQL function: the twin of a SQLite `CREATE TRIGGER … BEGIN … END`.
 * A BEFORE trigger lets the row through unless the body raised.
 */
export function pgTrigger(t: PgTrigger): string[] {
  const ret = t.on.startsWith("BEFORE") ? "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW;" : "RETURN NULL;";
  return [
    `CREATE OR REPLACE FUNCTION ${t.name}_fn() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN
       ${t.body}
       ${ret}
     END $fn$`,
    `CREATE TRIGGER ${t.name} ${t.on} ON ${t.table} FOR EACH ROW${t.when ? ` WHEN (${t.when})` : ""} EXECUTE FUNCTION ${t.name}_fn()`,
  ];
}

/** PL/pgSQL for SQLite's `SELECT RAISE(ABORT, message)`: the same text, so app/models/db-errors.server.ts maps both. */
export function pgRaise(message: string): string {
  return `RAISE EXCEPTION '%', ${quote(message)};`;
}

function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
