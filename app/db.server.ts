import { type DB, open } from "../db/client";

/**
 * The app's database handle: opened lazily from DATABASE_PATH (the server has migrated it before
 * the first request). Tests swap in their own migrated copy with `setDb`.
 */
let current: DB | undefined;

export function getDb(): DB {
  if (!current) current = open().db;
  return current;
}

export function setDb(db: DB | undefined): void {
  current = db;
}

export type { DB };
