import type Sqlite from "better-sqlite3";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { databasePath } from "./client";

/**
 * What keeps the audit trail honest against someone who can write the database file
 * (docs/decisions/017-audit-key-and-head.md): the key of the chain's HMAC, kept outside the
 * database, and the chain's head (last id + hash) written beside the database after every commit
 * that appends to the log, and into every backup's manifest.
 */

/** The app_settings key holding the first audit row hashed with the key (rows before it are plain SHA-256). */
export const KEYED_FROM_SETTING = "audit_keyed_from";

export const AUDIT_KEY_FILE = ".audit-key";

/**
 * PostgreSQL keeps no head outside the database (docs/decisions/026-postgresql-writers.md), so the
 * keyed-from row carries its own MAC in app_settings: without it anyone who can write the database
 * could rewrite the whole log with plain SHA-256 and move `audit_keyed_from` past its end. Row 1
 * (every row keyed, as on a database created on PostgreSQL) needs none: claiming more keyed rows hides
 * nothing. `cli copy` writes it for a chain copied with plain rows before its first keyed one.
 */
export const KEYED_FROM_MAC_SETTING = "audit_keyed_from_mac";

/** The MAC of the first keyed row, bound to the hash of the row before it (genesis for row 1). */
export function keyedFromMac(keyedFrom: number, hashBefore: string): string {
  return hmacHex(`baseline-audit-keyed-from:${keyedFrom}:${hashBefore}`);
}

const keys = new Map<string, Buffer>();

/**
 * AUDIT_KEY from the environment (hex or any text of 32+ characters); otherwise a random key kept
 * in `.audit-key` beside the configured database, created with mode 0600 on first use.
 */
export function auditKey(): Buffer {
  const fromEnv = process.env.AUDIT_KEY;
  if (fromEnv) {
    let key = keys.get(`env:${fromEnv}`);
    if (!key) keys.set(`env:${fromEnv}`, (key = Buffer.from(fromEnv, "utf8")));
    return key;
  }
  const file = path.join(path.dirname(databasePath()), AUDIT_KEY_FILE);
  let key = keys.get(file);
  if (key) return key;
  try {
    key = Buffer.from(fs.readFileSync(file, "utf8").trim(), "hex");
  } catch {
    const hex = randomBytes(32).toString("hex");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      // "wx": two processes starting together must not each write their own key.
      fs.writeFileSync(file, hex, { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    key = Buffer.from(fs.readFileSync(file, "utf8").trim(), "hex");
  }
  if (key.length < 16) throw new Error(`${file} does not hold an audit key; restore it from your key backup`);
  keys.set(file, key);
  return key;
}

export function hmacHex(data: string, key: Buffer = auditKey()): string {
  return createHmac("sha256", key).update(data).digest("hex");
}

export interface AuditHead {
  last_id: number;
  hash: string;
  keyed_from: number;
}

export interface SignedHead extends AuditHead {
  mac: string;
}

function headMessage(h: AuditHead): string {
  return `baseline-audit-head:${h.last_id}:${h.hash}:${h.keyed_from}`;
}

/** The head with a MAC, so that nobody without the key can move it (or the keyed-from row) by hand. */
export function signHead(head: AuditHead): SignedHead {
  return { last_id: head.last_id, hash: head.hash, keyed_from: head.keyed_from, mac: hmacHex(headMessage(head)) };
}

export function headMacValid(head: SignedHead): boolean {
  const expected = Buffer.from(hmacHex(headMessage(head)), "hex");
  const given = Buffer.from(String(head.mac), "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Parses a head as found in a head file or a manifest; null when it is not one. */
export function parseHead(value: unknown): SignedHead | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!Number.isInteger(v.last_id) || !Number.isInteger(v.keyed_from) || typeof v.hash !== "string" || typeof v.mac !== "string") return null;
  return { last_id: v.last_id as number, hash: v.hash, keyed_from: v.keyed_from as number, mac: v.mac };
}

export function headFilePath(databaseFile: string): string {
  return `${path.resolve(databaseFile)}.audit-head`;
}

export type HeadFileState = { kind: "missing" } | { kind: "unreadable"; message: string } | { kind: "ok"; head: SignedHead };

export function readHeadFile(databaseFile: string): HeadFileState {
  let text: string;
  try {
    text = fs.readFileSync(headFilePath(databaseFile), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    return { kind: "unreadable", message: (error as Error).message };
  }
  let head: SignedHead | null = null;
  try {
    head = parseHead(JSON.parse(text));
  } catch {
    head = null;
  }
  return head ? { kind: "ok", head } : { kind: "unreadable", message: "it is not a head record" };
}

let tempFiles = 0;

/** Replaces the head file in one rename, so a reader never sees half of it (a temp name per writer, never shared). */
export function writeHeadFile(databaseFile: string, head: AuditHead): void {
  const file = headFilePath(databaseFile);
  const temp = `${file}.${process.pid}.${++tempFiles}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(signHead(head))}\n`);
  fs.renameSync(temp, file);
}

/** How long a commit waits for another process's head update; past it the next commit moves the head instead. */
const HEAD_LOCK_WAIT_MS = 2000;
/** A lock file older than this was left by a process that died holding it (holding it takes a millisecond). */
const STALE_HEAD_LOCK_MS = 10_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

function staleLock(lock: string): boolean {
  try {
    const pid = Number(fs.readFileSync(lock, "utf8"));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ESRCH") return true;
      }
    }
    return Date.now() - fs.statSync(lock).mtimeMs > STALE_HEAD_LOCK_MS;
  } catch {
    return false; // gone meanwhile: try again
  }
}

