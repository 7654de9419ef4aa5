import Sqlite from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";

/**
 * SQLite-specific backup and restore primitives: the online backup API, integrity
 * check, row counts, "is a server using this file?" and the atomic file swap. The CLI
 * (cli/commands/backup.ts) adds the application checks (audit chain, schema version) on top.
 */

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupError";
  }
}

export interface OnlineBackupResult {
  bytes: number;
  pages: number;
  /** Times SQLite restarted the copy because another connection wrote meanwhile. */
  restarts: number;
}

/** Pages copied per step: 16 MB at the default 4 KB page size keeps progress visible on big files. */
const STEP_PAGES = 4096;
const ALL_PAGES = 0x7fffffff;

/** A unique file name in the same folder as `file`, so a later rename never crosses file systems. */
export function siblingTempPath(file: string, purpose: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${purpose}-${process.pid}-${Date.now()}.tmp`);
}

export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, "r+");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a rename durable: the directory entry itself must reach the disk. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function removeQuietly(file: string): void {
  fs.rmSync(file, { force: true });
}

/**
 * Copies the database open on `source` into `dest` with SQLite's online backup API while other
 * connections (the running server) keep writing. The copy goes to a temporary file first and is
 * switched to rollback-journal mode, so `dest` is one self-contained file and never half-written.
 * Refuses to replace an existing `dest` unless `force`.
 */
export async function onlineBackup(
  source: Sqlite.Database,
  dest: string,
  options: { force?: boolean; stepPages?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<OnlineBackupResult> {
  const target = path.resolve(dest);
  if (!fs.existsSync(path.dirname(target))) throw new BackupError(`The folder ${path.dirname(target)} does not exist.`);
  if (fs.existsSync(target) && !options.force) {
    throw new BackupError(`${target} already exists; choose another name or add --force to replace it.`);
  }
  if (path.resolve(source.name) === target) throw new BackupError("The backup file cannot be the database itself.");
  const temp = siblingTempPath(target, "backup");
  let restarts = 0;
  let lastRemaining = Infinity;
  let pages = 0;
  try {
    const progress = await source.backup(temp, {
      progress: ({ totalPages, remainingPages }) => {
        // Remaining pages going up means a writer restarted the copy; a writer that never pauses
        // could restart page-by-page steps forever, so after one restart copy the rest in one step
        // (one read transaction: in WAL mode that does not block the writer).
        if (remainingPages > lastRemaining) restarts++;
        lastRemaining = remainingPages;
        options.onProgress?.(totalPages - remainingPages, totalPages);
        return restarts > 0 ? ALL_PAGES : (options.stepPages ?? STEP_PAGES);
      },
    });
    pages = progress.totalPages;
    const copy = new Sqlite(temp);
    try {
      copy.pragma("journal_mode = DELETE");
    } finally {
      copy.close();
    }
    fsyncFile(temp);
    if (options.force) {
      fs.renameSync(temp, target);
    } else {
      // link() fails if the name was taken meanwhile: no window in which another file is overwritten.
      try {
        fs.linkSync(temp, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") {
          throw new BackupError(`${target} already exists; choose another name or add --force to replace it.`);
        }
        throw error;
      }
      removeQuietly(temp);
    }
    fsyncDir(path.dirname(target));
  } finally {
    for (const f of [temp, `${temp}-journal`, `${temp}-wal`, `${temp}-shm`]) removeQuietly(f);
  }
  return { bytes: fs.statSync(target).size, pages, restarts };
}

/** `PRAGMA integrity_check`: [] when the file is sound, else SQLite's list of problems. */
export function integrityProblems(sqlite: Sqlite.Database): string[] {
  let rows: Array<{ integrity_check: string }>;
  try {
    rows = sqlite.pragma("integrity_check") as Array<{ integrity_check: string }>;
  } catch (error) {
    // Damage bad enough that the check cannot even walk the file (SQLITE_CORRUPT, SQLITE_NOTADB).
    return [(error as Error).message];
  }
  const messages = rows.map((r) => r.integrity_check);
  return messages.length === 1 && messages[0] === "ok" ? [] : messages;
}

export interface TableCount {
  table: string;
  rows: number;
}

/** Row counts of every user table, in name order. */
export function tableRowCounts(sqlite: Sqlite.Database): TableCount[] {
  const tables = sqlite
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
    .pluck()
    .all() as string[];
  return tables.map((table) => ({
    table,
    rows: Number(sqlite.prepare(`select count(*) from "${table.replace(/"/g, '""')}"`).pluck().get()),
  }));
}

