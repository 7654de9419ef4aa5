import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { open } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { runPendingRepairs } from "../app/models/repairs.server";

/**
 * Builds one migrated base database per run; each test file copies it (tests/helpers/db.ts),
 * so every file starts from a fresh, fully migrated schema without re-running migrations.
 */
export default async function setup() {
  // The workers get AUDIT_KEY from vitest.config.ts; the base database is keyed the same way.
  process.env.AUDIT_KEY ??= "test-audit-key-not-for-production";
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
