import type { LoaderFunctionArgs } from "@remix-run/node";
import { getDb } from "~/db.server";
import pkg from "../../package.json";
import { databaseEngine, databaseHealth } from "~/models/health.server";

/**
 * Liveness and readiness: answers 200 only after a real database query, with what an operator
 * checks first: the app and schema versions, the database engine and the mode React runs in.
 */
export async function loader({ context }: LoaderFunctionArgs) {
  // server.ts decides the mode at start-up; this bundle's own NODE_ENV is fixed at build time.
  const mode = (context as { mode?: string } | undefined)?.mode === "production" ? "production" : "development";
  const about = { version: pkg.version, engine: databaseEngine(getDb()), mode };
  try {
    return Response.json({ ok: true, ...about, ...(await databaseHealth(getDb())) }, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return Response.json({ ok: false, ...about, error: (error as Error).message }, { status: 503 });
  }
}
