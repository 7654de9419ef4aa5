import Sqlite from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { Kysely } from "kysely";
import type { Database } from "./schema";
import { BaselineSqliteDialect } from "./sqlite-dialect";

export type DB = Kysely<Database>;

/** A clear, one-line problem with the database file (exit 1 at start-up). */
export class DatabaseFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseFileError";
  }
}

export const DEFAULT_DATABASE_PATH = "data/baseline.sqlite";

export function databasePath(): string {
  return path.resolve(process.env.DATABASE_PATH || DEFAULT_DATABASE_PATH);
}

/**
 * Durability pragmas: WAL so readers never block the writer, synchronous=FULL so a
 * committed change survives a power cut, foreign keys on, and a busy timeout so a second process
 * (the CLI during a server run) waits instead of failing.
 */
export function applyPragmas(sqlite: Sqlite.Database): void {
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = FULL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("cache_size = -65536");
  sqlite.pragma("temp_store = MEMORY");
}

/** mkdir -p, one level at a time (Node's recursive mkdir can spin forever under /proc). */
function makeDirs(dir: string): void {
  if (fs.existsSync(dir)) return;
  const parent = path.dirname(dir);
  if (parent !== dir) makeDirs(parent);
  fs.mkdirSync(dir);
}

/** Checks the folder is writable and an existing file really is a SQLite database, touching nothing. */
export function checkDatabaseFile(file: string): void {
  const dir = path.dirname(file);
  try {
    makeDirs(dir);
    // access(W_OK) says yes to root even on read-only mounts: prove it by creating a file.
    const probe = path.join(dir, `.baseline-write-test-${process.pid}`);
    fs.closeSync(fs.openSync(probe, "wx"));
    fs.unlinkSync(probe);
  } catch {
    throw new DatabaseFileError(`Cannot write to the database folder ${dir} (DATABASE_PATH=${file}).`);
  }
  if (!fs.existsSync(file)) return;
  let probe: Sqlite.Database | undefined;
  try {
    probe = new Sqlite(file, { readonly: true, fileMustExist: true });
    probe.prepare("select count(*) from sqlite_master").get();
  } catch (error) {
    throw new DatabaseFileError(
      `The database file ${file} is not a readable SQLite database (${(error as Error).message}); it was left untouched.`,
    );
  } finally {
    probe?.close();
  }
}

export interface OpenedDatabase {
  db: DB;
  sqlite: Sqlite.Database;
  file: string;
}

export function openDatabase(file: string = databasePath(), options: { check?: boolean } = {}): OpenedDatabase {
  if (file !== ":memory:" && options.check !== false) checkDatabaseFile(file);
  const sqlite = new Sqlite(file);
  applyPragmas(sqlite);
  const db = new Kysely<Database>({ dialect: new BaselineSqliteDialect(sqlite) });
  return { db, sqlite, file };
}

/** Kysely exposes no driver handle; keep a map so model code can reach SQLite's backup/bulk APIs in db/. */
const handles = new WeakMap<DB, Sqlite.Database>();

export function registerHandle(db: DB, sqlite: Sqlite.Database): void {
  handles.set(db, sqlite);
}

export function sqliteHandle(db: DB): Sqlite.Database {
  const h = handles.get(db);
  if (!h) throw new Error("No SQLite handle registered for this Kysely instance");
  return h;
}

export function open(file: string = databasePath(), options: { check?: boolean } = {}): OpenedDatabase {
  const opened = openDatabase(file, options);
  registerHandle(opened.db, opened.sqlite);
  return opened;
}
