/**
 * Benchmark data: for one scale, the demo network written through the real migrations and
 * generator (loadDemo) into a temporary SQLite file, plus what the import measurement needs —
 * the spending rows exported to CSV through the real export path, and a copy of the database
 * with the same centers, awards and budget lines but no spending (same schema, triggers included).
 */
import Sqlite from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { open } from "../../db/client";
import { migrateToLatest } from "../../db/migrate";
import type { DemoSummary, Scale } from "../../db/demo";
import { loadDemo } from "../../app/demo/load.server";
import { exportCsvChunks } from "../../app/import/export.server";
import { createUser } from "../../app/models/users.server";

export const SEED = 2008;
/** Spending runs up to this date; fixed so every run generates the same rows. */
export const REFERENCE_DATE = "2025-06-30";
export const BENCH_USER = "bench-admin";
export const BENCH_PASSWORD = "bench-password-not-secret";

export interface ScaleData {
  scale: Scale;
  dir: string;
  /** The whole network: what the server and the in-process floors read. */
  full: string;
  /** Same database without any spending row (summary columns back to zero). */
  noSpending: string;
  /** The spending rows in the import format. */
  csv: string;
  summary: DemoSummary;
  timings: { generateMs: number; exportMs: number; stripMs: number };
}

/** Removes the SQLite file and its WAL/SHM companions. */
export function removeDatabase(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
}

/** A copy of a checkpointed database file (no WAL to carry over). */
export function copyDatabase(from: string, to: string): string {
  removeDatabase(to);
  fs.copyFileSync(from, to);
  return to;
}

function checkpoint(sqlite: Sqlite.Database): void {
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
}

export async function prepareScale(scale: Scale, dir: string, log: (s: string) => void): Promise<ScaleData> {
  fs.mkdirSync(dir, { recursive: true });
  const full = path.join(dir, `${scale}.sqlite`);
  const noSpending = path.join(dir, `${scale}-no-spending.sqlite`);
  const csv = path.join(dir, `${scale}-spending.csv`);
  removeDatabase(full);

  let t = performance.now();
  const { db, sqlite } = open(full);
  let summary: DemoSummary;
  try {
    await migrateToLatest(db);
    // A throw-away file: durability buys nothing while generating it.
    sqlite.pragma("synchronous = OFF");
    summary = await loadDemo(db, { scale, seed: SEED, referenceDate: REFERENCE_DATE });
    await db.transaction().execute((trx) =>
      createUser(trx, null, { username: BENCH_USER, displayName: "Benchmark admin", role: "admin", password: BENCH_PASSWORD }),
    );
    checkpoint(sqlite);
  } finally {
    await db.destroy();
  }
  const generateMs = performance.now() - t;
  log(`${scale}: generated ${summary.spending.toLocaleString("en-US")} spending rows in ${(generateMs / 1000).toFixed(1)} s`);

  t = performance.now();
  {
    const opened = open(full, { check: false });
    try {
      await pipeline(Readable.from(exportCsvChunks(opened.db, "spending", { scope: { kind: "all" } })), fs.createWriteStream(csv));
    } finally {
      await opened.db.destroy();
    }
  }
  const exportMs = performance.now() - t;
  log(`${scale}: exported the spending CSV (${(fs.statSync(csv).size / 1e6).toFixed(0)} MB) in ${(exportMs / 1000).toFixed(1)} s`);

  t = performance.now();
  copyDatabase(full, noSpending);
  stripSpending(noSpending);
  const stripMs = performance.now() - t;

  return { scale, dir, full, noSpending, csv, summary, timings: { generateMs, exportMs, stripMs } };
}

/**
 * Deletes every spending row and zeroes the summary columns, leaving the schema as it was. The
 * spending triggers are lifted for the delete only (so SQLite can drop the table's pages at once
 * instead of running three triggers per row) and put back from their own stored SQL.
 */
export function stripSpending(file: string): void {
  const sqlite = new Sqlite(file);
  try {
    const triggers = sqlite
      .prepare("select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'spending'")
      .all() as Array<{ name: string; sql: string }>;
    sqlite.transaction(() => {
      for (const t of triggers) sqlite.exec(`drop trigger "${t.name}"`);
      sqlite.exec("delete from spending");
      for (const t of triggers) sqlite.exec(t.sql);
      sqlite.exec("update budget_lines set spent_cents = 0 where spent_cents <> 0");
      sqlite.exec("update awards set spent_cents = 0 where spent_cents <> 0");
      sqlite.exec("delete from sqlite_sequence where name = 'spending'");
    })();
    sqlite.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    sqlite.close();
  }
}

/** The spending rows as the floor inserts them, read once into columns (not timed). */
export interface SpendingColumns {
  count: number;
  spendId: string[];
  lineId: Int32Array;
  date: string[];
  amount: Float64Array;
  description: string[];
}

export function readSpendingColumns(file: string): SpendingColumns {
  const sqlite = new Sqlite(file, { readonly: true });
  try {
    const count = (sqlite.prepare("select count(*) as n from spending").get() as { n: number }).n;
    const cols: SpendingColumns = {
      count,
      spendId: new Array(count),
      lineId: new Int32Array(count),
      date: new Array(count),
      amount: new Float64Array(count),
      description: new Array(count),
    };
    let i = 0;
    const rows = sqlite
      .prepare("select spend_id, budget_line_id, date, amount_cents, description from spending where voided_at is null order by spend_id")
      .raw()
      .iterate() as IterableIterator<[string, number, string, number, string]>;
    for (const r of rows) {
      cols.spendId[i] = r[0];
      cols.lineId[i] = r[1];
      cols.date[i] = r[2];
      cols.amount[i] = r[3];
      cols.description[i] = r[4];
      i++;
    }
    cols.count = i;
    return cols;
  } finally {
    sqlite.close();
  }
}
