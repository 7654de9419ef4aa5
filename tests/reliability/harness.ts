/**
 * Shared by tests/reliability (npm test) and tests/faults (npm run test:faults): demo databases,
 * the CLI in-process, the real production server as a child process, database fingerprints.
 */
import Sqlite from "better-sqlite3";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { CompiledQuery } from "kysely";
import pg from "pg";
import { open, openPostgres, type DB } from "../../db/client";
import { loadDemo } from "../../app/demo/load.server";
import { testingPostgres, urlForDatabase } from "../helpers/pg";

export const ROOT = path.resolve(__dirname, "../..");
export const SESSION_SECRET = "reliability-test-secret";
export const DEMO_PASSWORD = "baseline-demo";

export function tempDir(prefix = "baseline-rel-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A database the tests hand to the command line and the server: a SQLite file, or under
 * `npm run test:pg` a PostgreSQL URL (docs/decisions/025-postgresql-engine.md).
 */
export const isPostgresRef = (ref: string): boolean => /^postgres(ql)?:\/\//i.test(ref);

/** The environment that points a child process (CLI, server) at `ref`, and at nothing else. */
export function databaseEnv(ref: string): Record<string, string> {
  return isPostgresRef(ref) ? { DATABASE_URL: ref, DATABASE_PATH: "" } : { DATABASE_PATH: ref, DATABASE_URL: "" };
}

/**
 * A migrated database with the small demo data set (reference date 2025-06-30) at `file`, or on
 * PostgreSQL a new database of the same (its URL; `file` only names nothing then).
 * Built once per test run and copied: the demo load takes a few seconds.
 */
export async function demoDatabase(file: string): Promise<string> {
  const base = process.env.BASELINE_TEST_BASE_DB;
  if (!base) throw new Error("BASELINE_TEST_BASE_DB is not set: run through vitest (tests/global-setup.ts)");
  if (testingPostgres()) return demoPostgresDatabase(base);
  const cached = `${base}.demo-2025-06-30.sqlite`;
  if (!fs.existsSync(cached)) {
    // Several test files may build it at once: each writes its own temp file, the renames are atomic.
    const temp = `${cached}.${process.pid}.tmp`;
    fs.copyFileSync(base, temp);
    const { db, sqlite } = open(temp);
    await loadDemo(db, { referenceDate: "2025-06-30" });
    sqlite.pragma("wal_checkpoint(TRUNCATE)");
    sqlite.pragma("journal_mode = DELETE");
    await db.destroy();
    fs.renameSync(temp, cached);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(cached, file);
  return file;
}

let pgCopies = 0;

/**
 * The demo as a template database, built once per run under an advisory lock (test files run in
 * parallel), then one `CREATE DATABASE … TEMPLATE` per call; the run's teardown drops them all.
 */
async function demoPostgresDatabase(base: string): Promise<string> {
  const server = process.env.BASELINE_TEST_PG_SERVER!;
  const demo = `${base}_demo`;
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock(hashtext($1))", [demo]);
    try {
      const exists = await client.query("select 1 from pg_database where datname = $1", [demo]);
      if (exists.rowCount === 0) {
        const temp = `${demo}_building`;
        await client.query(`DROP DATABASE IF EXISTS ${temp} WITH (FORCE)`);
        await client.query(`CREATE DATABASE ${temp} TEMPLATE ${base}`);
        const db = openPostgres(urlForDatabase(server, temp));
        try {
          await loadDemo(db, { referenceDate: "2025-06-30" });
        } finally {
          await db.destroy();
        }
        await client.query(`ALTER DATABASE ${temp} RENAME TO ${demo}`);
      }
    } finally {
      await client.query("select pg_advisory_unlock(hashtext($1))", [demo]);
    }
    // Unique across test files sharing one process (vitest's singleFork re-evaluates this module per file).
    const name = `${base}_d${process.pid}_${++pgCopies}_${randomBytes(3).toString("hex")}`;
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${demo}`);
    return urlForDatabase(server, name);
  } finally {
    await client.end();
  }
}

/**
 * Runs `fn` with its own connection to `ref` (file or URL), closed after: what a test reads or
 * writes beside the server, on either engine.
 */
export async function withDatabase<T>(ref: string, fn: (db: DB) => Promise<T>): Promise<T> {
  const db = isPostgresRef(ref) ? openPostgres(ref) : open(ref, { check: false }).db;
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/**
 * The rows of one SQL statement with `?` placeholders, on either engine (a fresh connection each
 * time: what a restarted process would see). Keep the SQL portable.
 */
export async function queryRows<T = Record<string, unknown>>(ref: string, text: string, ...params: unknown[]): Promise<T[]> {
  let n = 0;
  const portable = isPostgresRef(ref) ? text.replace(/\?/g, () => `$${++n}`) : text;
  return withDatabase(ref, async (db) => (await db.executeQuery<T>(CompiledQuery.raw(portable, params))).rows);
}

/** The first column of the first row of `text` (a count, an id). */
export async function queryValue<T = number>(ref: string, text: string, ...params: unknown[]): Promise<T> {
  const [row] = await queryRows<Record<string, T>>(ref, text, ...params);
  if (!row) throw new Error(`no row from: ${text}`);
  return Object.values(row)[0];
}

/** The newest live award of a demo center (the award pages the server tests visit). */
export function latestAward(ref: string, centerCode = "VA"): Promise<string> {
  return queryValue<string>(
    ref,
    "select award_number from awards a join centers c on c.id = a.center_id where c.code = ? and a.voided_at is null order by a.fiscal_year desc, a.award_number limit 1",
    centerCode,
  );
}

/** Collects what a command writes. */
export function sink(): Writable & { text(): string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { text(): string };
  w.text = () => chunks.join("");
  return w;
}

/** Runs `npm run -s cli -- <args>` in this process against `databaseFile` (a file, or a PostgreSQL URL). */
export async function runCli(args: string[], databaseFile: string): Promise<{ code: number; out: string; err: string }> {
  const { main } = await import("../../cli/index");
  const out = sink();
  const err = sink();
  const env = databaseEnv(databaseFile);
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const code = await main(args, { out, err, stdin: process.stdin } as any);
    return { code, out: out.text(), err: err.text() };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

// ---- Database checks ----------------------------------------------------------------------------

/**
 * Tables whose rows are bookkeeping, not records: failed sign-ins are counted even when refused,
 * a session's last-seen time moves on reads (docs/decisions/011-sessions-and-sign-in.md), and the
 * upload page keeps its uploads and jobs (docs/decisions/027-shared-state-and-job-leases.md).
 */
export const UNAUDITED_TABLES = new Set(["login_failures", "sessions", "sqlite_sequence", "import_uploads", "import_jobs"]);

/**
 * SHA-256 of every row of every table (except `exclude`), in a stable order: equal iff the data is
 * equal. SQLite in rowid order; PostgreSQL ordered by every column.
 */
export async function fingerprint(ref: string, exclude: Set<string> = UNAUDITED_TABLES): Promise<string> {
  if (isPostgresRef(ref)) return postgresFingerprint(ref, exclude);
  const sqlite = new Sqlite(ref, { readonly: true, fileMustExist: true });
  try {
    return fingerprintOf(sqlite, exclude);
  } finally {
    sqlite.close();
  }
}

async function postgresFingerprint(url: string, exclude: Set<string>): Promise<string> {
  const hash = createHash("sha256");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // One snapshot for every table, as SQLite's read transaction gives.
    await client.query("begin isolation level repeatable read read only");
    const tables = await client.query<{ name: string }>(
      "select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name collate \"C\"",
    );
    for (const { name } of tables.rows) {
      if (exclude.has(name)) continue;
      hash.update(`\u0001${name}\u0001`);
      const n = (await client.query(`select * from "${name}" limit 0`)).fields.length;
      const order = Array.from({ length: n }, (_, i) => i + 1).join(", ");
      const rows = await client.query({ text: `select * from "${name}" order by ${order}`, rowMode: "array" });
      for (const row of rows.rows) hash.update(JSON.stringify(row));
    }
    await client.query("commit");
  } finally {
    await client.end();
  }
  return hash.digest("hex");
}

export function fingerprintOf(sqlite: Sqlite.Database, exclude: Set<string> = UNAUDITED_TABLES): string {
  const hash = createHash("sha256");
  const tables = sqlite.prepare("select name from sqlite_master where type = 'table' order by name").pluck().all() as string[];
  for (const t of tables) {
    if (exclude.has(t) || t.startsWith("sqlite_")) continue;
    hash.update(`\u0001${t}\u0001`);
    let order = "rowid";
    try {
      sqlite.prepare(`select rowid from "${t}" limit 0`).all();
    } catch {
      // A WITHOUT ROWID table: every column, in order, gives a stable order.
      const n = (sqlite.prepare(`select * from "${t}" limit 0`).columns() as unknown[]).length;
      order = Array.from({ length: n }, (_, i) => i + 1).join(", ");
    }
    for (const row of sqlite.prepare(`select * from "${t}" order by ${order}`).raw().iterate()) hash.update(JSON.stringify(row));
  }
  return hash.digest("hex");
}

/**
 * The database is undamaged: SQLite's integrity_check; on PostgreSQL amcheck's B-tree checks of
 * every index (an index disagreeing with its table, or a damaged page) and a full read of every table.
 */
export async function integrityOk(ref: string): Promise<boolean> {
  if (isPostgresRef(ref)) {
    const client = new pg.Client({ connectionString: ref });
    await client.connect();
    try {
      await client.query("create extension if not exists amcheck");
      await client.query(
        `select bt_index_check(c.oid, true) from pg_index i join pg_class c on c.oid = i.indexrelid
           join pg_am am on am.oid = c.relam where am.amname = 'btree' and c.relnamespace = 'public'::regnamespace`,
      );
      return true;
    } catch {
      return false;
    } finally {
      await client.end();
    }
  }
  const sqlite = new Sqlite(ref, { fileMustExist: true });
  try {
    return sqlite.pragma("integrity_check", { simple: true }) === "ok";
  } finally {
    sqlite.close();
  }
}

/** Audit-chain verify of a database (file or URL), through the app's own verifier. */
export async function auditVerifies(ref: string): Promise<{ ok: boolean; rows: number; reason?: string }> {
  const { verifyAuditChain } = await import("../../app/models/audit.server");
  return withDatabase(ref, async (db) => {
    const r = await verifyAuditChain(db);
    return r.ok ? { ok: true, rows: r.rows } : { ok: false, rows: r.rows, reason: `row ${r.brokenId}: ${r.reason}` };
  });
}

// ---- The production server as a child process --------------------------------------------------

const BUILD_INDEX = path.join(ROOT, "build/index.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function isProductionBuild(file: string): boolean {
  // A development build (remix dev, or a build run with NODE_ENV=test) calls jsxDEV, which production React lacks.
  return fs.existsSync(file) && !fs.readFileSync(file, "utf8").includes("jsxDEV");
}

let snapshot: string | undefined;

/**
 * A production build for the server tests, in a private folder: build/ is shared with `remix dev`
 * and with other test runs, which may rewrite it mid-test. Builds first when build/ is missing
 * (a clean clone), is a development build, or (with `fresh`) is older than app/.
 */
export function ensureBuild(options: { fresh?: boolean } = {}): string {
  if (snapshot) return snapshot;
  const stale = options.fresh && fs.existsSync(BUILD_INDEX) && fs.statSync(BUILD_INDEX).mtimeMs < newestMtime(path.join(ROOT, "app"));
  if (!isProductionBuild(BUILD_INDEX) || stale) {
    execFileSync(process.platform === "win32" ? "npx.cmd" : "npx", ["remix", "build"], { cwd: ROOT, stdio: "pipe", env: { ...process.env, NODE_ENV: "production" } });
  }
  const root = tempDir("baseline-build-");
  fs.cpSync(path.join(ROOT, "build"), path.join(root, "build"), { recursive: true });
  fs.cpSync(path.join(ROOT, "public"), path.join(root, "public"), { recursive: true });
  if (!isProductionBuild(path.join(root, "build/index.js"))) throw new Error("build/ was replaced by a development build while it was copied; run again");
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"));
  fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ type: "module" }));
  process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
  snapshot = root;
  return root;
}

export interface ServerHandle {
  url: string;
  pid: number;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (no shutdown handlers run) and wait. */
  kill9(): Promise<void>;
}

export interface StartOptions {
  /** A SQLite file, or a PostgreSQL URL. */
  databaseFile: string;
  env?: Record<string, string>;
  /** Extra modules for `node --import` (fault hooks). */
  preload?: string[];
  /** Run as `npm run start:prod` does: server.ts compiled to build/server.js, with its node flags (heap limit). */
  production?: boolean;
  timeoutMs?: number;
}

/** The node flags of `npm run start:prod` (package.json), e.g. the heap limit. */
export function startProdFlags(): string[] {
  const script = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts["start:prod"] as string;
  return script.split(/\s+/).filter((a) => a.startsWith("--"));
}

let compiled: string | undefined;

/**
 * server.ts compiled as `npm run build:server` does, into the private build copy, once per run (a
 * build/server.js copied from build/ may be older than server.ts).
 */
function compiledServer(): string {
  const out = path.join(ensureBuild(), "build/server-under-test.js");
  if (compiled !== out) {
    const script = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts["build:server"] as string;
    const args = script.split(/\s+/).slice(1).map((a) => (a.startsWith("--outfile=") ? `--outfile=${out}` : a));
    execFileSync(process.platform === "win32" ? "npx.cmd" : "npx", ["esbuild", ...args], { cwd: ROOT, stdio: "pipe" });
    compiled = out;
  }
  return out;
}

/**
 * Starts the server in production mode on 127.0.0.1 and a free port: `node --import tsx server.ts`,
 * or with `production` the compiled server under start:prod's flags.
 */
export function startServer(options: StartOptions): Promise<ServerHandle> {
  // server.ts comes from the repository; build/ and public/ from the private copy (the working directory).
  const preload = (options.preload ?? []).flatMap((p) => ["--import", pathToFileURL(p).href]);
  const args = options.production ? [...startProdFlags(), ...preload, compiledServer()] : ["--import", "tsx", ...preload, path.join(ROOT, "server.ts")];
  const child = spawn(process.execPath, args, {
    cwd: ensureBuild(),
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: "0",
      HOST: "127.0.0.1",
      ...databaseEnv(options.databaseFile),
      DEMO_DATA: "off",
      SESSION_SECRET,
      COOKIE_SECURE: "false",
      TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json"),
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start in time:\n${log}`));
    }, options.timeoutMs ?? 60_000);
    const onData = () => {
      const m = /Baseline is serving (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      resolve({
        url: m[1],
        pid: child.pid!,
        child,
        output: () => log,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          return exited;
        },
        kill9: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          await exited;
        },
      });
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it started:\n${log}`));
    });
  });
}

/** Signs in through the real login form and returns the session Cookie header value. */
export async function login(url: string, username: string, password = DEMO_PASSWORD): Promise<string> {
  const res = await fetch(`${url}/login`, {
    method: "POST",
    body: new URLSearchParams({ username, password, redirectTo: "/dashboard" }),
    redirect: "manual",
  });
  const cookie = res.headers.get("set-cookie");
  if (res.status !== 303 || !cookie) throw new Error(`login as ${username} failed: ${res.status} ${await res.text()}`);
  return cookie.split(";")[0];
}

/** Writes tests/faults/last-run.json section by section, so each fault test adds its own figures. */
export function recordFigures(section: string, figures: Record<string, unknown>): void {
  const file = path.join(ROOT, "tests/faults/last-run.json");
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    // First test of the run.
  }
  all[section] = { ...figures, at: new Date().toISOString() };
  fs.writeFileSync(file, JSON.stringify(all, null, 2) + "\n");
}

// ---- Fault injection (tests/reliability/fault-hook.ts runs inside the server) ---------------

export const FAULT_HOOK = path.join(ROOT, "tests/reliability/fault-hook.ts");

/** Sets the server's fault mode (see the hook) and waits until the server process has picked it up. */
export async function setFault(faultFile: string, next: string, timeoutMs = 5000): Promise<void> {
  fs.writeFileSync(faultFile, next);
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if (fs.readFileSync(`${faultFile}.ack`, "utf8") === next) return;
    } catch {
      // Not yet written.
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the server did not pick up fault mode "${next}"`);
}
