/* global process, setInterval */
/**
 * `npm start`: build, then serve exactly as `npm run start:prod` does (its command is read from
 * package.json), in production mode.
 *
 * npm runs a script through a shell, and a stop signal sent to npm reaches only that shell, which
 * dies and leaves its children running. So this launcher starts the server itself, passes SIGINT
 * and SIGTERM on, and stops the server when the shell above it goes away; the server then finishes
 * in-flight requests and exits (server.ts). NODE_ENV is set here and in server.ts, so package.json
 * needs no platform-specific syntax. BASELINE_SKIP_BUILD=1 serves an existing build (tests).
 *
 * WEB_CONCURRENCY (server processes) defaults here to the number of cores: the server then runs a
 * primary that forks that many workers and passes the stop signal on (docs/decisions/028-workers.md).
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";

const win = process.platform === "win32";
if (process.env.BASELINE_SKIP_BUILD !== "1") {
  const built = spawnSync(win ? "npm.cmd" : "npm", ["run", "build"], { stdio: "inherit", shell: win });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const [node, ...args] = JSON.parse(fs.readFileSync("package.json", "utf8")).scripts["start:prod"].split(/\s+/);
if (node !== "node") throw new Error(`start:prod must start with "node"`);
const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
const env = { ...process.env, NODE_ENV: "production", WEB_CONCURRENCY: process.env.WEB_CONCURRENCY || String(cores) };
const server = spawn(process.execPath, args, { stdio: "inherit", env });

let stopping = false;
const stop = (signal) => {
  stopping = true;
  if (server.exitCode === null && server.signalCode === null) server.kill(signal);
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
// Orphaned: npm's shell was stopped and the signal never reached us. Stop as if signalled.
const parent = process.ppid;
setInterval(() => {
  if (!stopping && process.ppid !== parent) stop("SIGTERM");
}, 250).unref();

server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
