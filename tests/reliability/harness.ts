/**
 * Shared by tests/reliability (npm test) and tests/faults (npm run test:faults): demo databases,
 * the CLI in-process, the real production server as a child process, database fingerprints.
 */
import Sqlite from "better-sqlite3";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { open } from "../../db/client";
import { loadDemo } from "../../app/demo/load.server";

export const ROOT = path.resolve(__dirname, "../..");
export const SESSION_SECRET = "reliability-test-secret";
export const DEMO_PASSWORD = "baseline-demo";

export function tempDir(prefix = "baseline-rel-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A migrated database with the small demo data set (reference date 2025-06-30) at `file`.
 * Built once per test run and copied: the demo load takes a few seconds.
 */
export async function demoDatabase(file: string): Promise<string> {
  const base = process.env.BASELINE_TEST_BASE_DB;
  if (!base) throw new Error("BASELINE_TEST_BASE_DB is not set: run through vitest (tests/global-setup.ts)");
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

/** Runs `npm run -s cli -- <args>` in this process against `databaseFile`. */
export async function runCli(args: string[], databaseFile: string): Promise<{ code: number; out: string; err: string }> {
  const { main } = await import("../../cli/index");
  const out = sink();
  const err = sink();
  const saved = process.env.DATABASE_PATH;
  process.env.DATABASE_PATH = databaseFile;
  try {
    const code = await main(args, { out, err, stdin: process.stdin } as any);
    return { code, out: out.text(), err: err.text() };
  } finally {
    if (saved === undefined) delete process.env.DATABASE_PATH;
    else process.env.DATABASE_PATH = saved;
  }
}

// ---- Database checks ----------------------------------------------------------------------------

/**
 * Tables whose rows are bookkeeping, not records: failed sign-ins are counted even when refused,
 * a session's last-seen time moves on reads (docs/decisions/011-sessions-and-sign-in.md), and the
 * upload page keeps its uploads and jobs (docs/decisions/027-shared-state-and-job-leases.md).
 */
export const UNAUDITED_TABLES = new Set(["login_failures", "sessions", "sqlite_sequence", "import_uploads", "import_jobs"]);

/** SHA-256 of every row of every table (except `exclude`), in rowid order: equal iff the data is equal. */
export function fingerprint(file: string, exclude: Set<string> = UNAUDITED_TABLES): string {
  const sqlite = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    return fingerprintOf(sqlite, exclude);
  } finally {
    sqlite.close();
  }
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

export function integrityOk(file: string): boolean {
  const sqlite = new Sqlite(file, { fileMustExist: true });
  try {
    return sqlite.pragma("integrity_check", { simple: true }) === "ok";
  } finally {
    sqlite.close();
  }
}

/** Audit-chain verify of a database file, through the app's own verifier. */
export async function auditVerifies(file: string): Promise<{ ok: boolean; rows: number; reason?: string }> {
  const { verifyAuditChain } = await import("../../app/models/audit.server");
  const { db } = open(file, { check: false });
  try {
    const r = await verifyAuditChain(db);
    return r.ok ? { ok: true, rows: r.rows } : { ok: false, rows: r.rows, reason: `row ${r.brokenId}: ${r.reason}` };
  } finally {
    await db.destroy();
  }
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
      DATABASE_PATH: options.databaseFile,
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

// ---- Fault injection (tests/reliability/sqlite-fault-hook.ts runs inside the server) ---------------

export const FAULT_HOOK = path.join(ROOT, "tests/reliability/sqlite-fault-hook.ts");

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
