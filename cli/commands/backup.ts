import fs from "node:fs";
import path from "node:path";
import { Kysely, SqliteDialect } from "kysely";
import { verifyAuditChain, type VerifyResult } from "../../app/models/audit.server";
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
import { databasePath, openDatabase } from "../../db/client";
import { appliedMigrations, LATEST_MIGRATION } from "../../db/migrate";
import { migrations } from "../../migrations/index";
import type { Database } from "../../db/schema";
import { type Command, UsageError } from "../command";

/**
 * `backup FILE` and `restore FILE` (issue #10). Backup uses SQLite's online backup, so the server
 * keeps running and writing; restore checks the backup completely before it touches anything and
 * refuses while a server (or any other program) has the database open.
 */

export interface CopyCheck {
  ok: boolean;
  problems: string[];
  tables: TableCount[];
  totalRows: number;
  audit: VerifyResult | null;
  schema: string | null;
}

/** Integrity check, audit-chain verify and schema version of a database file that nobody else uses. */
export async function checkDatabaseCopy(file: string): Promise<CopyCheck> {
  const problems: string[] = [];
  const sqlite = openForCheck(file);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  let tables: TableCount[] = [];
  let audit: VerifyResult | null = null;
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
        audit = await verifyAuditChain(db);
        if (!audit.ok) problems.push(`the audit trail does not verify: row ${audit.brokenId}: ${audit.reason}`);
      }
    } catch (error) {
      problems.push(`could not be read: ${(error as Error).message}`);
    }
  } finally {
    await db.destroy();
  }
  return { ok: problems.length === 0, problems, tables, totalRows: tables.reduce((s, t) => s + t.rows, 0), audit, schema };
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

export const backup: Command = {
  name: "backup",
  summary: "Copy the database to FILE with SQLite's online backup (safe while the server runs); --force replaces FILE",
  usage: "backup FILE [--force]",
  options: { force: { type: "boolean" } },
  positionals: 1,
  needsDb: false,
  async run({ positionals, values, out, err }) {
    const file = positionals[0];
    if (!file) throw new UsageError("Name the backup file, e.g. backups/baseline-$(date +%F).sqlite");
    const source = databasePath();
    if (!fs.existsSync(source)) {
      err.write(`There is no database at ${source} (DATABASE_PATH); nothing to back up.\n`);
      return 1;
    }
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
    const check = await checkDatabaseCopy(file);
    out.write(`Backed up ${source} to ${path.resolve(file)}: ${formatBytes(result.bytes)}\n`);
    if (!check.ok) {
      err.write(`The copy fails its checks, so the live database needs attention:\n${check.problems.map((p) => `  ${p}\n`).join("")}`);
      return 1;
    }
    out.write(describeCopy(check).join("\n") + "\n");
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
      let check: CopyCheck;
      try {
        check = await checkDatabaseCopy(staged);
      } catch (error) {
        if (!(error instanceof BackupError)) throw error;
        check = { ok: false, problems: [`it is not a readable SQLite database`], tables: [], totalRows: 0, audit: null, schema: null };
      }
      if (!check.ok) {
        err.write(`${from} fails its checks:\n${check.problems.map((p) => `  ${p}\n`).join("")}Nothing was replaced.\n`);
        return 1;
      }
      const late = serverRefusal(target);
      if (late) {
        err.write(late);
        return 1;
      }
      const { keptAs } = replaceDatabaseFile(staged, target);
      out.write(`Restored ${target} from ${from}\n`);
      out.write(describeCopy(check).join("\n") + "\n");
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
