/**
 * The import runner (docs/decisions/013-import-layout.md). `runImport` streams a file through the
 * reader (read.ts), hands each valid row to its type's handler (app/import/types/, found in
 * registry.ts) and lets it check and write, all inside ONE transaction: any error, or a dry run,
 * rolls the whole file back, so nothing is half-loaded. A committed import is one batch row and
 * one audit row (the file's SHA-256 and counts), in the same transaction.
 *
 * Why write during a dry run: a dry run is the real import rolled back, so it reports exactly
 * what the commit would do (new / changed / unchanged / errors), triggers included.
 *
 * Speed (1M-row spending files): lookup maps are loaded once (centers, awards, budget lines as
 * compact entries with running totals) and rows are written with prepared statements on the
 * transaction's connection, on either engine (statements.server.ts).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import type { Kysely, Transaction } from "kysely";
import { isUniqueViolation } from "../../db/errors";
import type { Database } from "../../db/schema";
import { allows, type Principal } from "../domain/permissions";
import { recordSealedBatch, type SealSource } from "../models/audit-seals.server";
import { friendlyDbError } from "../models/db-errors.server";
import { syncObligations } from "../models/obligations.server";
import { toCells } from "./csv";
import { unescapeCell } from "./escape";
import { FORMATS } from "./formats";
import { type AwardEntry, type CenterEntry, type ImportContext, type ImportTypeDef, type LineEntry, type Lookup } from "./handler";
import { ImportFileError, openImport, type Delimiter, type ImportFile, type ImportSource } from "./read";
import { REGISTRY, type ImportType, type RowOf } from "./registry";
import { ErrorLog, type RowError } from "./rows";
import { statementsOn, type Statements } from "./statements.server";

/** A file on disk (upload temp file, CLI argument), or what the reader takes: a buffer or a stream. */
export type ImportInput = ImportSource | { fileName: string; path: string };

export interface ImportProgress {
  rowsRead: number;
  bytesRead: number;
  totalBytes?: number;
  elapsedMs: number;
}

export interface RunImportOptions {
  /** The type of data; inferred from the header row when left out. */
  type?: ImportType;
  dryRun: boolean;
  /** Who imports: null is the command-line operator (full rights, audited as user_id null). */
  user: Principal | null;
  /** Name recorded in the batch and audit rows (the upload's original name); the source's name by default. */
  fileName?: string;
  /** Where the import came from, recorded in the audit row. Default: "cli" without a user, "web" with one. */
  via?: "web" | "cli" | "api";
  /** SHA-256 already computed by the caller (the upload page hashes the temp file once). */
  sha256?: string;
  totalBytes?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Called for every row error, beyond the first 1,000 kept in the result (the upload page streams them to a CSV). */
  onError?: (e: RowError) => void;
  maxErrors?: number;
  /** How many changed (before → after) and new rows the result lists (200 by default); all are counted. */
  maxDetails?: number;
  /** Awards may move to another center (the page's confirmation, `--allow-move`); a dry run lists moves either way. */
  allowMove?: boolean;
}

/** An award the file moves from one center to another. */
export interface RowMove {
  row: number;
  key: string;
  from: string;
  to: string;
}

export interface RowAdded {
  row: number;
  key: string;
  values: Record<string, string>;
}

export interface RowChange {
  row: number;
  key: string;
  /** Columns whose value changes. */
  fields: string[];
  before: Record<string, string>;
  after: Record<string, string>;
}

export interface ImportResult {
  type: ImportType | null;
  fileName: string;
  sha256: string;
  format: "csv" | "xlsx" | null;
  delimiter: Delimiter | null;
  dryRun: boolean;
  /** True when there were no errors (for a dry run: the file can be imported as it is). */
  ok: boolean;
  /** True when the rows were written (ok and not a dry run). */
  committed: boolean;
  rowsRead: number;
  added: number;
  changed: number;
  unchanged: number;
  /** The first `maxDetails` new rows and changed rows, in file order. */
  addedRows: RowAdded[];
  changes: RowChange[];
  /** Awards moved to another center (all of them, in file order). */
  moves: RowMove[];
  /** The first 1,000 row errors, by row; `errorCount` counts them all. */
  errors: RowError[];
  errorCount: number;
  /** A problem with the file as a whole (empty, not a CSV, bad header, no permission). */
  fileError: string | null;
  batchId: number | null;
  elapsedMs: number;
}

/**
 * The audited records each type writes (with import_batch_id set to the batch): sealed at commit.
 * Centers and the USAspending snapshot are not audited records; obligations follow their awards.
 */
