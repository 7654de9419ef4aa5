import fs from "node:fs";
import path from "node:path";
import { Kysely, SqliteDialect } from "kysely";
import { verifyAudit } from "../../app/models/audit-verify.server";
import type { VerifyResult } from "../../app/models/audit.server";
import { parseHead, readHeadFile, signHead, writeHeadFile, headFilePath, type AuditHead, type SignedHead } from "../../db/audit-seal";
import {
  BackupError,
  databaseInUse,
  integrityProblems,
  onlineBackup,
  openForCheck,
  replaceDatabaseFile,
  runningServerPid,
  siblingTempPath,
  tableRowCounts,
  type TableCount,
} from "../../db/backup";
import { databasePath, openDatabase, postgresUrl } from "../../db/client";
import { appliedMigrations, LATEST_MIGRATION } from "../../db/migrate";
import { migrations } from "../../migrations/index";
import type { Database } from "../../db/schema";
import { type Command, UsageError } from "../command";

/**
 * `backup FILE` and `restore FILE`. Backup uses SQLite's online backup, so the server
 * keeps running and writing; restore checks the backup completely before it touches anything and
 * refuses while a server (or any other program) has the database open.
 */

export interface CopyCheck {
  ok: boolean;
  problems: string[];
  tables: TableCount[];
  totalRows: number;
  audit: VerifyResult | null;
  /** The copy's audit head (last row), for its manifest and for the head file after a restore. */
  head: AuditHead | null;
  schema: string | null;
}

/** Where a copy's recorded audit head comes from: the live head file (backup) or the backup's manifest (restore). */
export interface RecordedHead {
  head: SignedHead | null;
  where: string;
  /** A manifest names the copy's own last row; the live head file may be behind the copy. */
  exact: boolean;
}

/**
 * Integrity check, audit verify (chain, recorded head, records against their after-images) and
 * schema version of a database file that nobody else uses.
 */
export async function checkDatabaseCopy(file: string, recorded?: RecordedHead): Promise<CopyCheck> {
  const problems: string[] = [];
  const sqlite = openForCheck(file);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  let tables: TableCount[] = [];
  let audit: VerifyResult | null = null;
  let head: AuditHead | null = null;
  let schema: string | null = null;
  try {
    const integrity = integrityProblems(sqlite);
    if (integrity.length > 0) problems.push(`integrity check failed: ${integrity.slice(0, 3).join("; ")}`);
    try {
      tables = tableRowCounts(sqlite);
      const names = new Set(tables.map((t) => t.table));
      if (!names.has("audit_log") || !names.has("schema_migrations")) {
        problems.push("this is not a Baseline database (no audit_log or schema_migrations table)");
      } else {
        const applied = await appliedMigrations(db);
        schema = applied.at(-1) ?? null;
        const unknown = applied.filter((name) => !(name in migrations));
        if (unknown.length > 0) {
          problems.push(`its schema (${unknown.sort().at(-1)}) is newer than this version of Baseline (${LATEST_MIGRATION}); upgrade Baseline first`);
        }
        const verified = await verifyAudit(db, { head: recorded?.head ?? null, where: recorded?.where ?? "", exact: recorded?.exact, requireHead: recorded !== undefined, sqlite });
        const chain = verified.chain;
        audit = chain.result;
        head = { last_id: chain.lastId, hash: chain.lastHash, keyed_from: chain.keyedFrom };
        if (!chain.result.ok) {
          problems.push(`the audit trail does not verify: row ${chain.result.brokenId}: ${chain.result.reason}`);
        } else if (!verified.ok) {
          problems.push(`the audit trail does not verify: ${verified.problem}`);
        }
      }
    } catch (error) {
      problems.push(`could not be read: ${(error as Error).message}`);
    }
  } finally {
    await db.destroy();
  }
  return { ok: problems.length === 0, problems, tables, totalRows: tables.reduce((s, t) => s + t.rows, 0), audit, head, schema };
}

