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
/**
 * Test files not run on PostgreSQL, each with its reason (docs/decisions/025-postgresql-engine.md).
 * The list is printed before and after the run, so nothing is skipped silently.
 */
const SQLITE_ONLY = {
  "tests/foundation.test.ts": "start-up and CLI checks of SQLite files (PostgreSQL's: tests/postgres-startup.test.ts)",
  "tests/perf/query-plans.test.ts": "SQLite's EXPLAIN QUERY PLAN",
  "tests/reliability/backup.test.ts": "backup/restore copy the SQLite file (PostgreSQL: pg_dump)",
  "tests/reliability/storage-errors.test.ts": "full disk and read-only faults of the SQLite file",
  "tests/perf/compliance-memo.test.ts": "reads SQLite's trigger catalogue and writes through a second SQLite connection",
  "tests/perf/statements-per-view.test.ts": "counts statements through a second handle on the test's SQLite connection (the same code runs on both engines)",
  "tests/reliability/audit-head-processes.test.ts": "the audit head file beside a SQLite database under two writing processes (PostgreSQL keeps no head file, decision 026; its two writers: tests/reliability/audit-chain-processes.test.ts)",
};
/**
 * The suites, as `npm test`, `npm run test:faults` and `npm run test:e2e` run them on SQLite.
 * `--suite unit,faults,e2e` picks some (default all); other arguments go to the vitest suites.
 */
const args = process.argv.slice(2);
let suites = ["unit", "faults", "e2e"];
const at = args.findIndex((a) => a === "--suite" || a.startsWith("--suite="));
if (at >= 0) {
  const value = args[at].includes("=") ? args[at].split("=")[1] : args[at + 1];
  args.splice(at, args[at].includes("=") ? 1 : 2);
  suites = value.split(",").map((s) => s.trim());
  const unknown = suites.filter((s) => !["unit", "faults", "e2e"].includes(s));
  if (unknown.length > 0) {
    console.error(`Unknown suite ${unknown.join(", ")}: choose from unit, faults, e2e.`);
    process.exit(2);
  }
}

const skipped = Object.entries(SQLITE_ONLY).map(([file, why]) => `  ${file}: ${why}`).join("\n");
const say = () => console.log(`Not run on PostgreSQL (${Object.keys(SQLITE_ONLY).length} files, SQLite only):\n${skipped}`);
say();
const excludes = Object.keys(SQLITE_ONLY).flatMap((f) => ["--exclude", f]);
const env = { ...process.env, DATABASE_URL: url };
const run = (argv, extraEnv = {}) => spawnSync(process.execPath, argv, { stdio: "inherit", env: { ...env, ...extraEnv } }).status ?? 1;
let status = 0;
for (const suite of suites) {
  console.log(`== PostgreSQL: ${suite}`);
  const code =
    suite === "unit"
      ? run(["node_modules/vitest/vitest.mjs", "run", ...excludes, ...args])
      : suite === "faults"
        ? run(["node_modules/vitest/vitest.mjs", "run", "--config", "vitest.faults.config.ts", ...excludes, ...args])
        : run(["--import", "tsx", "tests/e2e/run.ts"]);
  if (code !== 0) status = code;
}
say();
process.exit(status);