const SEALED_BY_TYPE: Record<ImportType, string[]> = {
  centers: [],
  awards: ["award"],
  budget_lines: ["budget_line"],
  spending: ["spending"],
  assessments: ["assessment"],
  prime_awards: ["prime_award"],
  usaspending_subawards: [],
};

export const MAX_ERRORS = 1000;
export const MAX_DETAILS = 200;

class Rollback extends Error {
  constructor() {
    super("import rolled back");
  }
}

export async function runImport(db: Kysely<Database>, source: ImportInput, opts: RunImportOptions): Promise<ImportResult> {
  const started = Date.now();
  const result: ImportResult = {
    type: opts.type ?? null,
    fileName: opts.fileName ?? source.fileName,
    sha256: opts.sha256 ?? "",
    format: null,
    delimiter: null,
    dryRun: opts.dryRun,
    ok: false,
    committed: false,
    rowsRead: 0,
    added: 0,
    changed: 0,
    unchanged: 0,
    addedRows: [],
    changes: [],
    moves: [],
    errors: [],
    errorCount: 0,
    fileError: null,
    batchId: null,
    elapsedMs: 0,
  };
  const done = () => {
    result.elapsedMs = Date.now() - started;
    return result;
  };
  if (opts.user && !allows(opts.user, { can: "import" })) {
    result.fileError = "Your account may not import data: only administrators and center directors can.";
    return done();
  }

  let stream: { destroy?: () => void } | undefined;
  let readable: ImportSource;
  let totalBytes = opts.totalBytes;
  // A stream can be read only once, so it is hashed as the reader consumes it.
  let streamHash: ReturnType<typeof createHash> | undefined;
  if ("stream" in source) {
    stream = source.stream as { destroy?: () => void };
    if (!result.sha256) {
      streamHash = createHash("sha256");
      readable = { fileName: source.fileName, stream: hashing(source.stream, streamHash) };
    } else readable = source;
  } else {
    if (!result.sha256) result.sha256 = await sha256Of(source);
    if ("path" in source) {
      const fileStream = fs.createReadStream(source.path, { highWaterMark: 256 * 1024 });
      stream = fileStream;
      readable = { fileName: source.fileName, stream: fileStream };
      totalBytes ??= fs.statSync(source.path).size;
    } else readable = source;
  }

  const tally = new Tally(opts.maxErrors ?? MAX_ERRORS, opts.maxDetails ?? MAX_DETAILS, opts.onError);
  let file: ImportFile | undefined;
  try {
    file = await openImport(readable, {
      type: opts.type,
      totalBytes,
      onProgress: (rowsRead, info) => opts.onProgress?.({ rowsRead, ...info, elapsedMs: Date.now() - started }),
    });
    const opened = file;
    result.type = opened.type;
    result.format = opened.format;
    result.delimiter = opened.delimiter;

    await db.transaction().execute(async (trx) => {
      const now = new Date().toISOString();
      // The batch row first: rows carry its id, and the write lock is taken before anything is read.
      const batch = await trx
        .insertInto("import_batches")
        .values({ at: now, user_id: opts.user?.id ?? null, type: opened.type, file_name: result.fileName, sha256: result.sha256 })
        .returning("id")
        .executeTakeFirstOrThrow();
      const ctx = await loadContext(trx, statementsOn(db, trx), batch.id, now, opts.user, opened.type, tally, opts.dryRun || opts.allowMove === true);
      const handler = await (REGISTRY[opened.type] as ImportTypeDef<unknown>).handler(ctx);
      let count = 0;
      let lastYield = Date.now();
      for await (const r of opened.rows()) {
        if (r.ok) {
          // Awaited only when the row went to the database (the handler's hot path answers nothing).
          const pending = handler.row(r.row as never, r.rowNumber);
          if (pending) await pending;
        } else tally.errors(r.errors);
        // Buffered rows arrive as microtasks; let timers and requests (progress polling) in now and then.
        if (++count % 1000 === 0 && Date.now() - lastYield > 50) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = Date.now();
        }
      }
      await handler.finish();
      result.rowsRead = opened.rowsRead;
      if (streamHash) result.sha256 = streamHash.digest("hex");
      if (tally.log.total > 0 || opts.dryRun) throw new Rollback();

      await trx
        .updateTable("import_batches")
        .set({ sha256: result.sha256, rows_added: tally.added, rows_changed: tally.changed, rows_unchanged: tally.unchanged })
        .where("id", "=", batch.id)
        .execute();
      // The batch's rows are sealed under its audit row (docs/decisions/022-audit-seals.md).
      await recordSealedBatch(db, trx, {
        userId: opts.user?.id ?? null,
        action: "import",
        entity: "import_batch",
        entityId: batch.id,
        after: {
          type: opened.type,
          file_name: result.fileName,
          sha256: result.sha256,
          rows_added: tally.added,
          rows_changed: tally.changed,
          rows_unchanged: tally.unchanged,
          via: opts.via ?? (opts.user ? "web" : "cli"),
        },
      }, SEALED_BY_TYPE[opened.type].map((entity): SealSource => ({ entity, importBatchId: batch.id })));
      result.batchId = batch.id;
      result.committed = true;
    });
  } catch (error) {
    if (error instanceof ImportFileError) result.fileError = error.message;
    else if (!(error instanceof Rollback)) throw error;
  } finally {
    await file?.close();
    stream?.destroy?.();
  }
  if (file) result.rowsRead = file.rowsRead;
  result.added = tally.added;
  result.changed = tally.changed;
  result.unchanged = tally.unchanged;
  result.addedRows = tally.addedRows;
  result.changes = tally.changes;
  result.moves = tally.moves;
  result.errors = [...tally.log.errors].sort((a, b) => a.row - b.row);
  result.errorCount = tally.log.total;
  result.ok = result.fileError === null && result.errorCount === 0;
  if (!result.committed) result.batchId = null;
  return done();
}

