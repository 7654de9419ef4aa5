/**
 * The production server as users run it (`npm start`: `node build/server.js` on the Remix build), in a
 * child process: start-up time to the first 200, signing in over HTTP, and its peak RSS.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export interface RunningServer {
  child: ChildProcess;
  pid: number;
  base: string;
  /** Spawn to the first 200 from /healthz, ms. */
  startMs: number;
  output: () => string;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Node's flags and the entry of `npm run start:prod` (package.json), so the benchmark measures the
 * server exactly as `npm start` runs it, heap limit included.
 */
export function productionCommand(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const [node, ...args] = pkg.scripts["start:prod"].split(/\s+/);
  if (node !== "node") throw new Error(`start:prod must start with "node" (got "${pkg.scripts["start:prod"]}")`);
  return args;
}

export async function startServer(databasePath: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<RunningServer> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let out = "";
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, ...productionCommand()], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_PATH: databasePath,
      DEMO_DATA: "off",
      PORT: String(port),
      HOST: "127.0.0.1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  let exited = false;
  child.on("exit", () => (exited = true));

  const stop = async () => {
    if (exited) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
  };

  for (;;) {
    if (exited) throw new Error(`The server exited before answering:\n${out}`);
    if (performance.now() - started > 60_000) {
      await stop();
      throw new Error(`The server did not answer /healthz within 60 s:\n${out}`);
    }
    try {
      const res = await fetch(`${base}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const startMs = performance.now() - started;
  return { child, pid: child.pid!, base, startMs, output: () => out, stop };
}

/** Signs in through the login form (as a browser would) and returns the Cookie header value. */
export async function signIn(base: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: base },
    body: new URLSearchParams({ username, password, redirectTo: "/dashboard" }),
  });
  await res.arrayBuffer();
  const setCookie = res.headers.get("set-cookie");
  if (res.status !== 303 || !setCookie) throw new Error(`Signing in as ${username} failed: HTTP ${res.status}`);
  return setCookie.split(";")[0];
}

/** Peak resident set size of a process (VmHWM), in bytes. */
export function peakRss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`No VmHWM for process ${pid}`);
  return Number(m[1]) * 1024;
}
