import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkPostgres, open, openPostgres } from "../db/client";
import { onServer, testingPostgres, urlForDatabase } from "./helpers/pg";
import { migrateToLatest } from "../db/migrate";
import { runPendingRepairs } from "../app/models/repairs.server";

/**
 * Builds one migrated base database per run; each test file copies it (tests/helpers/db.ts),
 * so every file starts from a fresh, fully migrated schema without re-running migrations.
 */
export default async function setup() {
  // The workers get AUDIT_KEY from vitest.config.ts; the base database is keyed the same way.
  process.env.AUDIT_KEY ??= "test-audit-key-not-for-production";
  if (testingPostgres()) return setupPostgres(process.env.DATABASE_URL!);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baseline-test-"));
  const file = path.join(dir, "base.sqlite");
  const { db, sqlite } = open(file);
  await migrateToLatest(db);
  await runPendingRepairs(db);
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  sqlite.pragma("journal_mode = DELETE");
  await db.destroy();
  process.env.BASELINE_TEST_BASE_DB = file;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}

/** On PostgreSQL the base is a database that each test file clones as a template (tests/helpers/db.ts). */
async function setupPostgres(serverUrl: string) {
  await checkPostgres(serverUrl);
  const base = `baseline_test_${process.pid}`;
  await onServer(serverUrl, `DROP DATABASE IF EXISTS ${base} WITH (FORCE)`, `CREATE DATABASE ${base}`);
  const db = openPostgres(urlForDatabase(serverUrl, base));
  try {
    await migrateToLatest(db);
    await runPendingRepairs(db);
  } finally {
    await db.destroy();
  }
  process.env.BASELINE_TEST_PG_SERVER = serverUrl;
  process.env.BASELINE_TEST_BASE_DB = base;
  return async () => {
    const left = new (await import("pg")).default.Client({ connectionString: serverUrl });
    await left.connect();
    try {
      const r = await left.query<{ datname: string }>(`select datname from pg_database where datname like '${base}%' order by datname desc`);
      for (const { datname } of r.rows) await left.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    } finally {
      await left.end();
    }
  };
}
