/**
 * Import speed: the spending CSV through the real import path (runImport, as the CLI and the
 * upload page call it) against the floor — a plain better-sqlite3 prepared INSERT per row in one
 * transaction — each into its own copy of the same no-spending database (same schema, triggers
 * and pragmas: both open the file with db/client.ts).
 */
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { open } from "../../db/client";
import { IMPORT_LIMITS } from "../../app/import/read";
import { runImport } from "../../app/import/runner.server";
import { copyDatabase, removeDatabase, type ScaleData, type SpendingColumns } from "./data";

export interface ImportFigures {
  rows: number;
  importMs: number;
  importRowsPerSec: number;
  floorMs: number;
  floorRowsPerSec: number;
  /** import rows/s ÷ floor rows/s */
  ratio: number;
  ok: boolean;
  note?: string;
}

export async function measureImport(data: ScaleData, columns: SpendingColumns): Promise<ImportFigures> {
  const importFile = copyDatabase(data.noSpending, path.join(data.dir, `${data.scale}-import.sqlite`));
  const floorFile = copyDatabase(data.noSpending, path.join(data.dir, `${data.scale}-floor.sqlite`));

  // The real path, committed (not a dry run).
  let importMs: number;
  let rows: number;
  let ok: boolean;
  let note: string | undefined;
  {
    // One import takes at most IMPORT_LIMITS.maxRows rows: a larger scale is imported as the limit's
    // message tells users to, in consecutive files, and timed as a whole.
    const parts = await splitCsv(data.csv, IMPORT_LIMITS.maxRows);
    const { db } = open(importFile);
    try {
      rows = 0;
      let added = 0;
      note = undefined;
      const t = performance.now();
      for (const part of parts) {
        const result = await runImport(db, { fileName: path.basename(part), path: part }, { type: "spending", dryRun: false, user: null });
        rows += result.rowsRead;
        added += result.added;
        if (!result.committed) {
          note ??= result.fileError ?? `${result.errorCount} row errors (first: ${result.errors[0]?.message ?? "none"})`;
          break;
        }
      }
      importMs = performance.now() - t;
      ok = note === undefined && added === columns.count;
      if (!ok) note ??= `${added} added of ${columns.count}`;
    } finally {
      await db.destroy();
      if (parts.length > 1) for (const part of parts) fs.rmSync(part, { force: true });
    }
  }

  // The floor: the same rows, already in memory, one prepared INSERT each, one transaction.
  let floorMs: number;
  {
    const { db, sqlite } = open(floorFile);
    try {
      const now = new Date().toISOString();
      const insert = sqlite.prepare(
        "insert into spending (spend_id, budget_line_id, date, amount_cents, description, created_at) values (?, ?, ?, ?, ?, ?)",
      );
      const t = performance.now();
      sqlite.transaction(() => {
        for (let i = 0; i < columns.count; i++) {
          insert.run(columns.spendId[i], columns.lineId[i], columns.date[i], columns.amount[i], columns.description[i], now);
        }
      })();
      floorMs = performance.now() - t;
    } finally {
      await db.destroy();
    }
  }
  removeDatabase(importFile);
  removeDatabase(floorFile);

  const importRowsPerSec = rows / (importMs / 1000);
  const floorRowsPerSec = columns.count / (floorMs / 1000);
  return { rows, importMs, importRowsPerSec, floorMs, floorRowsPerSec, ratio: importRowsPerSec / floorRowsPerSec, ok, note };
}

/** The CSV as files of at most `maxRows` data rows each, the header repeated (the export writes one record a line). */
async function splitCsv(file: string, maxRows: number): Promise<string[]> {
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let header: string | null = null;
  let count = 0;
  let out: fs.WriteStream | null = null;
  const parts: string[] = [];
  for await (const line of lines) {
    if (header === null) {
      header = line;
      continue;
    }
    if (out === null || count === maxRows) {
      if (out) await new Promise<void>((resolve) => out!.end(() => resolve()));
      const part = file.replace(/\.csv$/, `-part${parts.length + 1}.csv`);
      parts.push(part);
      out = fs.createWriteStream(part);
      out.write(`${header}\n`);
      count = 0;
    }
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out!.once("drain", () => resolve()));
    count++;
  }
  if (out) await new Promise<void>((resolve) => out!.end(() => resolve()));
  if (parts.length <= 1) {
    for (const part of parts) fs.rmSync(part, { force: true });
    return [file];
  }
  return parts;
}
