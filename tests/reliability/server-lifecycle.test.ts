import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverPidFile } from "../../db/backup";
import { databaseEnv, demoDatabase, ensureBuild, isPostgresRef, ROOT, SESSION_SECRET, startServer, tempDir, type ServerHandle } from "./harness";

/**
 * Starting and stopping the production server as users do: `npm start` serves in production mode
 * whatever NODE_ENV the shell has, a stop signal sent to the npm process stops the server, and a
 * request in flight when the signal arrives is answered before the process exits 0, with one
 * process or with workers (WEB_CONCURRENCY, docs/decisions/028-workers.md), whose primary replaces a
 * worker that crashes.
 */

let dir: string;

beforeAll(() => {
  ensureBuild();
  dir = tempDir("baseline-life-");
}, 300_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A copy of the app as `npm start` sees it: package.json, the launcher, the build, node_modules. */
async function appCopy(): Promise<string> {
  const root = path.join(dir, "app");
  const snapshot = ensureBuild();
  fs.mkdirSync(path.join(root, "scripts"), { recursive: true });
  fs.cpSync(path.join(snapshot, "build"), path.join(root, "build"), { recursive: true });
  fs.symlinkSync(path.join(snapshot, "public"), path.join(root, "public"));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"));
  fs.copyFileSync(path.join(ROOT, "package.json"), path.join(root, "package.json"));
  if (fs.existsSync(path.join(ROOT, "scripts/start.mjs"))) fs.copyFileSync(path.join(ROOT, "scripts/start.mjs"), path.join(root, "scripts/start.mjs"));
  await build({
    entryPoints: [path.join(ROOT, "server.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    target: "node20",
    outfile: path.join(root, "build/server.js"),
    logLevel: "warning",
  });
  return root;
}

/** The pid of the compiled server running from `root` (build/server.js, as `npm start` runs it): the primary, started before its workers. */
function serverProcessIn(root: string): number {
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmd.some((a) => a.endsWith("build/server.js")) && fs.readlinkSync(`/proc/${entry}/cwd`) === fs.realpathSync(root)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  if (found.length === 0) throw new Error(`no server process runs from ${root}`);
  return Math.min(...found);
}

describe("npm start", () => {
  it("serves in production mode and stops the server when the npm process is sent SIGTERM", async () => {
    const root = await appCopy();
    const db = await demoDatabase(path.join(dir, "npm-start.sqlite"));
    const { NODE_ENV: _inherited, ...parentEnv } = process.env; // a fresh shell, as on Windows where `NODE_ENV=… node` is not available
    const env: Record<string, string | undefined> = { ...parentEnv, PORT: "0", HOST: "127.0.0.1", ...databaseEnv(db), DEMO_DATA: "off", SESSION_SECRET, COOKIE_SECURE: "false", BASELINE_SKIP_BUILD: "1" };
    const npm = spawn(process.platform === "win32" ? "npm.cmd" : "npm", ["start"], { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    npm.stdout!.on("data", (d) => (log += d));
    npm.stderr!.on("data", (d) => (log += d));
    try {
      await until("the server to start", () => /Baseline is serving (http:\/\/127\.0\.0\.1:\d+)/.test(log) || npm.exitCode !== null, 60_000);
      const url = /Baseline is serving (http:\/\/127\.0\.0\.1:\d+)/.exec(log)?.[1];
      expect(url, log).toBeDefined();
      const health = await (await fetch(`${url}/healthz`)).json();
      expect(health).toMatchObject({ ok: true, mode: "production", engine: isPostgresRef(db) ? "postgres" : "sqlite", version: JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version });
      expect(health.schema).toMatch(/^\d{4}_/);

      // SQLite: the pid file beside the database (backup and restore read it); PostgreSQL has no file, so the process list.
      const serverPid = isPostgresRef(db) ? serverProcessIn(root) : Number(fs.readFileSync(serverPidFile(db), "utf8"));
      expect(alive(serverPid)).toBe(true);
      npm.kill("SIGTERM");
      await until("the server process to exit", () => !alive(serverPid));
      if (isPostgresRef(db)) expect(log).toMatch(/SIGTERM: (the workers finish|finishing) in-flight requests/); // it shut down, not killed
      else expect(fs.existsSync(serverPidFile(db))).toBe(false); // it shut down, not killed
    } finally {
      if (npm.exitCode === null) npm.kill("SIGKILL");
    }
  }, 120_000);
});

describe.each([1, 2])("stopping the server with WEB_CONCURRENCY=%i", (workers) => {
  let server: ServerHandle;

  beforeAll(async () => {
    const db = await demoDatabase(path.join(dir, `stop-${workers}.sqlite`));
    server = await startServer({ databaseFile: db, env: { WEB_CONCURRENCY: String(workers) } });
  }, 120_000);

  afterAll(async () => {
    await server?.kill9();
  });

  it("answers a request in flight when SIGTERM arrives, refuses new connections, then exits 0", async () => {
    const u = new URL(server.url);
    const body = new URLSearchParams({ username: "demo-admin", password: "wrong-password" }).toString();
    // The request is in flight: the server has read its headers (it answers "100 Continue") and
    // waits for the body, which is sent only after the signal.
    let req!: http.ClientRequest;
    let headersRead!: Promise<void>;
    const response = new Promise<number>((resolve, reject) => {
      req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: "/login",
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(body.length), Expect: "100-continue" },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode!));
        },
      );
      req.on("error", reject);
      headersRead = new Promise((r) => req.once("continue", r));
      req.flushHeaders();
    });
    await headersRead;
    server.child.kill("SIGTERM");
    const refused = () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(Number(u.port), u.hostname);
        s.once("connect", () => (s.destroy(), resolve(false)));
        s.once("error", () => resolve(true));
      });
    await until("the server to stop listening", refused);
    req.end(body);
    const status = await response;
    expect(status).toBeLessThan(500);
    const code = await server.stop();
    expect(code, server.output()).toBe(0);
  }, 60_000);
});

/** The worker processes of a cluster's primary. */
function workersOf(pid: number): number[] {
  const out = spawnSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).stdout ?? "";
  return out.split(/\s+/).filter(Boolean).map(Number);
}

describe("workers", () => {
  let server: ServerHandle;

  beforeAll(async () => {
    const db = await demoDatabase(path.join(dir, "workers.sqlite"));
    server = await startServer({ databaseFile: db, env: { WEB_CONCURRENCY: "2" } });
  }, 120_000);

  afterAll(async () => {
    await server?.kill9();
  });

  it("a worker that crashes is replaced, and the others keep answering meanwhile", async () => {
    await until("two workers", () => workersOf(server.pid).length === 2);
    const [victim] = workersOf(server.pid);
    process.kill(victim, "SIGKILL");
    // A connection the primary handed to the worker as it died is lost with it; new ones go to the others.
    await until("the primary to notice", () => server.output().includes(`Worker ${victim} stopped (SIGKILL); starting another`));
    const health = async () => (await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(10_000) })).status;
    for (let i = 0; i < 5; i++) expect(await health(), server.output()).toBe(200);
    await until("a new worker", () => {
      const now = workersOf(server.pid);
      return now.length === 2 && !now.includes(victim);
    });
    expect(await health(), server.output()).toBe(200);
  }, 60_000);

  it("migrations ran once, in the primary, before the workers started", () => {
    expect(server.output().match(/Baseline is serving/g)).toHaveLength(1);
    expect(server.output()).toMatch(/2 workers/);
  });
});