/**
 * Opens a file that should be a SQLite database for checking; throws BackupError with a plain
 * sentence when it is not one (a truncated download, a text file, a wrong path).
 */
export function openForCheck(file: string): Sqlite.Database {
  if (!fs.existsSync(file)) throw new BackupError(`No such file: ${file}`);
  let sqlite: Sqlite.Database | undefined;
  try {
    sqlite = new Sqlite(file, { fileMustExist: true });
    sqlite.pragma("busy_timeout = 5000");
    sqlite.prepare("select count(*) from sqlite_master").get();
    return sqlite;
  } catch (error) {
    sqlite?.close();
    throw new BackupError(`${file} is not a readable SQLite database (${(error as Error).message}).`);
  }
}

// ---- "Is a server using this database?" -------------------------------------------------------

/** The server writes its process id here while it runs (server.ts) and removes it on shutdown. */
export function serverPidFile(databaseFile: string): string {
  return `${path.resolve(databaseFile)}.server-pid`;
}

export function writeServerPid(databaseFile: string, pid: number = process.pid): void {
  fs.writeFileSync(serverPidFile(databaseFile), `${pid}\n`);
}

/** Removes the pid file only if it is still ours (a second server may have replaced it). */
export function removeServerPid(databaseFile: string, pid: number = process.pid): void {
  try {
    if (fs.readFileSync(serverPidFile(databaseFile), "utf8").trim() === String(pid)) fs.rmSync(serverPidFile(databaseFile));
  } catch {
    // Already gone.
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid of a live server recorded beside the database, or null (no file, or a stale one after kill -9). */
export function runningServerPid(databaseFile: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(serverPidFile(databaseFile), "utf8").trim();
  } catch {
    return null;
  }
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  return processAlive(pid) ? pid : null;
}

/**
 * True when another connection (any process) has the database open. In WAL mode every open
 * connection holds a shared lock on the file, so taking SQLite's exclusive locking mode with no
 * busy wait fails exactly when someone else is connected. Closing the probe checkpoints the WAL.
 * Returns "unreadable" when the file cannot be opened as a database at all.
 */
export function databaseInUse(file: string): boolean | "unreadable" {
  if (!fs.existsSync(file)) return false;
  let probe: Sqlite.Database;
  try {
    probe = new Sqlite(file, { fileMustExist: true });
  } catch {
    return "unreadable";
  }
  try {
    probe.pragma("busy_timeout = 0");
    probe.pragma("locking_mode = EXCLUSIVE");
    probe.exec("BEGIN EXCLUSIVE");
    probe.exec("ROLLBACK");
    return false;
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return true;
    return "unreadable";
  } finally {
    probe.close();
  }
}

// ---- Replacing the database file ----------------------------------------------------------------

export interface ReplaceResult {
  /** Where the database that was replaced now lives (null when there was none). */
  keptAs: string | null;
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
}

/**
 * Puts `staged` (a checked copy in the same folder) in place of `target` with one rename. The
 * replaced database is kept as `<target>.replaced-<time>` together with its WAL, and the old
 * -wal/-shm names are cleared first: SQLite would otherwise replay the old WAL into the new file.
 */
export function replaceDatabaseFile(staged: string, target: string, now: Date = new Date()): ReplaceResult {
  const dir = path.dirname(target);
  let keptAs: string | null = null;
  if (fs.existsSync(target)) {
    keptAs = `${target}.replaced-${stamp(now)}`;
    fs.linkSync(target, keptAs);
    if (fs.existsSync(`${target}-wal`)) fs.renameSync(`${target}-wal`, `${keptAs}-wal`);
  } else if (fs.existsSync(`${target}-wal`)) {
    removeQuietly(`${target}-wal`);
  }
  removeQuietly(`${target}-shm`);
  removeQuietly(`${target}-journal`);
  fsyncFile(staged);
  fs.renameSync(staged, target);
  fsyncDir(dir);
  return { keptAs };
}