export function manifestPath(backupFile: string): string {
  return `${path.resolve(backupFile)}.manifest.json`;
}

/** The manifest beside a backup: what it holds and its audit head under the key's MAC. */
function writeManifest(backupFile: string, source: string, bytes: number, check: CopyCheck): void {
  const manifest = {
    backup: path.basename(backupFile),
    source,
    created_at: new Date().toISOString(),
    bytes,
    schema: check.schema,
    tables: Object.fromEntries(check.tables.map((t) => [t.table, t.rows])),
    audit_head: check.head ? signHead(check.head) : null,
  };
  fs.writeFileSync(manifestPath(backupFile), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The head a backup's manifest records; `problem` when a manifest is there but unreadable. */
function manifestHead(backupFile: string): { head: SignedHead | null; found: boolean; problem?: string } {
  let text: string;
  try {
    text = fs.readFileSync(manifestPath(backupFile), "utf8");
  } catch {
    return { head: null, found: false };
  }
  try {
    const head = parseHead(JSON.parse(text).audit_head);
    return head ? { head, found: true } : { head: null, found: true, problem: "its manifest has no audit head" };
  } catch {
    return { head: null, found: true, problem: "its manifest is not readable JSON" };
  }
}

const n = (v: number) => v.toLocaleString("en-US");

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const KEY_TABLES = ["centers", "awards", "budget_lines", "spending", "assessments", "users", "audit_log"];

function describeCopy(check: CopyCheck): string[] {
  const key = KEY_TABLES.flatMap((t) => {
    const found = check.tables.find((x) => x.table === t);
    return found ? [`${t} ${n(found.rows)}`] : [];
  });
  return [
    `  ${n(check.totalRows)} rows in ${check.tables.length} tables (${key.join(", ")})`,
    `  checks: integrity ok, audit trail verified (${n(check.audit?.rows ?? 0)} rows), schema ${check.schema ?? "none"}`,
  ];
}

/** Backup and restore copy the SQLite file; PostgreSQL has its own tools (docs/decisions/025-postgresql-engine.md). */
function notOnPostgres(err: NodeJS.WritableStream, command: string, tool: string): number {
  err.write(`\`${command}\` copies the SQLite file and does not apply on PostgreSQL (DATABASE_URL is set); use ${tool} or your service's backups. Nothing was done.\n`);
  return 1;
}

export const backup: Command = {
  name: "backup",
  summary: "Copy the database to FILE with SQLite's online backup (safe while the server runs); --force replaces FILE",
  usage: "backup FILE [--force]",
  options: { force: { type: "boolean" } },
  positionals: 1,
  needsDb: false,
  async run({ positionals, values, out, err }) {
    const file = positionals[0];
    if (postgresUrl()) return notOnPostgres(err, "backup", "pg_dump --format=custom");
    if (!file) throw new UsageError("Name the backup file, e.g. backups/baseline-$(date +%F).sqlite");
    const source = databasePath();
    if (!fs.existsSync(source)) {
      err.write(`There is no database at ${source} (DATABASE_PATH); nothing to back up.\n`);
      return 1;
    }
    // Read the live head before the copy starts: writers keep moving it while the copy is taken, and the
    // copy must reach at least this far on the same chain (a log cut short is caught before it is backed up).
    const live = readHeadFile(source);
    const { sqlite } = openDatabase(source);
    let result;
    try {
      result = await onlineBackup(sqlite, file, { force: values.force === true });
    } catch (error) {
      if (error instanceof BackupError) {
        err.write(`${error.message}\n`);
        return 1;
      }
      throw error;
    } finally {
      sqlite.close();
    }
    const check = await checkDatabaseCopy(file, live.kind === "ok" ? { head: live.head, where: headFilePath(source), exact: false } : undefined);
    out.write(`Backed up ${source} to ${path.resolve(file)}: ${formatBytes(result.bytes)}\n`);
    if (!check.ok) {
      err.write(`The copy fails its checks, so the live database needs attention:\n${check.problems.map((p) => `  ${p}\n`).join("")}`);
      return 1;
    }
    writeManifest(file, source, result.bytes, check);
    out.write(describeCopy(check).join("\n") + "\n");
    out.write(`  manifest: ${manifestPath(file)} (audit head row ${check.head?.last_id ?? 0})\n`);
    return 0;
  },
};

export const restore: Command = {
  name: "restore",
  summary: "Replace the database with a checked backup FILE (refused while the server runs; the old file is kept)",
  usage: "restore FILE",
  positionals: 1,
  needsDb: false,
  async run({ positionals, out, err }) {
    const file = positionals[0];
    if (postgresUrl()) return notOnPostgres(err, "restore", "pg_restore");
    if (!file) throw new UsageError("Name the backup file to restore");
    const target = databasePath();
    const from = path.resolve(file);
    if (from === target) throw new UsageError("The backup file is the database itself");
    if (!fs.existsSync(from)) {
      err.write(`No such file: ${from}. Nothing was replaced.\n`);
      return 1;
    }
    if (fs.existsSync(`${from}-wal`)) {
      err.write(
        `${from} has a write-ahead log beside it, so it is a live database rather than a backup; ` +
          `make a backup of it with \`backup\` first. Nothing was replaced.\n`,
      );
      return 1;
    }
    const refusal = serverRefusal(target);
    if (refusal) {
      err.write(refusal);
      return 1;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // Check a private copy beside the target: what was checked is byte for byte what gets renamed in.
    const staged = siblingTempPath(target, "restore");
    try {
      fs.copyFileSync(from, staged);
      const manifest = manifestHead(from);
      let check: CopyCheck;
      try {
        check = await checkDatabaseCopy(staged, manifest.found ? { head: manifest.head, where: "its manifest", exact: true } : undefined);
      } catch (error) {
        if (!(error instanceof BackupError)) throw error;
        check = { ok: false, problems: [`it is not a readable SQLite database`], tables: [], totalRows: 0, audit: null, head: null, schema: null };
      }
      if (manifest.problem) check.problems.unshift(manifest.problem);
      check.ok = check.problems.length === 0;
      if (!check.ok) {
        err.write(`${from} fails its checks:\n${check.problems.map((p) => `  ${p}\n`).join("")}Nothing was replaced.\n`);
        return 1;
      }
      const late = serverRefusal(target);
      if (late) {
        err.write(late);
        return 1;
      }
      const oldHead = headFilePath(target);
      const { keptAs } = replaceDatabaseFile(staged, target);
      if (keptAs && fs.existsSync(oldHead)) fs.copyFileSync(oldHead, headFilePath(keptAs));
      // The restored log legitimately ends earlier than the one it replaced: its own head is the record now.
      if (check.head) writeHeadFile(target, check.head);
      out.write(`Restored ${target} from ${from}\n`);
      out.write(describeCopy(check).join("\n") + "\n");
      if (!manifest.found) out.write(`  no manifest beside the backup: whether rows were cut from the end of its audit log could not be checked\n`);
      if (check.schema !== LATEST_MIGRATION) out.write(`  the server upgrades the schema to ${LATEST_MIGRATION} when it starts\n`);
      if (keptAs) out.write(`The database it replaced was kept as ${keptAs} (delete it once you are satisfied).\n`);
      return 0;
    } finally {
      for (const f of [staged, `${staged}-wal`, `${staged}-shm`, `${staged}-journal`]) fs.rmSync(f, { force: true });
    }
  },
};

/** A message when a server or another program has the target open; null when it is free. */
function serverRefusal(target: string): string | null {
  const pid = runningServerPid(target);
  if (pid !== null) {
    return `A Baseline server (process ${pid}) is using ${target}. Stop it first, then restore. Nothing was replaced.\n`;
  }
  if (databaseInUse(target) === true) {
    return `${target} is open in another program (a running server or command). Stop it first, then restore. Nothing was replaced.\n`;
  }
  return null;
}
