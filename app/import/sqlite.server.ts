import type Sqlite from "better-sqlite3";
import { engineOf, NotOnPostgresError, open, sqliteHandle, type DB } from "../../db/client";

/**
 * The SQLite side of imports. Handlers write with prepared statements run straight on the
 * better-sqlite3 handle, inside the Kysely transaction the runner holds on the same connection
 * (synchronous, so the row loop costs no promise per row); each type prepares its own statements
 * (app/import/types/). Inserts use ON CONFLICT DO NOTHING so a new row costs one statement and no
 * lookup: `changes` says whether the key was already there.
 */
export function statementsOn(db: DB): (sql: string) => Sqlite.Statement {
  // The row handlers are synchronous SQLite statements; their PostgreSQL twins are not written yet
  // (docs/decisions/025-postgresql-engine.md).
  if (engineOf(db) === "postgres") throw new NotOnPostgresError("Importing spreadsheets");
  const handle = sqliteHandle(db);
  return (sql) => handle.prepare(sql);
}

/**
 * A second connection to the same database file, for a long import running in the background of
 * the web server: with WAL, pages keep reading through the main connection while the import holds
 * its write transaction. An in-memory database has no file to share, so it gets the same handle.
 */
export function openSideConnection(db: DB): { db: DB; close: () => Promise<void> } {
  // PostgreSQL: the pool already gives the import its own connection.
  if (engineOf(db) === "postgres") return { db, close: async () => {} };
  const file = sqliteHandle(db).name;
  if (!file || file === ":memory:" || sqliteHandle(db).memory) return { db, close: async () => {} };
  const side = open(file, { check: false });
  return { db: side.db, close: () => side.db.destroy() };
}
