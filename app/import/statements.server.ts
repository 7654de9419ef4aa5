import type Sqlite from "better-sqlite3";
import { CompiledQuery, type Transaction } from "kysely";
import { engineOf, open, sqliteHandle, type DB, type Engine } from "../../db/client";
import { isConstraintError } from "../../db/errors";
import type { Database } from "../../db/schema";
import type { InsertColumn, MaybePromise, Refusable, Row, RowsInsert, Statement } from "./handler";

/**
 * Statements of the import handlers, on both engines (docs/decisions/029-imports-on-both-engines.md).
 * A handler prepares its SQL once (`?` placeholders, SQL both engines read) and runs it per row on the
 * runner's transaction:
 * - SQLite: better-sqlite3 statements on the connection the transaction holds, answering
 *   synchronously, so the row loop costs no promise per statement (awaiting a plain value is cheap);
 * - PostgreSQL: the same text with `$n` placeholders, sent on the transaction's own connection, one
 *   round trip a statement.
 * Rows come back in SQLite's shapes on both (db/client.ts: bigint as numbers, booleans as 1/0).
 */

export interface Statements {
  engine: Engine;
  prepare(sql: string): Statement;
  /**
   * Runs a write that a constraint or trigger guard may refuse. The refusal is returned instead of
   * thrown and the transaction goes on: SQLite undoes just the refused statement by itself; a
   * PostgreSQL transaction is aborted by any failed statement, so there the write runs after a
   * savepoint. Any other error is thrown.
   */
  refusable<V>(write: () => MaybePromise<V>): MaybePromise<Refusable<V>>;
  /**
   * Rows a handler gathers for one `insertRows` call: on PostgreSQL each statement is a round trip and
   * each one runs the statement triggers of migration 0020 once, so batches are far larger; SQLite's
   * statement costs no trip.
   */
  batchRows(): number;
  /**
   * A multi-row INSERT (handler.ts `ImportContext.insertRows`). SQLite: multi-row VALUES of up to
   * SQLITE_BATCH_ROWS rows, each row count prepared once. PostgreSQL: one statement whatever the number of rows,
   * its columns sent as typed arrays and unnested (`insert … select … from unnest($1::text[], …)`): a few
   * parameters instead of one per value, so the text is short, prepared once per connection, and bound without
   * thousands of parameters (docs/decisions/047-bulk-rows-on-postgresql.md).
   */
  insertRows(table: string, columns: readonly InsertColumn[], tail: string): RowsInsert;
}

/** The statements of an import running in `trx`, a transaction of `db`. */
export function statementsOn(db: DB, trx: Transaction<Database>): Statements {
  return engineOf(db) === "postgres" ? postgresStatements(trx) : sqliteStatements(sqliteHandle(db));
}

/** Rows per multi-row INSERT on SQLite: one statement for 100 rows is about twice as fast as 100 statements. */
const SQLITE_BATCH_ROWS = 100;
/**
 * PostgreSQL: rows per batch (docs/decisions/047-bulk-rows-on-postgresql.md). The statement triggers over a
 * batch's new rows (migration 0020) update each line, award and line-year the batch touches once, so fewer,
 * larger batches update them fewer times: 20,000 rows took a `small` import from 6.0 to 4.1 s. A batch's
 * look-up of keys already present binds one parameter a row, within PostgreSQL's 65,535.
 */
const POSTGRES_BATCH_ROWS = 20_000;

