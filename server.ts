/**
 * Production (and development) server: checks and migrates the database, loads the demo data into
 * an empty database (unless DEMO_DATA=off), then serves the Remix build with Express.
 */
import { createRequestHandler } from "@remix-run/express";
import { broadcastDevReady, type ServerBuild } from "@remix-run/node";
import express from "express";
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { checkConfiguredDatabase, databaseLabel, databasePath, DatabaseFileError, open, postgresUrl } from "./db/client";
import { migrateToLatest, SchemaTooNewError } from "./db/migrate";
import { isDatabaseEmpty, loadDemo } from "./app/demo/load.server";
import { runPendingRepairs } from "./app/models/repairs.server";
import { clientAddress } from "./app/auth/client-address.server";
import { bodyLimitFor, isCrossSiteWrite, securityHeaders } from "./app/http/security.server";
import { withFriendlyErrorPages } from "./app/http/storage-errors.server";
import { parsePublicUrl, PUBLIC_URL_HELP } from "./app/http/public-url.server";
import { removeServerPid, writeServerPid } from "./db/backup";

const BUILD_PATH = path.resolve("build/index.js");
const dev = process.env.NODE_ENV === "development";
/** How long a stop signal waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
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
    if (isCrossSiteWrite(req.method, { origin: req.headers.origin, referer: req.headers.referer, host: req.headers.host })) {
      res.status(403).type("text/plain").send("Cross-site request refused.");
      return;
    }
    const length = Number(req.headers["content-length"] ?? 0);
    // A chunked body has no length to check up front; browsers always send one for forms and uploads.
    if (req.headers["transfer-encoding"] !== undefined && req.headers["content-length"] === undefined) {
      res.status(411).type("text/plain").send("Send the request with a Content-Length.");
      return;
    }
    if (length > bodyLimitFor(req.path)) {
      res.status(413).type("text/plain").send("The request is too large.");
      return;
    }
    next();
  });

  app.use("/build", express.static("public/build", { immutable: true, maxAge: "1y" }));
  // Files in public/ all have an extension; pages don't, and skip the file-system lookup.
  const files = express.static("public", { maxAge: "1h" });
  app.use((req, res, next) => (/\.[A-Za-z0-9]+$/.test(req.path) ? files(req, res, next) : next()));

  app.all(
    "*",
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
  try {
    await prepareDatabase();
  } catch (error) {
    if (error instanceof DatabaseFileError || error instanceof SchemaTooNewError) fail(error.message);
    throw error;
  }
  // restore (cli/commands/backup.ts) refuses while this file names a live process.
  if (!postgresUrl()) {
    writeServerPid(databasePath());
    process.on("exit", () => removeServerPid(databasePath()));
  }
  const build = (await import(pathToFileURL(BUILD_PATH).href)) as ServerBuild;
  const app = createApp(build);
  const port = Number(process.env.PORT || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT must be a number from 0 to 65535 (got ${process.env.PORT}).`);
  const host = process.env.HOST || "127.0.0.1";
  if (process.env.PUBLIC_URL?.trim() && !parsePublicUrl(process.env.PUBLIC_URL)) fail(`${PUBLIC_URL_HELP} (got ${process.env.PUBLIC_URL}).`);
  const server = app.listen(port, host, () => {
    const address = server.address();
    const actual = typeof address === "object" && address ? address.port : port;
    console.log(`Baseline is serving http://${host === "0.0.0.0" ? "localhost" : host}:${actual} (database ${databaseLabel()})`);
    if (dev) broadcastDevReady(build);
  });
  server.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EADDRINUSE") fail(`Port ${port} is already in use; set PORT to a free port.`);
    if (error.code === "EACCES") fail(`Not allowed to listen on port ${port}; set PORT to a port above 1024.`);
    fail(`Cannot listen on ${host}:${port}: ${error.message}`);
  });
  // Stop accepting connections, let in-flight requests finish (idle keep-alive connections are
  // closed as they go idle), then exit 0; a request still running after the grace period is cut.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight requests, then stopping`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setInterval(() => server.closeIdleConnections(), 100).unref();
    setTimeout(() => {
      console.error(`Requests still running after ${SHUTDOWN_GRACE_MS / 1000} s; closing them`);
      server.closeAllConnections();
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // Run as a program (npm start, start:prod) this is production unless `remix dev` said otherwise:
  // React and Remix read NODE_ENV when build/index.js is imported, which happens after this line.
  if (process.env.NODE_ENV !== "development") process.env.NODE_ENV = "production";
  startServer().catch((error) => fail(`Baseline could not start: ${error?.stack ?? error}`));
}