/**
 * Runs `fn` holding `<database>.audit-head.lock` (created with O_EXCL), so that reading the head
 * file, comparing and replacing it is one step across every process writing the database
 * (docs/decisions/028-workers.md); undefined when the lock could not be had in time.
 */
function withHeadLock<T>(databaseFile: string, fn: () => T): T | undefined {
  const lock = `${headFilePath(databaseFile)}.lock`;
  const end = Date.now() + HEAD_LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (staleLock(lock)) fs.rmSync(lock, { force: true });
      else if (Date.now() > end) return undefined;
      else Atomics.wait(pause, 0, 0, 1); // synchronous: the commit that called us has returned nothing yet
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** The log's current head as this connection sees it; null before the audit tables exist. */
export function currentHead(sqlite: Sqlite.Database): AuditHead | null {
  try {
    const last = sqlite.prepare("select id, hash from audit_log order by id desc limit 1").get() as { id: number; hash: string } | undefined;
    const keyed = sqlite.prepare("select value from app_settings where key = ?").pluck().get(KEYED_FROM_SETTING) as string | undefined;
    if (keyed === undefined) return null;
    return { last_id: last?.id ?? 0, hash: last?.hash ?? "0".repeat(64), keyed_from: Number(keyed) };
  } catch {
    return null;
  }
}

const written = new WeakMap<Sqlite.Database, string>();
const warned = new WeakSet<Sqlite.Database>();

function warnOnce(sqlite: Sqlite.Database, message: string): void {
  if (warned.has(sqlite)) return;
  warned.add(sqlite);
  process.stderr.write(message);
}

/**
 * Called after every commit (db/sqlite-dialect.ts). Moves the head file forward when the log grew.
 * It never moves it onto a chain that does not contain the recorded head: rows cut from the end,
 * or a different database put in this file's place, leave the head file as evidence for
 * `audit verify` (restore writes the head of what it restores). Several processes commit to one
 * database (the workers of docs/decisions/028-workers.md): under the head lock the head is read
 * again, so the file only ever moves forward, to the newest committed head.
 */
export function advanceHeadFile(sqlite: Sqlite.Database): void {
  const file = sqlite.name;
  if (!file || file === ":memory:" || sqlite.memory || sqlite.readonly) return;
  const seen = currentHead(sqlite);
  if (!seen || written.get(sqlite) === `${seen.last_id}:${seen.hash}`) return;
  try {
    withHeadLock(file, () => {
      const head = currentHead(sqlite);
      if (!head) return;
      const key = `${head.last_id}:${head.hash}`;
      const state = readHeadFile(file);
      if (state.kind === "ok") {
        const r = state.head;
        if (r.last_id === head.last_id && r.hash === head.hash) {
          written.set(sqlite, key);
          return;
        }
        const row = sqlite.prepare("select hash from audit_log where id = ?").pluck().get(r.last_id) as string | undefined;
        const onChain = r.last_id === 0 || row === r.hash;
        if (!onChain || r.last_id > head.last_id || !headMacValid(r)) {
          warnOnce(sqlite, `The audit head file ${headFilePath(file)} does not match the database's audit log; run \`audit verify\`.\n`);
          return;
        }
      } else if (state.kind === "unreadable") {
        return;
      }
      writeHeadFile(file, head);
      written.set(sqlite, key);
    });
  } catch (error) {
    // The change is committed whatever happens here; verify reports a head file that fell behind.
    warnOnce(sqlite, `Could not update the audit head file beside ${file}: ${(error as Error).message}\n`);
  }
}
