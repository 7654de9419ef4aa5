/**
 * Test-only fault injection for the real server process, loaded with
 * `node --import tsx --import ./tests/reliability/fault-hook.ts server.ts`. Nothing in the
 * app knows about it. It patches both engines' drivers (better-sqlite3 and pg); the server uses one.
 * The test writes a mode into the file named by BASELINE_FAULT_FILE:
 *   ""                 no fault
 *   "readonly"         SQLite: every connection gets PRAGMA query_only (writes fail with SQLITE_READONLY,
 *                      as on a read-only file or mount); PostgreSQL: writes fail with SQLSTATE 25006,
 *                      as on a read-only transaction or a standby after a failover; reads keep working
 *   "fail-table:NAME"  any statement reading FROM "NAME" throws an ordinary Error (a bug)
 *   "slow-writes:MS"   every INSERT/UPDATE/DELETE inside a transaction takes MS longer, and the count
 *                      of such writes is kept in `<file>.writes`: a test can kill -9 the process
 *                      once it knows a transaction is half done
 *   "readonly-after:N" like "readonly", but switched on at the Nth write inside a transaction:
 *                      the disk "fills" half-way through a change
 * and waits for `<file>.ack` to hold the same mode. chmod 0444 is no use here: the tests may run
 * as root, which writes through file permissions, and an open descriptor keeps its access anyway.
 */
import Database from "better-sqlite3";
import fs from "node:fs";
import pg from "pg";

const file = process.env.BASELINE_FAULT_FILE;
let mode = "";
let fileMode = "";
const applied = new WeakMap<object, boolean>();
const proto = Database.prototype as unknown as {
  prepare: (this: Database.Database, sql: string, ...rest: unknown[]) => unknown;
  exec: (this: Database.Database, sql: string) => unknown;
};
const originalPrepare = proto.prepare;
const originalExec = proto.exec;

function syncReadOnly(db: Database.Database): void {
  const want = mode === "readonly";
  if ((applied.get(db) ?? false) === want) return;
  originalExec.call(db, `PRAGMA query_only = ${want ? "ON" : "OFF"}`);
  applied.set(db, want);
}

proto.prepare = function (sql: string, ...rest: unknown[]) {
  syncReadOnly(this);
  failTable(sql);
  return originalPrepare.call(this, sql, ...rest);
};

function failTable(sql: string): void {
  if (!mode.startsWith("fail-table:")) return;
  const table = mode.slice("fail-table:".length);
  if (new RegExp(`from\\s+"?${table}"?(\\s|$)`, "i").test(sql)) throw new Error(`injected fault: the ${table} table cannot be read`);
}

// Statements run through Statement#run/all/get (Kysely runs INSERT … RETURNING with all()).
const probe = new Database(":memory:");
const statementProto = Object.getPrototypeOf(probe.prepare("select 1")) as Record<"run" | "all" | "get", (...args: unknown[]) => unknown>;
probe.close();
const WRITE = /^\s*(insert|update|delete|replace)\b/i;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let writesInTransactions = 0;

function onStatement(stmt: { source: string; database: Database.Database }): void {
  // Checked when a statement runs, not only when it is prepared: the app keeps prepared statements.
  syncReadOnly(stmt.database);
  failTable(stmt.source);
  if (!(mode.startsWith("slow-writes:") || mode.startsWith("readonly-after:")) || !WRITE.test(stmt.source) || !stmt.database.inTransaction) return;
  writesInTransactions++;
  fs.writeFileSync(`${file}.writes`, String(writesInTransactions));
  if (mode.startsWith("readonly-after:")) {
    if (writesInTransactions >= Number(mode.slice("readonly-after:".length))) {
      mode = "readonly";
      syncReadOnly(stmt.database);
    }
    return;
  }
  Atomics.wait(sleeper, 0, 0, Number(mode.slice("slow-writes:".length)) || 10);
}

for (const method of ["run", "all", "get"] as const) {
  const original = statementProto[method];
  statementProto[method] = function (this: { source: string; database: Database.Database }, ...args: unknown[]) {
    onStatement(this);
    return original.apply(this, args);
  };
}

// PostgreSQL: the pool's clients (Kysely sends BEGIN/COMMIT/ROLLBACK as plain queries).
const inTransaction = new WeakMap<object, boolean>();
const pgProto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const originalQuery = pgProto.query;

/** The error PostgreSQL answers a write with in a read-only transaction (what the app must handle). */
function readOnlyError(sql: string): Error {
  const e = new Error(`cannot execute ${WRITE.exec(sql)![1].toUpperCase()} in a read-only transaction`) as Error & { code: string; severity: string };
  e.code = "25006";
  e.severity = "ERROR";
  return e;
}

/** The fault for one statement on PostgreSQL: an error to answer with, or a delay (ms) before running it. */
function pgFault(client: object, sql: string): Error | number {
  if (/^\s*begin\b/i.test(sql)) inTransaction.set(client, true);
  else if (/^\s*(commit|rollback)\b/i.test(sql)) inTransaction.set(client, false);
  try {
    failTable(sql);
  } catch (error) {
    return error as Error;
  }
  const write = WRITE.test(sql);
  if (write && mode === "readonly") return readOnlyError(sql);
  if (!(mode.startsWith("slow-writes:") || mode.startsWith("readonly-after:")) || !write || !inTransaction.get(client)) return 0;
  writesInTransactions++;
  fs.writeFileSync(`${file}.writes`, String(writesInTransactions));
  if (mode.startsWith("readonly-after:")) {
    if (writesInTransactions >= Number(mode.slice("readonly-after:".length))) {
      mode = "readonly";
      return readOnlyError(sql);
    }
    return 0;
  }
  return Number(mode.slice("slow-writes:".length)) || 10;
}

pgProto.query = function (this: object, ...args: unknown[]) {
  const first = args[0];
  const sql = typeof first === "string" ? first : typeof (first as { text?: unknown })?.text === "string" ? (first as { text: string }).text : "";
  // Only the promise form is faulted: it is the one Kysely's driver uses.
  if (!sql || typeof args[args.length - 1] === "function") return originalQuery.apply(this, args);
  const fault = pgFault(this, sql);
  if (fault instanceof Error) return Promise.reject(fault);
  if (fault === 0) return originalQuery.apply(this, args);
  return new Promise((resolve) => setTimeout(resolve, fault)).then(() => originalQuery.apply(this, args));
};

proto.exec = function (sql: string) {
  syncReadOnly(this);
  return originalExec.call(this, sql);
};

if (file) {
  const poll = () => {
    let next = "";
    try {
      next = fs.readFileSync(file, "utf8").trim();
    } catch {
      // No file: no fault.
    }
    if (next !== fileMode) {
      fileMode = next;
      mode = next;
      writesInTransactions = 0;
      if (file) fs.writeFileSync(`${file}.writes`, "0");
    }
    try {
      if (fs.readFileSync(`${file}.ack`, "utf8") !== fileMode) fs.writeFileSync(`${file}.ack`, fileMode);
    } catch {
      fs.writeFileSync(`${file}.ack`, fileMode);
    }
  };
  poll();
  setInterval(poll, 20).unref();
}

