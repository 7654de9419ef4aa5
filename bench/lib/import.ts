/**
 * Import speed: the spending CSV through the real import path (runImport, as the CLI and the
 * upload page call it, in a process with the server's Node flags) against the floor, each into its
 * own copy of the same no-spending database (same schema and triggers).
 * - SQLite: the floor is a plain better-sqlite3 prepared INSERT per row in one transaction (both open
 *   the file with db/client.ts, same pragmas).
 * - PostgreSQL (`--engine postgres`): both copies are made with `cli copy`; the floor is one
 *   `COPY spending FROM STDIN` of the same rows in one transaction, the fastest way PostgreSQL takes
 *   rows (the row triggers fire for COPY as for INSERT).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import pg from "pg";
import { open } from "../../db/client";
import { IMPORT_LIMITS } from "../../app/import/read";
import { productionCommand } from "./server";
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
  const real = await realImport({ file: importFile }, data, columns);

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
  return figures(real, columns, floorMs);
}

/** A PostgreSQL database holding a copy of a SQLite file (`cli copy`), dropped after. */
export type PostgresCopy = (file: string, suffix: string) => Promise<{ url: string; drop: () => Promise<void> }>;

export async function measureImportPostgres(data: ScaleData, columns: SpendingColumns, copyOf: PostgresCopy): Promise<ImportFigures> {
  let real: RealImport;
  {
    const target = await copyOf(data.noSpending, "import");
    try {
      real = await realImport({ url: target.url }, data, columns);
    } finally {
      await target.drop();
    }
  }

  let floorMs: number;
  {
    const target = await copyOf(data.noSpending, "floor");
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      // COPY's text format, built before the clock starts (the floor's rows are already in memory).
      const now = new Date().toISOString();
      const chunks: Buffer[] = [];
      let text = "";
      for (let i = 0; i < columns.count; i++) {
        text += `${copyText(columns.spendId[i])}\t${columns.lineId[i]}\t${columns.date[i]}\t${columns.amount[i]}\t${copyText(columns.description[i])}\t${now}\n`;
        if (text.length > 1 << 20) {
          chunks.push(Buffer.from(text, "utf8"));
          text = "";
        }
      }
      if (text) chunks.push(Buffer.from(text, "utf8"));
      const t = performance.now();
      await client.query("begin");
      await copyFromStdin(client, "copy spending (spend_id, budget_line_id, date, amount_cents, description, created_at) from stdin", chunks);
      await client.query("commit");
      floorMs = performance.now() - t;
    } finally {
      await client.end();
      await target.drop();
    }
  }
  return figures(real, columns, floorMs);
}

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
function copyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => ({ "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" })[c]!);
}

/**
 * COPY … FROM STDIN with the pg client alone (no pg-copy-streams in the dependencies): a query whose
 * answer to the server's CopyInResponse is the chunks, then CopyDone.
 */
function copyFromStdin(client: pg.Client, statement: string, chunks: Buffer[]): Promise<void> {
  class CopyIn extends pg.Query {
    handleCopyInResponse(connection: { sendCopyFromChunk(b: Buffer): void; endCopyFrom(): void }): void {
      for (const chunk of chunks) connection.sendCopyFromChunk(chunk);
      connection.endCopyFrom();
    }
  }
  return new Promise((resolve, reject) => {
    const query = client.query(new CopyIn(statement));
    query.on("end", () => resolve());
    query.on("error", reject);
  });
}

interface RealImport {
  rows: number;
  importMs: number;
  ok: boolean;
  note?: string;
}

/**
 * The spending CSV through runImport, committed, in a process started with the server's Node flags
 * (bench/lib/import-run.ts). One import takes at most IMPORT_LIMITS.maxRows rows: a larger scale is
 * imported as the limit's message tells users to, in consecutive files, and timed as a whole.
 */
async function realImport(database: { file: string } | { url: string }, data: ScaleData, columns: SpendingColumns): Promise<RealImport> {
  const parts = await splitCsv(data.csv, IMPORT_LIMITS.maxRows);
  try {
    const flags = productionCommand().filter((a) => a.startsWith("--"));
    const job = JSON.stringify({ database, parts });
    const run = spawnSync(process.execPath, [...flags, "--import", "tsx", path.join(import.meta.dirname, "import-run.ts"), job], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 1 << 20,
    });
    if (run.status !== 0) throw new Error(`the import process failed (exit ${run.status ?? run.signal})`);
    const out = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as { rows: number; added: number; importMs: number; note?: string };
    let note = out.note;
    const ok = note === undefined && out.added === columns.count;
    if (!ok) note ??= `${out.added} added of ${columns.count}`;
    return { rows: out.rows, importMs: out.importMs, ok, note };
  } finally {
    if (parts.length > 1) for (const part of parts) fs.rmSync(part, { force: true });
  }
}

function figures(real: RealImport, columns: SpendingColumns, floorMs: number): ImportFigures {
  const importRowsPerSec = real.rows / (real.importMs / 1000);
  const floorRowsPerSec = columns.count / (floorMs / 1000);
  return { ...real, importRowsPerSec, floorMs, floorRowsPerSec, ratio: importRowsPerSec / floorRowsPerSec };
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
