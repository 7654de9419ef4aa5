/**
 * Test-only fault injection for the real server process, loaded with
 * `node --import tsx --import ./tests/reliability/sqlite-fault-hook.ts server.ts`. Nothing in the
 * app knows about it. The test writes a mode into the file named by BASELINE_FAULT_FILE:
 *   ""                 no fault
 *   "readonly"         every connection gets PRAGMA query_only (writes fail with SQLITE_READONLY,
 *                      as on a read-only file or mount; reads keep working)
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