function sqliteStatements(handle: Sqlite.Database): Statements {
  return {
    engine: "sqlite",
    prepare(sql) {
      const s = handle.prepare(sql);
      // Statements that return rows refuse run(); writes refuse get()/all(): decided once here.
      const rowsOf = (mode: "raw" | "pluck", params: unknown[]) => {
        if (mode === "raw") s.raw(true);
        else s.pluck(true);
        try {
          return s.all(...params);
        } finally {
          if (mode === "raw") s.raw(false);
          else s.pluck(false);
        }
      };
      return {
        run: (...params) => s.run(...params),
        get: <T>(...params: unknown[]) => s.get(...params) as T | undefined,
        all: <T>(...params: unknown[]) => s.all(...params) as T[],
        values: <T extends unknown[]>(...params: unknown[]) => rowsOf("raw", params) as T[],
        column: <T>(...params: unknown[]) => rowsOf("pluck", params) as T[],
      };
    },
    refusable<V>(write: () => MaybePromise<V>): MaybePromise<Refusable<V>> {
      let value: MaybePromise<V>;
      try {
        value = write();
      } catch (error) {
        return refused(error);
      }
      return value instanceof Promise ? value.then((v): Refusable<V> => ({ ok: true, value: v }), refused) : { ok: true, value };
    },
    batchRows: () => SQLITE_BATCH_ROWS,
    insertRows(table, columns, tail) {
      const names = columns.map(([name]) => name).join(", ");
      const tuple = `(${columns.map(() => "?").join(", ")})`;
      const byRows = new Map<number, Sqlite.Statement>();
      const statement = (rows: number) => {
        let st = byRows.get(rows);
        if (!st) byRows.set(rows, (st = handle.prepare(`insert into ${table} (${names}) values ${Array.from({ length: rows }, () => tuple).join(", ")} ${tail}`)));
        return st;
      };
      const width = columns.length;
      return {
        run(values) {
          let changes = 0;
          for (let at = 0; at < values.length; at += SQLITE_BATCH_ROWS * width) {
            const chunk = values.slice(at, at + SQLITE_BATCH_ROWS * width);
            changes += statement(chunk.length / width).run(...chunk).changes;
          }
          return { changes };
        },
      };
    },
  };
}

function refused(error: unknown): { ok: false; error: Error } {
  if (!isConstraintError(error)) throw error;
  return { ok: false, error };
}

/** `?` placeholders as `$1, $2, …` (outside quoted text and identifiers). */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g, (m) => (m === "?" ? `$${++n}` : m));
}

const SAVEPOINT = "baseline_import_write";

function postgresStatements(trx: Transaction<Database>): Statements {
  const exec = (sql: string, params: readonly unknown[] = []) => trx.executeQuery<Row>(CompiledQuery.raw(sql, params as unknown[]));
  // One savepoint is kept open after a write that succeeded; the next refusable write moves it
  // forward ("release; savepoint" in one round trip), so a refusable write costs one extra trip, not two.
  let savepoint = false;
  return {
    engine: "postgres",
    prepare(sql) {
      const text = numberedPlaceholders(sql);
      const rows = async (params: unknown[]) => (await exec(text, params)).rows;
      return {
        run: async (...params) => ({ changes: Number((await exec(text, params)).numAffectedRows ?? 0n) }),
        get: async <T>(...params: unknown[]) => (await rows(params))[0] as T | undefined,
        all: async <T>(...params: unknown[]) => (await rows(params)) as T[],
        values: async <T extends unknown[]>(...params: unknown[]) => (await rows(params)).map((r) => Object.values(r)) as T[],
        column: async <T>(...params: unknown[]) => (await rows(params)).map((r) => Object.values(r)[0]) as T[],
      };
    },
    async refusable<V>(write: () => MaybePromise<V>): Promise<Refusable<V>> {
      // Several statements in one text go over the simple protocol (no parameters): one round trip.
      await exec(savepoint ? `release savepoint ${SAVEPOINT}; savepoint ${SAVEPOINT}` : `savepoint ${SAVEPOINT}`);
      savepoint = true;
      try {
        return { ok: true, value: await write() };
      } catch (error) {
        const answer = refused(error);
        await exec(`rollback to savepoint ${SAVEPOINT}`);
        return answer;
      }
    },
    batchRows: () => POSTGRES_BATCH_ROWS,
    insertRows(table, columns, tail) {
      // Columns named, not `*`: the statement is then prepared once per connection (db/postgres-dialect.ts).
      const names = columns.map(([name]) => name).join(", ");
      const text = `insert into ${table} (${names}) select ${names} from unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(", ")}) as r(${names}) ${tail}`;
      const width = columns.length;
      return {
        async run(values) {
          const arrays: unknown[][] = columns.map(() => []);
          for (let i = 0; i < values.length; i++) arrays[i % width].push(values[i]);
          return { changes: Number((await exec(text, arrays)).numAffectedRows ?? 0n) };
        },
      };
    },
  };
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