/** SHA-256 (hex) of a buffer or of a file on disk, read in 1 MiB pieces. */
export async function sha256Of(source: { buffer: Uint8Array } | { path: string }): Promise<string> {
  const hash = createHash("sha256");
  if ("buffer" in source) return hash.update(source.buffer).digest("hex");
  for await (const chunk of fs.createReadStream(source.path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function* hashing(stream: NodeJS.ReadableStream | AsyncIterable<Uint8Array | string>, hash: ReturnType<typeof createHash>) {
  for await (const chunk of stream as AsyncIterable<Uint8Array | string>) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    hash.update(bytes);
    yield bytes;
  }
}

// ---------------------------------------------------------------------------------------------
// Counting and reporting

class Tally {
  readonly log: ErrorLog;
  added = 0;
  changed = 0;
  unchanged = 0;
  readonly addedRows: RowAdded[] = [];
  readonly changes: RowChange[] = [];
  readonly moves: RowMove[] = [];

  constructor(
    maxErrors: number,
    private readonly maxDetails: number,
    private readonly onError?: (e: RowError) => void,
  ) {
    this.log = new ErrorLog(maxErrors);
  }

  error(row: number, column: string, message: string): void {
    this.errors([{ row, column, message }]);
  }

  errors(errors: RowError[]): void {
    this.log.add(errors);
    if (this.onError) for (const e of errors) this.onError(e);
  }

  add<T extends ImportType>(type: T, row: number, value: RowOf<T>): void {
    this.added++;
    if (this.addedRows.length < this.maxDetails) this.addedRows.push({ row, key: keyOf(type, value), values: cellsOf(type, value) });
  }

  change<T extends ImportType>(type: T, row: number, before: RowOf<T>, after: RowOf<T>): void {
    this.changed++;
    if (this.changes.length >= this.maxDetails) return;
    const b = cellsOf(type, before);
    const a = cellsOf(type, after);
    const fields = FORMATS[type].columns.filter((c) => b[c] !== a[c]);
    this.changes.push({ row, key: keyOf(type, after), fields, before: b, after: a });
  }
}

/** A typed row as the file's cells by column name (text as typed: the export escape undone). */
export function cellsOf<T extends ImportType>(type: T, row: RowOf<T>): Record<string, string> {
  const cells = toCells(type, row);
  const out: Record<string, string> = {};
  FORMATS[type].columns.forEach((c, i) => (out[c] = unescapeCell(cells[i])));
  return out;
}

function keyOf<T extends ImportType>(type: T, row: RowOf<T>): string {
  const cells = cellsOf(type, row);
  return FORMATS[type].key.map((k) => cells[k]).join(" · ");
}

// ---------------------------------------------------------------------------------------------
// What a type's handler sees (handler.ts)

async function loadContext(
  trx: Transaction<Database>,
  statements: Statements,
  batchId: number,
  now: string,
  user: Principal | null,
  type: ImportType,
  tally: Tally,
  moveAllowed: boolean,
): Promise<ImportContext<unknown>> {
  const centers: Lookup<CenterEntry, string> = { byKey: new Map(), byId: new Map() };
  for (const c of await trx.selectFrom("centers").select(["id", "code", "name", "state", "kind"]).execute()) {
    centers.byKey.set(c.code, c);
    centers.byId.set(c.id, c);
  }
  // Administrators and the command-line operator write every center's rows (docs/decisions/013-import-layout.md).
  const scoped = user !== null && user.role !== "admin";
  let awards: Promise<Lookup<AwardEntry, string>> | undefined;
  let lines: Promise<Lookup<LineEntry, string>> | undefined;
  let capabilities: Promise<Set<string>> | undefined;
  return {
    trx,
    prepare: (sql) => statements.prepare(sql),
    batchRows: () => statements.batchRows(),
    insertRows: (table, columns, tail) => statements.insertRows(table, columns, tail),
    batchId,
    now,
    user,
    centers,
    awards: () => (awards ??= loadAwards(trx)),
    lines: () => (lines ??= loadLines(statements)),
    capabilities: () =>
      (capabilities ??= trx
        .selectFrom("capabilities")
        .select("id")
        .execute()
        .then((rows) => new Set(rows.map((c) => c.id)))),
    mine: (centerId) => !scoped || (user.role === "director" && user.centerId === centerId),
    unknown: (what, key, hint) => (scoped ? `Unknown ${what} "${key}", or not yours` : `Unknown ${what} "${key}"${hint ? ` ${hint}` : ""}`),
    async attempt(row, column, write) {
      const w = await statements.refusable(write);
      if (w.ok) return w;
      // The engines word a duplicate differently (SQLite names the column, PostgreSQL the index): one sentence for both.
      const message = friendlyDbError(w.error) ?? (isUniqueViolation(w.error) ? `Another record already has this ${column}` : `The database refused this row (${w.error.message})`);
      tally.error(row, column, message);
      return { ok: false };
    },
    refusable: (write) => statements.refusable(write),
    syncObligations: async (awardIds) => {
      await syncObligations(trx, awardIds, user?.id ?? null);
    },
    error: (row, column, message) => tally.error(row, column, message),
    get errorCount() {
      return tally.log.total;
    },
    added: (row, value) => tally.add(type, row, value as RowOf<typeof type>),
    changed: (row, before, after) => tally.change(type, row, before as RowOf<typeof type>, after as RowOf<typeof type>),
    unchanged: () => {
      tally.unchanged++;
    },
    moved: (row, key, from, to) => {
      tally.moves.push({ row, key, from, to });
      return moveAllowed;
    },
  };
}

async function loadAwards(trx: Transaction<Database>): Promise<Lookup<AwardEntry, string>> {
  const rows = await trx
    .selectFrom("awards")
    .select([
      "id",
      "award_number",
      "center_id",
      "program_code",
      "fiscal_year",
      "amount_cents",
      "pop_start",
      "pop_end",
      "match_required_cents",
      "budgeted_cents",
      "voided_at",
    ])
    .execute();
  const byKey = new Map<string, AwardEntry>();
  const byId = new Map<number, AwardEntry>();
  for (const r of rows) {
    const a: AwardEntry = {
      id: r.id,
      awardNumber: r.award_number,
      centerId: r.center_id,
      program: r.program_code,
      fiscalYear: r.fiscal_year,
      amountCents: r.amount_cents,
      popStart: r.pop_start,
      popEnd: r.pop_end,
      matchCents: r.match_required_cents,
      budgetedCents: r.budgeted_cents,
      voidedAt: r.voided_at,
    };
    byKey.set(a.awardNumber, a);
    byId.set(a.id, a);
  }
  return { byKey, byId };
}

/** Budget lines read per query while loading them: bounded memory on both engines. */
const LINES_PAGE = 10_000;

/**
 * Every budget line, compact, read in pages by id (a national database holds hundreds of thousands;
 * neither engine then holds them all as result rows at once).
 */
async function loadLines(statements: Statements): Promise<Lookup<LineEntry, string>> {
  const byKey = new Map<string, LineEntry>();
  const byId = new Map<number, LineEntry>();
  const page = statements.prepare(
    `select id, line_id, award_id, amount_cents, spent_cents, voided_at is not null as voided from budget_lines where id > ? order by id limit ${LINES_PAGE}`,
  );
  for (let after = 0; ; ) {
    const rows = await page.values<[number, string, number, number, number, number]>(after);
    for (const r of rows) {
      const l: LineEntry = { id: r[0], lineId: r[1], awardId: r[2], amountCents: r[3], spentCents: r[4], voided: r[5] === 1 };
      byKey.set(l.lineId, l);
      byId.set(l.id, l);
    }
    if (rows.length < LINES_PAGE) return { byKey, byId };
    after = rows[rows.length - 1][0];
  }
}
