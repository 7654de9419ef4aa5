/* global process, console */
/**
 * npm run test:pg: the vitest suite against PostgreSQL (docs/decisions/025-postgresql-engine.md).
 * DATABASE_URL names a server and a database to connect to for creating the test databases
 * (default postgres://root@127.0.0.1:5432/postgres); extra arguments go to vitest.
 */
import { spawnSync } from "node:child_process";
import pg from "pg";

const url = process.env.DATABASE_URL?.trim() || "postgres://root@127.0.0.1:5432/postgres";
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
try {
  await client.connect();
  await client.end();
} catch (error) {
  const where = url.replace(/:[^:@/]*@/, ":***@");
  console.error(
    `No PostgreSQL server answers at ${where} (${error.message || error.code}): start one (e.g. \`pg_ctlcluster 15 main start\`, ` +
      `or \`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15\`) or set DATABASE_URL.`,
  );
  process.exit(1);
}
const r = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, DATABASE_URL: url },
});
process.exit(r.status ?? 1);
