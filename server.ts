/**
 * Production (and development) server: checks and migrates the database, loads the demo data into
 * an empty database (unless DEMO_DATA=off), then serves the Remix build with Express: in this
 * process, or with WEB_CONCURRENCY above 1 in that many worker processes sharing the port
 * (node:cluster; docs/decisions/028-workers.md). The database is prepared once, before forking.
 */
import { createRequestHandler } from "@remix-run/express";
import { broadcastDevReady, type ServerBuild } from "@remix-run/node";
import express from "express";
import cluster, { type Worker } from "node:cluster";
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { checkConfiguredDatabase, databaseLabel, databasePath, DatabaseFileError, open, postgresUrl } from "./db/client";
import { migrateToLatest, SchemaTooNewError } from "./db/migrate";
import { isDatabaseEmpty, loadDemo } from "./app/demo/load.server";
import { runPendingRepairs } from "./app/models/repairs.server";
import { clientAddress } from "./app/auth/client-address.server";
import { bodyLimitFor, isCrossSiteWrite, refusal, securityHeaders } from "./app/http/security.server";
import { withFriendlyErrorPages } from "./app/http/storage-errors.server";
import { parsePublicUrl, PUBLIC_URL_HELP } from "./app/http/public-url.server";
import { removeServerPid, writeServerPid } from "./db/backup";
import { MAX_WAITING_READS, READ_SLOTS, readGate, writesFirst } from "./app/http/admission.server";
import { asReadRequest } from "./app/models/memo.server";
import { ClaimBoard } from "./app/models/rebuilds.server";

const BUILD_PATH = path.resolve("build/index.js");
const dev = process.env.NODE_ENV === "development";
/** How long a stop signal waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;
/** A worker that dies sooner than this after it started is restarted after a pause (a crash loop must not spin). */
const QUICK_DEATH_MS = 5_000;

/** WEB_CONCURRENCY: how many server processes; unset is 1 here (`npm start` sets the number of cores). */
export function webConcurrency(value = process.env.WEB_CONCURRENCY): number | string {
  if (value === undefined || value.trim() === "") return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) return `WEB_CONCURRENCY must be a whole number from 1 to 64 (got ${value}).`;
  return n;
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** A refusal before Remix sees the request: plain text for pages, a problem (RFC 9457) for the JSON API. */
function refuse(pathname: string, res: express.Response, status: number, message: string): void {
  const r = refusal(pathname, status, message);
  res.status(status).type(r.type).send(r.body);
}

