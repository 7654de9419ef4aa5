import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { open, openPostgres, type DB } from "../../db/client";
import { setDb } from "../../app/db.server";
import { onServer, onServerSync, testingPostgres, urlForDatabase } from "./pg";

let copies = 0;

/**
 * PostgreSQL: a database cloned from the migrated base. `file` is its URL, and DATABASE_URL names it
 * for the rest of this test file's process, so the command line and the server a test starts use it.
 */
function freshPostgresDatabase(base: string): { db: DB; file: string; close: () => Promise<void> } {
  const server = process.env.BASELINE_TEST_PG_SERVER!;
  // Unique across test files sharing one process (a single fork re-evaluates this module per file).
  const name = `${base}_${process.pid}_${++copies}_${randomBytes(3).toString("hex")}`;
  const url = urlForDatabase(server, name);
  onServerSync(server, `CREATE DATABASE ${name} TEMPLATE ${base}`);
  const db = openPostgres(url);
  process.env.DATABASE_URL = url;
  return {
    db,
    file: url,
    close: async () => {
      await db.destroy();
      await onServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** A fresh copy of the migrated base database, private to the calling test file. */
export function freshDatabase(): { db: DB; file: string; close: () => Promise<void> } {
  const base = process.env.BASELINE_TEST_BASE_DB;
  if (!base) throw new Error("BASELINE_TEST_BASE_DB is not set: run tests through vitest (tests/global-setup.ts)");
  if (testingPostgres()) return freshPostgresDatabase(base);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baseline-file-"));
  const file = path.join(dir, "test.sqlite");
  fs.copyFileSync(base, file);
  const { db } = open(file);
  return {
    db,
    file,
    close: async () => {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Use in a test file: `const t = useTestDatabase();` then `t.db` inside tests. The app's
 * `getDb()` returns the same handle, so loaders and actions under test see this database.
 */
export function useTestDatabase(): { db: DB; file: string } {
  const holder = {} as { db: DB; file: string; close: () => Promise<void> };
  beforeAll(() => {
    Object.assign(holder, freshDatabase());
    setDb(holder.db);
  });
  afterAll(async () => {
    setDb(undefined);
    await holder.close?.();
  });
  return holder;
}
