/**
 * Import speed: the spending CSV through the real import path (runImport, as the CLI and the
 * upload page call it) against the floor — a plain better-sqlite3 prepared INSERT per row in one
 * transaction — each into its own copy of the same no-spending database (same schema, triggers
 * and pragmas: both open the file with db/client.ts).
 */
import path from "node:path";
import { open } from "../../db/client";
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
    const { db } = open(importFile);
    try {
      const t = performance.now();
      const result = await runImport(db, { fileName: path.basename(data.csv), path: data.csv }, { type: "spending", dryRun: false, user: null });
      importMs = performance.now() - t;
      rows = result.rowsRead;
      ok = result.committed && result.added === columns.count;
      if (!ok) {
        note = result.fileError ?? `${result.errorCount} row errors (first: ${result.errors[0]?.message ?? "none"}), ${result.added} added of ${columns.count}`;
      }
    } finally {
      await db.destroy();
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