export function createApp(build: ServerBuild | (() => Promise<ServerBuild>)) {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);

  app.use((req, res, next) => {
    const nonce = randomBytes(16).toString("base64");
    const requestId = randomUUID().slice(0, 8);
    res.locals.nonce = nonce;
    res.locals.requestId = requestId;
    for (const [k, v] of Object.entries(securityHeaders(nonce, { dev }))) res.setHeader(k, v);
    res.setHeader("X-Request-Id", requestId);
    // No page, filter or record key holds a NUL, and PostgreSQL refuses one in any text it is sent:
    // where one reached a query (a center code, a filter) it answered 500.
    if (req.url.includes("%00")) {
      refuse(req.path, res, 400, "The address holds a NUL character (%00), which no Baseline address has.");
      return;
    }
    if (isCrossSiteWrite(req.method, { origin: req.headers.origin, referer: req.headers.referer, host: req.headers.host })) {
      refuse(req.path, res, 403, "Cross-site request refused.");
      return;
    }
    const length = Number(req.headers["content-length"] ?? 0);
    // A chunked body has no length to check up front; browsers always send one for forms and uploads.
    if (req.headers["transfer-encoding"] !== undefined && req.headers["content-length"] === undefined) {
      refuse(req.path, res, 411, "Send the request with a Content-Length.");
      return;
    }
    if (length > bodyLimitFor(req.path)) {
      refuse(req.path, res, 413, "The request is too large.");
      return;
    }
    next();
  });

  // Pages a few at a time, saves never behind them (docs/decisions/034-writes-first.md).
  const gate = readGate(READ_SLOTS[postgresUrl() ? "postgres" : "sqlite"], MAX_WAITING_READS);
  app.use(
    writesFirst(gate, (req, res) => {
      res.setHeader("Retry-After", "1");
      refuse(req.path, res, 503, "The server is busy; try again in a moment.");
    }),
  );

  app.use("/build", express.static("public/build", { immutable: true, maxAge: "1y" }));
  // Files in public/ all have an extension; pages don't, and skip the file-system lookup.
  const files = express.static("public", { maxAge: "1h" });
  app.use((req, res, next) => (/\.[A-Za-z0-9]+$/.test(req.path) ? files(req, res, next) : next()));

  app.all(
    "*",
    // A page request's memo look-ups use the change counter read with its session (docs/decisions/036-change-counter-with-the-session.md).
    (req, _res, next) => (req.method === "GET" || req.method === "HEAD" ? asReadRequest(next) : next()),
    createRequestHandler({
      build: (typeof build === "function" ? async () => withFriendlyErrorPages(await build()) : withFriendlyErrorPages(build)) as any,
      mode: dev ? "development" : "production",
      getLoadContext: (req, res) => ({
        nonce: res.locals.nonce,
        requestId: res.locals.requestId,
        mode: dev ? "development" : "production",
        // The socket's address; X-Forwarded-For only with TRUST_PROXY (app/auth/client-address.server.ts).
        clientAddress: clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"]),
      }),
    }),
  );
  return app;
}

async function prepareDatabase(): Promise<void> {
  // Nothing is written before the database is known to be usable (a file we can write, or a
  // PostgreSQL 13+ server that answers) and not of a newer schema (migrateToLatest checks first).
  await checkConfiguredDatabase();
  const { db } = open();
  try {
    await migrateToLatest(db);
    await runPendingRepairs(db);
    if (process.env.DEMO_DATA !== "off" && (await isDatabaseEmpty(db))) {
      const started = Date.now();
      const s = await loadDemo(db);
      console.log(`Loaded demo data: ${s.centers} centers, ${s.awards} awards in ${Date.now() - started} ms (DEMO_DATA=off skips this)`);
    }
  } finally {
    await db.destroy();
  }
}

export async function startServer(): Promise<void> {
  const workers = webConcurrency();
  if (typeof workers === "string") fail(workers);
  if (cluster.isPrimary) {
    try {
      await prepareDatabase();
    } catch (error) {
      if (error instanceof DatabaseFileError || error instanceof SchemaTooNewError) fail(error.message);
      throw error;
    }
    // restore (cli/commands/backup.ts) refuses while this file names a live process: the primary.
    if (!postgresUrl()) {
      writeServerPid(databasePath());
      process.on("exit", () => removeServerPid(databasePath()));
    }
    if (workers > 1) return startPrimary(workers);
  }
  await serve();
}

/**
 * The primary of a cluster: forks the workers, restarts one that dies, and on SIGTERM/SIGINT passes
 * the signal on, waits for every worker to finish its requests, and exits 0 when they all did.
 */
