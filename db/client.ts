import Sqlite from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { Kysely, PostgresAdapter } from "kysely";
import { BaselinePostgresDialect } from "./postgres-dialect";
import pg from "pg";
import type { Database } from "./schema";
import { BaselineSqliteDialect } from "./sqlite-dialect";

export type DB = Kysely<Database>;

/** The two engines (docs/decisions/025-postgresql-engine.md): SQLite by default, PostgreSQL when DATABASE_URL names one. */
export type Engine = "sqlite" | "postgres";

/** Which engine a Kysely instance or transaction talks to. */
export function engineOf(db: Kysely<any>): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? "postgres" : "sqlite";
}

/** DATABASE_URL when it names a PostgreSQL server; null selects SQLite (DATABASE_PATH). */
export function postgresUrl(): string | null {
  const url = process.env.DATABASE_URL?.trim();
  if (!url) return null;
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new DatabaseFileError(`DATABASE_URL must start with postgres:// (got ${redactUrl(url)}); leave it unset to use the SQLite file DATABASE_PATH.`);
  }
  return url;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]+):[^@]*@/i, "$1:***@");
}

/** PostgreSQL 13 is the oldest release Baseline runs on (docs/decisions/025-postgresql-engine.md). */
export const MIN_POSTGRES_VERSION = 130000;

/**
 * Type parsers that give PostgreSQL rows the shapes SQLite gives: bigint (money in cents, ids,
 * count(*)) and numeric (sum of bigint) as numbers, booleans (from comparisons) as 1/0. Cents stay
 * exact as numbers below 2^53 (about 90 trillion dollars); a larger value refuses to load rather
 * than round (docs/decisions/025-postgresql-engine.md).
 */
const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === pg.types.builtins.INT8) return parseSafeInteger;
    if (oid === pg.types.builtins.NUMERIC) return (v: string) => (/^-?\d+$/.test(v) ? parseSafeInteger(v) : Number(v));
    if (oid === pg.types.builtins.BOOL) return (v: string) => (v === "t" ? 1 : 0);
    return pg.types.getTypeParser(oid, format as any);
  }) as pg.CustomTypesConfig["getTypeParser"],
};

function parseSafeInteger(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`The database returned ${v}, beyond the integers JavaScript holds exactly`);
  return n;
}

/** Connections per process for one center's rebuilds (db/postgres-dialect.ts `withGenericPlans`), beside PG_POOL_SIZE. */
export const GENERIC_PLAN_CONNECTIONS = 2;

/**
 * A pool of connections to DATABASE_URL, PG_POOL_SIZE (default 10) connections at most, and beside it
 * GENERIC_PLAN_CONNECTIONS whose sessions plan a prepared statement once for every parameter
 * (docs/decisions/044-generic-plans-for-one-centers-rebuild.md). Neither connects before its first statement.
 */
export function openPostgres(url: string): DB {
  const pool = new pg.Pool({ connectionString: url, types: pgTypes, max: Number(process.env.PG_POOL_SIZE) || 10 });
  // Kept a minute when idle (the main pool: 10 s): saves come a few at a time, and a new connection plans afresh.
  const genericPlanPool = new pg.Pool({ connectionString: url, types: pgTypes, max: GENERIC_PLAN_CONNECTIONS, idleTimeoutMillis: 60_000 });
  const reportError = (error: Error) => process.stderr.write(`PostgreSQL connection error: ${error.message}\n`);
  // Queued before anything the connection is handed out for; should it fail, the connection plans as the others do.
  genericPlanPool.on("connect", (client) => void client.query("set plan_cache_mode = force_generic_plan").catch(reportError));
  // An idle client losing its server must not crash the process; the next query reports it.
  for (const p of [pool, genericPlanPool]) p.on("error", reportError);
  return new Kysely<Database>({ dialect: new BaselinePostgresDialect({ pool, genericPlanPool }) });
}

/**
 * Connects once before anything is written: a server that does not answer, refuses the login or
 * is older than PostgreSQL 13 is one clear line (exit 1 at start-up).
 */
export async function checkPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new DatabaseFileError(`Cannot connect to PostgreSQL at ${redactUrl(url)} (DATABASE_URL): ${(error as Error).message || String(error)}.`);
  }
  try {
    const r = await client.query<{ v: string; name: string }>("select current_setting('server_version_num') as v, current_setting('server_version') as name");
    const version = Number(r.rows[0]?.v);
    if (!(version >= MIN_POSTGRES_VERSION)) {
      throw new DatabaseFileError(`PostgreSQL ${r.rows[0]?.name} at ${redactUrl(url)} is too old: Baseline needs PostgreSQL 13 or newer. Nothing was changed.`);
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/** Start-up check of whichever engine is configured (nothing is written). */
export async function checkConfiguredDatabase(): Promise<void> {
  const url = postgresUrl();
  if (url) await checkPostgres(url);
  else checkDatabaseFile(databasePath());
}

/** Where the configured database lives, for messages: the SQLite file or the redacted URL. */
export function databaseLabel(): string {
  const url = postgresUrl();
  return url ? redactUrl(url) : databasePath();
}

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
  /** The better-sqlite3 handle; on PostgreSQL a stand-in that refuses every use with a clear message. */
  sqlite: Sqlite.Database;
  /** The SQLite file, or the redacted DATABASE_URL on PostgreSQL. */
  file: string;
  engine: Engine;
}

/** What SQLite-only code (file backup, demo generator, bulk import statements) meets on PostgreSQL. */
export class NotOnPostgresError extends Error {
  constructor(what = "This operation") {
    super(`${what} works on the SQLite engine only; DATABASE_URL selects PostgreSQL.`);
    this.name = "NotOnPostgresError";
  }
}

const noSqlite = new Proxy({} as Sqlite.Database, {
  get(_target, prop) {
    if (prop === "then") return undefined;
    throw new NotOnPostgresError(`The SQLite handle (${String(prop)})`);
  },
});

export function openDatabase(file: string = databasePath(), options: { check?: boolean } = {}): OpenedDatabase {
  if (file !== ":memory:" && options.check !== false) checkDatabaseFile(file);
  const sqlite = new Sqlite(file);
  applyPragmas(sqlite);
  const db = new Kysely<Database>({ dialect: new BaselineSqliteDialect(sqlite) });
  return { db, sqlite, file, engine: "sqlite" };
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

/**
 * Opens the configured database: PostgreSQL when DATABASE_URL names one (an explicit `file`
 * still opens that SQLite file), else the SQLite file.
 */
export function open(file?: string, options: { check?: boolean } = {}): OpenedDatabase {
  const url = file === undefined ? postgresUrl() : null;
  if (url) return { db: openPostgres(url), sqlite: noSqlite, file: redactUrl(url), engine: "postgres" };
  const opened = openDatabase(file ?? databasePath(), options);
  registerHandle(opened.db, opened.sqlite);
  return opened;
}