function startPrimary(count: number): void {
  let stopping = false;
  let listening = 0;
  const startedAt = new Map<Worker, number>();
  const fork = () => {
    if (!stopping) startedAt.set(cluster.fork(), Date.now());
  };
  // Announced once every worker listens, so the first requests find them all ready.
  cluster.on("listening", (_worker, address) => {
    if (++listening !== count) return;
    const host = address.address || process.env.HOST || "127.0.0.1";
    console.log(`Baseline is serving http://${host === "0.0.0.0" ? "localhost" : host}:${address.port} (database ${databaseLabel()}, ${count} workers)`);
  });
  // One worker rebuilds a saved center's figures, the others take its result (docs/decisions/038-one-rebuild-per-save.md).
  const board = new ClaimBoard((id, message) => void cluster.workers?.[id]?.send(message));
  cluster.on("message", (worker, message) => board.receive(worker.id, message));
  let failedExits = 0;
  cluster.on("exit", (worker, code, signal) => {
    board.gone(worker.id);
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stopping) {
      if (code !== 0) {
        failedExits++;
        console.error(`Worker ${worker.process.pid} stopped with ${signal ?? `exit code ${code}`}`);
      }
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failedExits === 0 ? 0 : 1);
      return;
    }
    console.error(`Worker ${worker.process.pid} stopped (${signal ?? `exit code ${code}`}); starting another`);
    setTimeout(fork, lived < QUICK_DEATH_MS ? 1000 : 0).unref();
  });
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: the workers finish in-flight requests, then stop`);
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (alive.length === 0) process.exit(0);
    for (const worker of alive) worker.process.kill(signal);
    setTimeout(() => {
      console.error(`Workers still running after ${SHUTDOWN_GRACE_MS / 1000 + 2} s; stopping them`);
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL");
      process.exit(1);
    }, SHUTDOWN_GRACE_MS + 2000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  // Structured clones between processes: a rebuild's result holds Maps and fields left undefined.
  cluster.setupPrimary({ serialization: "advanced" });
  for (let i = 0; i < count; i++) fork();
}

/** Serves requests in this process (the only one, or a worker of the cluster). */
async function serve(): Promise<void> {
  // Stop accepting connections, let in-flight requests finish (idle keep-alive connections are
  // closed as they go idle), then exit 0; a request still running after the grace period is cut.
  // A stop signal may come while the build loads (a worker forked a moment before SIGTERM): nothing to finish yet.
  const serving: { server?: ReturnType<ReturnType<typeof createApp>["listen"]> } = {};
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const listening = serving.server;
    if (!listening) process.exit(0);
    if (cluster.isPrimary) console.log(`${signal}: finishing in-flight requests, then stopping`);
    listening.close(() => process.exit(0));
    listening.closeIdleConnections();
    setInterval(() => listening.closeIdleConnections(), 100).unref();
    setTimeout(() => {
      console.error(`Requests still running after ${SHUTDOWN_GRACE_MS / 1000} s; closing them`);
      listening.closeAllConnections();
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  const build = (await import(pathToFileURL(BUILD_PATH).href)) as ServerBuild;
  const app = createApp(build);
  const port = Number(process.env.PORT || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT must be a number from 0 to 65535 (got ${process.env.PORT}).`);
  const host = process.env.HOST || "127.0.0.1";
  if (process.env.PUBLIC_URL?.trim() && !parsePublicUrl(process.env.PUBLIC_URL)) fail(`${PUBLIC_URL_HELP} (got ${process.env.PUBLIC_URL}).`);
  if (stopping) process.exit(0);
  const server = (serving.server = app.listen(port, host, () => {
    if (cluster.isWorker) return; // the primary says where it serves
    const address = server.address();
    const actual = typeof address === "object" && address ? address.port : port;
    console.log(`Baseline is serving http://${host === "0.0.0.0" ? "localhost" : host}:${actual} (database ${databaseLabel()})`);
    if (dev) broadcastDevReady(build);
  }));
  server.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EADDRINUSE") fail(`Port ${port} is already in use; set PORT to a free port.`);
    if (error.code === "EACCES") fail(`Not allowed to listen on port ${port}; set PORT to a port above 1024.`);
    fail(`Cannot listen on ${host}:${port}: ${error.message}`);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // Run as a program (npm start, start:prod) this is production unless `remix dev` said otherwise:
  // React and Remix read NODE_ENV when build/index.js is imported, which happens after this line.
  if (process.env.NODE_ENV !== "development") process.env.NODE_ENV = "production";
  startServer().catch((error) => fail(`Baseline could not start: ${error?.stack ?? error}`));
}
