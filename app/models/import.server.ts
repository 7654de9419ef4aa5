/**
 * Spreadsheet import, database half (issue #8). `runImport` streams a file through the reader
 * (app/domain/import), checks every row against the database and writes it, all inside ONE
 * transaction: any error, or a dry run, rolls the whole file back, so nothing is half-loaded.
 *
 * Why write during a dry run: a dry run is the real import rolled back, so it reports exactly
 * what the commit would do (new / changed / unchanged / errors), triggers included.
 *
 * Speed (1M-row spending files): lookup maps are loaded once (centers, awards, budget lines as
 * compact entries with running totals), rows are written with prepared statements (db/bulk.ts),
 * and a new row costs one INSERT … ON CONFLICT DO NOTHING and no SELECT. Only rows whose key
 * already exists are read back, to tell changed from unchanged.
 *
 * Limits are checked on the file's final state ("existing live rows not in the file + the
 * file's rows"): a row that would overrun its award or line at its point in the file is held
 * back and retried after the rest, when lines the file lowers have been lowered.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import type { Kysely, Transaction } from "kysely";
import { importStatementsFor, isConstraintError, SPENDING_BATCH, type ImportStatements, type LineEntry, type SpendingTuple } from "../../db/bulk";
import type { Database } from "../../db/schema";
import { allows, type Principal } from "../auth/permissions";
import { fiscalYearEnd, fiscalYearOf, fiscalYearStart, MAX_FISCAL_YEAR, MIN_FISCAL_YEAR } from "../domain/dates";
import {
  ErrorLog,
  FORMATS,
  ImportFileError,
  openImport,
  toCells,
  unescapeCell,
  type AssessmentRow,
  type AwardRow,
  type BudgetLineRow,
  type CenterRow,
  type Delimiter,
  type ImportFile,
  type ImportSource,
  type ImportType,
  type RowError,
  type RowOf,
  type SpendingRow,
} from "../domain/import";
import { requiredMatchCents } from "../domain/match";
import { formatMoney } from "../domain/money";
import { LOCKED_STATES } from "./assessment-reviews.server";
import { recordAudit } from "./audit.server";
import { overBudgetMessage, overSpentMessage } from "./budget.server";
import { friendlyDbError } from "./db-errors.server";

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
  via?: "web" | "cli";
  /** SHA-256 already computed by the caller (the upload page hashes the temp file once). */
  sha256?: string;
  totalBytes?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Called for every row error, beyond the first 1,000 kept in the result (the upload page streams them to a CSV). */
  onError?: (e: RowError) => void;
  maxErrors?: number;
  /** How many changed (before → after) and new rows the result lists (200 by default); all are counted. */
  maxDetails?: number;
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
  /** The first 1,000 row errors, by row; `errorCount` counts them all. */
  errors: RowError[];
  errorCount: number;
  /** A problem with the file as a whole (empty, not a CSV, bad header, no permission). */
  fileError: string | null;
  batchId: number | null;
  elapsedMs: number;
}

export const MAX_ERRORS = 1000;
export const MAX_DETAILS = 200;
/** Rows held back for a second try at the end (see the header comment); past this they fail at once. */
const MAX_DEFERRED = 100_000;

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
      const ctx = await loadContext(trx, importStatementsFor(db), batch.id, now, opts.user, tally);
      const handler = await HANDLERS[opened.type](ctx);
      let count = 0;
      let lastYield = Date.now();
      for await (const r of opened.rows()) {
        if (r.ok) handler.row(r.row as never, r.rowNumber);
        else tally.errors(r.errors);
        // Buffered rows arrive as microtasks; let timers and requests (progress polling) in now and then.
        if (++count % 1000 === 0 && Date.now() - lastYield > 50) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = Date.now();
        }
      }
      handler.finish();
      result.rowsRead = opened.rowsRead;
      if (streamHash) result.sha256 = streamHash.digest("hex");
      if (tally.log.total > 0 || opts.dryRun) throw new Rollback();

      await trx
        .updateTable("import_batches")
        .set({ sha256: result.sha256, rows_added: tally.added, rows_changed: tally.changed, rows_unchanged: tally.unchanged })
        .where("id", "=", batch.id)
        .execute();
      await recordAudit(trx, {
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
      });
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
// Lookups shared by every type

interface CenterEntry {
  id: number;
  code: string;
  name: string;
  state: string;
  kind: "state" | "urban_area";
}

interface AwardEntry {
  id: number;
  awardNumber: string;
  centerId: number;
  program: string;
  fiscalYear: number;
  amountCents: number;
  popStart: string;
  popEnd: string;
  matchCents: number;
  /** Live budget lines of the award; a running total while budget lines are imported. */
  budgetedCents: number;
  voidedAt: string | null;
}

interface Ctx {
  trx: Transaction<Database>;
  sql: ImportStatements;
  batchId: number;
  now: string;
  user: Principal | null;
  tally: Tally;
  centersByCode: Map<string, CenterEntry>;
  centersById: Map<number, CenterEntry>;
  /** null when the user may write rows of that center, else the refusal. */
  refusal(centerId: number): string | null;
  /** Runs one write; a database guard or constraint becomes an error on the row instead of ending the import. */
  attempt<R>(row: number, column: string, write: () => R): { ok: true; value: R } | { ok: false };
}

async function loadContext(
  trx: Transaction<Database>,
  sql: ImportStatements,
  batchId: number,
  now: string,
  user: Principal | null,
  tally: Tally,
): Promise<Ctx> {
  const centers = await trx.selectFrom("centers").select(["id", "code", "name", "state", "kind"]).execute();
  const centersByCode = new Map(centers.map((c) => [c.code, c]));
  const centersById = new Map(centers.map((c) => [c.id, c]));
  const ownCode = user?.centerId != null ? (centersById.get(user.centerId)?.code ?? "your center") : "your center";
  return {
    trx,
    sql,
    batchId,
    now,
    user,
    tally,
    centersByCode,
    centersById,
    refusal(centerId) {
      if (user === null || user.role === "admin") return null;
      if (user.role === "director" && user.centerId === centerId) return null;
      const other = centersById.get(centerId)?.code ?? "another center";
      return `You may import only rows of your own center ${ownCode}; this row belongs to ${other}`;
    },
    attempt(row, column, write) {
      try {
        return { ok: true, value: write() };
      } catch (error) {
        if (!isConstraintError(error)) throw error;
        tally.error(row, column, friendlyDbError(error) ?? `The database refused this row (${error.message})`);
        return { ok: false };
      }
    },
  };
}

async function loadAwards(trx: Transaction<Database>) {
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
  const byNumber = new Map<string, AwardEntry>();
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
    byNumber.set(a.awardNumber, a);
    byId.set(a.id, a);
  }
  return { byNumber, byId };
}

function loadLines(sql: ImportStatements) {
  const byLineId = new Map<string, LineEntry>();
  const byId = new Map<number, LineEntry>();
  for (const l of sql.lines()) {
    byLineId.set(l.lineId, l);
    byId.set(l.id, l);
  }
  return { byLineId, byId };
}

async function loadCapabilities(trx: Transaction<Database>): Promise<Set<string>> {
  return new Set((await trx.selectFrom("capabilities").select("id").execute()).map((c) => c.id));
}

function unknownCenter(ctx: Ctx, code: string): string {
  const upper = code.toUpperCase();
  const near = [...ctx.centersByCode.keys()].find((c) => c.toUpperCase() === upper);
  return `Unknown center "${code}"${near ? ` (did you mean ${near}?)` : ""}`;
}

function unknownCapability(capabilities: Set<string>, id: string): string {
  const upper = id.toUpperCase();
  const near = [...capabilities].find((c) => c.toUpperCase() === upper);
  return `Unknown capability "${id}": not in the catalog${near ? ` (did you mean ${near}?)` : " (ids look like I.A, II.B, COC-2, EC-1)"}`;
}

/** Dates must fall in fiscal years 2000..2100, like every fiscal-year column (app/domain/dates.ts). */
const FIRST_DAY = fiscalYearStart(MIN_FISCAL_YEAR);
const LAST_DAY = fiscalYearEnd(MAX_FISCAL_YEAR);
function dateOutOfRange(date: string): string | null {
  // ISO dates compare as text: no allocation on the hot path.
  if (date >= FIRST_DAY && date <= LAST_DAY) return null;
  return `${date} falls in FY${fiscalYearOf(date)}, outside the fiscal years ${MIN_FISCAL_YEAR} to ${MAX_FISCAL_YEAR} (${FIRST_DAY} to ${LAST_DAY})`;
}

function voidedMessage(what: string, key: string, voidedAt: string, tail: string): string {
  return `${what} ${key} was voided on ${voidedAt.slice(0, 10)}; ${tail}`;
}

interface Handler<T extends ImportType> {
  row(row: RowOf<T>, rowNumber: number): void;
  /** Retries held-back rows once every other row is written. */
  finish(): void;
}

/**
 * Rows held back because they would overrun a limit at their place in the file. `fits` and
 * `apply` see the running totals; rows are retried until a pass makes no progress, and what is
 * left is reported by `refuse` with the figures of the final state.
 */
class Deferred<P> {
  private readonly pending: P[] = [];
  constructor(
    private readonly fits: (p: P) => boolean,
    private readonly apply: (p: P) => void,
    private readonly refuse: (p: P) => void,
  ) {}

  offer(p: P): void {
    if (this.fits(p)) this.apply(p);
    else if (this.pending.length < MAX_DEFERRED) this.pending.push(p);
    else this.refuse(p);
  }

  finish(): void {
    let left = this.pending.splice(0);
    for (let progress = true; progress && left.length > 0; ) {
      progress = false;
      const next: P[] = [];
      for (const p of left) {
        if (this.fits(p)) {
          this.apply(p);
          progress = true;
        } else next.push(p);
      }
      left = next;
    }
    for (const p of left) this.refuse(p);
  }
}

// ---------------------------------------------------------------------------------------------
// centers

async function centersHandler(ctx: Ctx): Promise<Handler<"centers">> {
  const { sql, tally } = ctx;
  return {
    row(r: CenterRow, n: number) {
      const ex = ctx.centersByCode.get(r.code);
      if (!ex) {
        if (ctx.user && ctx.user.role !== "admin") {
          tally.error(n, "code", `Only an administrator can add a center; ${r.code} is not a center yet`);
          return;
        }
        const w = ctx.attempt(n, "code", () => sql.insertCenter(r.code, r.name, r.state, r.kind, ctx.batchId, ctx.now));
        if (!w.ok) return;
        const entry: CenterEntry = { id: w.value, ...r };
        ctx.centersByCode.set(r.code, entry);
        ctx.centersById.set(entry.id, entry);
        tally.add("centers", n, r);
        return;
      }
      const refused = ctx.refusal(ex.id);
      if (refused) return tally.error(n, "code", refused);
      if (ex.name === r.name && ex.state === r.state && ex.kind === r.kind) {
        tally.unchanged++;
        return;
      }
      const before: CenterRow = { code: ex.code, name: ex.name, state: ex.state, kind: ex.kind };
      if (!ctx.attempt(n, "code", () => sql.updateCenter(ex.id, r.name, r.state, r.kind, ctx.batchId)).ok) return;
      Object.assign(ex, { name: r.name, state: r.state, kind: r.kind });
      tally.change("centers", n, before, r);
    },
    finish() {},
  };
}

// ---------------------------------------------------------------------------------------------
// awards

async function awardsHandler(ctx: Ctx): Promise<Handler<"awards">> {
  const { sql, tally } = ctx;
  const awards = await loadAwards(ctx.trx);
  const programs = new Map((await ctx.trx.selectFrom("programs").select(["code", "match_pct"]).execute()).map((p) => [p.code, p.match_pct]));
  const asRow = (a: AwardEntry): AwardRow => ({
    awardNumber: a.awardNumber,
    centerCode: ctx.centersById.get(a.centerId)?.code ?? "",
    programCode: a.program as AwardRow["programCode"],
    fiscalYear: a.fiscalYear,
    amountCents: a.amountCents,
    popStart: a.popStart,
    popEnd: a.popEnd,
  });
  return {
    row(r: AwardRow, n: number) {
      const before = tally.log.total;
      const center = ctx.centersByCode.get(r.centerCode);
      if (!center) tally.error(n, "center", unknownCenter(ctx, r.centerCode));
      if (!programs.has(r.programCode)) tally.error(n, "program", `Program ${r.programCode} is not set up in this database`);
      for (const [column, date] of [["pop_start", r.popStart], ["pop_end", r.popEnd]] as const) {
        const problem = dateOutOfRange(date);
        if (problem) tally.error(n, column, problem);
      }
      const ex = awards.byNumber.get(r.awardNumber);
      if (center) {
        const refused = ctx.refusal(center.id);
        if (refused) tally.error(n, "center", refused);
      }
      if (ex) {
        if (ex.voidedAt) tally.error(n, "award_number", voidedMessage("Award", ex.awardNumber, ex.voidedAt, "a voided award cannot be imported again"));
        else if (ex.centerId !== center?.id) {
          const refused = ctx.refusal(ex.centerId);
          if (refused) tally.error(n, "award_number", refused);
        }
        if (r.amountCents < ex.budgetedCents) {
          tally.error(
            n,
            "amount",
            `Award ${ex.awardNumber} has live budget lines totalling ${formatMoney(ex.budgetedCents)}; its amount cannot be lowered to ${formatMoney(r.amountCents)}`,
          );
        }
      }
      if (tally.log.total > before || !center) return;
      const matchPct = programs.get(r.programCode) ?? null;
      const values = {
        awardNumber: r.awardNumber,
        centerId: center.id,
        program: r.programCode,
        fiscalYear: r.fiscalYear,
        amountCents: r.amountCents,
        popStart: r.popStart,
        popEnd: r.popEnd,
        matchCents: requiredMatchCents(r.amountCents, matchPct),
      };
      if (!ex) {
        const w = ctx.attempt(n, "award_number", () => sql.insertAward(values, ctx.batchId, ctx.now));
        if (!w.ok) return;
        const entry: AwardEntry = { id: w.value, ...values, budgetedCents: 0, voidedAt: null };
        awards.byNumber.set(entry.awardNumber, entry);
        tally.add("awards", n, r);
        return;
      }
      const old = asRow(ex);
      if (
        ex.centerId === center.id &&
        ex.program === r.programCode &&
        ex.fiscalYear === r.fiscalYear &&
        ex.amountCents === r.amountCents &&
        ex.popStart === r.popStart &&
        ex.popEnd === r.popEnd
      ) {
        tally.unchanged++;
        return;
      }
      // A required match someone set by hand (app/models/match.server.ts) is kept; a computed one follows the new amount.
      const computedBefore = requiredMatchCents(ex.amountCents, programs.get(ex.program) ?? null);
      if (ex.matchCents !== computedBefore) values.matchCents = ex.matchCents;
      if (!ctx.attempt(n, "amount", () => sql.updateAward(ex.id, values, ctx.batchId)).ok) return;
      Object.assign(ex, values);
      tally.change("awards", n, old, r);
    },
    finish() {},
  };
}

// ---------------------------------------------------------------------------------------------
// budget_lines

interface PendingLine {
  n: number;
  r: BudgetLineRow;
  award: AwardEntry;
  ex: LineEntry | null;
  before: BudgetLineRow | null;
}

async function budgetLinesHandler(ctx: Ctx): Promise<Handler<"budget_lines">> {
  const { sql, tally } = ctx;
  const awards = await loadAwards(ctx.trx);
  const lines = loadLines(sql);
  const capabilities = await loadCapabilities(ctx.trx);

  const delta = (p: PendingLine) => (p.ex && p.ex.awardId === p.award.id ? p.r.amountCents - p.ex.amountCents : p.r.amountCents);
  const deferred = new Deferred<PendingLine>(
    (p) => p.award.budgetedCents + delta(p) <= p.award.amountCents,
    (p) => {
      const values = {
        lineId: p.r.lineId,
        awardId: p.award.id,
        capabilityId: p.r.capabilityId,
        poete: p.r.poete,
        costCategory: p.r.costCategory,
        amountCents: p.r.amountCents,
        description: p.r.description,
      };
      const ex = p.ex;
      if (!ex) {
        const w = ctx.attempt(p.n, "amount", () => sql.insertLine(values, ctx.batchId, ctx.now));
        if (!w.ok) return;
        const entry: LineEntry = { id: w.value, lineId: p.r.lineId, awardId: p.award.id, amountCents: p.r.amountCents, spentCents: 0, voided: false };
        lines.byLineId.set(entry.lineId, entry);
        lines.byId.set(entry.id, entry);
        p.award.budgetedCents += p.r.amountCents;
        tally.add("budget_lines", p.n, p.r);
        return;
      }
      const d = delta(p);
      if (!ctx.attempt(p.n, "amount", () => sql.updateLine(ex.id, values, ctx.batchId)).ok) return;
      if (ex.awardId !== p.award.id) awards.byId.get(ex.awardId)!.budgetedCents -= ex.amountCents;
      p.award.budgetedCents += d;
      ex.awardId = p.award.id;
      ex.amountCents = p.r.amountCents;
      tally.change("budget_lines", p.n, p.before!, p.r);
    },
    (p) => tally.error(p.n, "amount", `Award ${p.award.awardNumber}: ${overBudgetMessage(p.award.budgetedCents + delta(p), p.award.amountCents)}`),
  );

  return {
    row(r: BudgetLineRow, n: number) {
      const errorsBefore = tally.log.total;
      const award = awards.byNumber.get(r.awardNumber);
      if (!award) tally.error(n, "award_number", `Unknown award "${r.awardNumber}"`);
      else if (award.voidedAt) tally.error(n, "award_number", voidedMessage("Award", award.awardNumber, award.voidedAt, "lines cannot be added to it"));
      if (r.capabilityId !== null && !capabilities.has(r.capabilityId)) tally.error(n, "capability", unknownCapability(capabilities, r.capabilityId));
      const ex = lines.byLineId.get(r.lineId) ?? null;
      if (ex?.voided) tally.error(n, "line_id", `Budget line ${r.lineId} was voided; a voided line cannot be imported again (use a new line_id)`);
      if (award) {
        const refused = ctx.refusal(award.centerId);
        if (refused) tally.error(n, "award_number", refused);
      }
      const oldAward = ex ? awards.byId.get(ex.awardId)! : null;
      if (oldAward && award && oldAward.centerId !== award.centerId) {
        const refused = ctx.refusal(oldAward.centerId);
        if (refused) tally.error(n, "line_id", refused);
      }
      if (ex && oldAward && award && ex.awardId !== award.id && ex.spentCents > 0) {
        tally.error(
          n,
          "award_number",
          `Budget line ${r.lineId} has ${formatMoney(ex.spentCents)} of spending on award ${oldAward.awardNumber}; a line with spending cannot move to another award`,
        );
      }
      if (ex && r.amountCents < ex.spentCents) {
        tally.error(n, "amount", `Budget line ${r.lineId} has ${formatMoney(ex.spentCents)} of spending; its amount cannot be lowered to ${formatMoney(r.amountCents)}`);
      }
      if (tally.log.total > errorsBefore || !award) return;

      let before: BudgetLineRow | null = null;
      if (ex) {
        const cur = sql.getLine(ex.id)!;
        before = {
          lineId: r.lineId,
          awardNumber: oldAward!.awardNumber,
          capabilityId: cur.capability_id,
          poete: cur.poete as BudgetLineRow["poete"],
          costCategory: cur.cost_category as BudgetLineRow["costCategory"],
          amountCents: cur.amount_cents,
          description: cur.description,
        };
        if (
          cur.award_id === award.id &&
          cur.capability_id === r.capabilityId &&
          cur.poete === r.poete &&
          cur.cost_category === r.costCategory &&
          cur.amount_cents === r.amountCents &&
          cur.description === r.description
        ) {
          tally.unchanged++;
          return;
        }
      }
      deferred.offer({ n, r, award, ex, before });
    },
    finish: () => deferred.finish(),
  };
}

// ---------------------------------------------------------------------------------------------
// spending

interface PendingSpend {
  n: number;
  r: SpendingRow;
  line: LineEntry;
  /** The payment already recorded under this spend_id, and its line. */
  ex: { id: number; line: LineEntry; before: SpendingRow; amountCents: number } | null;
}

async function spendingHandler(ctx: Ctx): Promise<Handler<"spending">> {
  const { sql, tally } = ctx;
  const awards = await loadAwards(ctx.trx);
  const lines = loadLines(sql);
  const closed = new Map<number, Array<{ start: string; end: string }>>();
  for (const p of await ctx.trx
    .selectFrom("closed_periods")
    .select(["award_id", "period_start", "period_end"])
    .where("reopened_at", "is", null)
    .execute()) {
    const list = closed.get(p.award_id) ?? [];
    list.push({ start: p.period_start, end: p.period_end });
    closed.set(p.award_id, list);
  }
  const closedPeriod = (awardId: number, date: string) => closed.get(awardId)?.find((p) => date >= p.start && date <= p.end);
  const closedMessage = (awardId: number, date: string, what: string) => {
    const p = closedPeriod(awardId, date)!;
    return (
      `${what} ${date} falls in the closed reporting period ${p.start} to ${p.end} of award ${awards.byId.get(awardId)?.awardNumber}; ` +
      `an administrator must reopen the period first`
    );
  };

  const total = (p: PendingSpend) =>
    p.ex && p.ex.line === p.line ? p.line.spentCents - p.ex.amountCents + p.r.amountCents : p.line.spentCents + p.r.amountCents;
  const deferred = new Deferred<PendingSpend>(
    (p) => total(p) <= p.line.amountCents,
    (p) => {
      const ex = p.ex;
      if (!ex) {
        const w = ctx.attempt(p.n, "amount", () =>
          sql.insertSpendingIfNew(p.r.spendId, p.line.id, p.r.date, p.r.amountCents, p.r.description, ctx.batchId, ctx.now),
        );
        if (!w.ok) return;
        p.line.spentCents += p.r.amountCents;
        tally.add("spending", p.n, p.r);
        return;
      }
      const w = ctx.attempt(p.n, "amount", () => sql.updateSpending(ex.id, p.line.id, p.r.date, p.r.amountCents, p.r.description, ctx.batchId));
      if (!w.ok) return;
      ex.line.spentCents -= ex.amountCents;
      p.line.spentCents += p.r.amountCents;
      tally.change("spending", p.n, ex.before, p.r);
    },
    (p) => tally.error(p.n, "amount", overSpentMessage(p.line.lineId, total(p), p.line.amountCents)),
  );

  /** Any payment the hot path could not place: an existing spend_id, a closed period, a line it would overrun. */
  function slow(n: number, r: SpendingRow, line: LineEntry, award: AwardEntry, closedNew: boolean): void {
    const cur = sql.getSpending(r.spendId);
    if (!cur) {
      if (closedNew) return tally.error(n, "date", closedMessage(award.id, r.date, "The payment date"));
      return deferred.offer({ n, r, line, ex: null });
    }
    if (cur.voided_at) {
      return tally.error(n, "spend_id", voidedMessage("Payment", r.spendId, cur.voided_at, "a voided payment cannot be imported again (use a new spend_id)"));
    }
    const oldLine = lines.byId.get(cur.budget_line_id)!;
    const oldAward = awards.byId.get(oldLine.awardId)!;
    if (oldAward.centerId !== award.centerId) {
      const refusedOld = ctx.refusal(oldAward.centerId);
      if (refusedOld) return tally.error(n, "spend_id", refusedOld);
    }
    if (cur.budget_line_id === line.id && cur.date === r.date && cur.amount_cents === r.amountCents && cur.description === r.description) {
      tally.unchanged++;
      return;
    }
    if (closedPeriod(oldAward.id, cur.date)) return tally.error(n, "date", closedMessage(oldAward.id, cur.date, `Payment ${r.spendId} is dated`));
    if (closedNew) return tally.error(n, "date", closedMessage(award.id, r.date, "The payment date"));
    const before: SpendingRow = { spendId: r.spendId, lineId: oldLine.lineId, date: cur.date, amountCents: cur.amount_cents, description: cur.description };
    deferred.offer({ n, r, line, ex: { id: cur.id, line: oldLine, before, amountCents: cur.amount_cents } });
  }

  /** One payment on its own statement (a short last batch, or a batch the database refused as a whole). */
  function single(n: number, r: SpendingRow, line: LineEntry, award: AwardEntry): void {
    const w = ctx.attempt(n, "amount", () => sql.insertSpendingIfNew(r.spendId, line.id, r.date, r.amountCents, r.description, ctx.batchId, ctx.now));
    if (!w.ok) return;
    if (!w.value) return slow(n, r, line, award, false);
    line.spentCents += r.amountCents;
    tally.add("spending", n, r);
  }

  // Hot path: payments that are new and fit go out SPENDING_BATCH at a time. Their amounts are
  // already counted in the lines' running totals; a spend_id that turns out to exist is taken
  // back out and goes the slow way.
  const batch: Array<{ n: number; r: SpendingRow; line: LineEntry; award: AwardEntry }> = [];
  const tuples: SpendingTuple[] = [];
  function flush(): void {
    if (batch.length === 0) return;
    const items = batch.splice(0);
    const rows = tuples.splice(0);
    if (items.length === SPENDING_BATCH) {
      let inserted: number | null;
      try {
        inserted = sql.insertSpendingBatch(rows, ctx.batchId, ctx.now);
      } catch (error) {
        if (!isConstraintError(error)) throw error;
        inserted = null;
      }
      if (inserted !== null) {
        const existing = inserted === SPENDING_BATCH ? null : sql.existingSpendIds(rows.map((t) => t[0]), ctx.batchId);
        for (const it of items) {
          if (existing?.has(it.r.spendId)) {
            it.line.spentCents -= it.r.amountCents;
            slow(it.n, it.r, it.line, it.award, false);
          } else tally.add("spending", it.n, it.r);
        }
        return;
      }
    }
    for (const it of items) {
      it.line.spentCents -= it.r.amountCents;
      single(it.n, it.r, it.line, it.award);
    }
  }

  return {
    row(r: SpendingRow, n: number) {
      const line = lines.byLineId.get(r.lineId);
      const outOfRange = dateOutOfRange(r.date);
      if (outOfRange) tally.error(n, "date", outOfRange);
      if (!line) return tally.error(n, "line_id", `Unknown budget line "${r.lineId}"`);
      const award = awards.byId.get(line.awardId)!;
      if (line.voided) return tally.error(n, "line_id", `Budget line ${r.lineId} was voided; spending cannot be added to it`);
      if (award.voidedAt) return tally.error(n, "line_id", voidedMessage("Award", award.awardNumber, award.voidedAt, "spending cannot be added to it"));
      const refused = ctx.refusal(award.centerId);
      if (refused) return tally.error(n, "line_id", refused);
      if (outOfRange) return;
      const closedNew = closedPeriod(award.id, r.date) !== undefined;
      if (closedNew || line.spentCents + r.amountCents > line.amountCents) return slow(n, r, line, award, closedNew);
      line.spentCents += r.amountCents;
      batch.push({ n, r, line, award });
      tuples.push([r.spendId, line.id, r.date, r.amountCents, r.description]);
      if (batch.length === SPENDING_BATCH) flush();
    },
    finish() {
      flush();
      deferred.finish();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// assessments

async function assessmentsHandler(ctx: Ctx): Promise<Handler<"assessments">> {
  const { sql, tally } = ctx;
  const capabilities = await loadCapabilities(ctx.trx);
  const locked = new Set(
    (await ctx.trx.selectFrom("assessment_reviews").select(["center_id", "fiscal_year"]).where("state", "in", [...LOCKED_STATES]).execute()).map(
      (r) => `${r.center_id}:${r.fiscal_year}`,
    ),
  );
  const userId = ctx.user?.id ?? null;
  const lockedMessage = (center: CenterEntry, fy: number) =>
    `The FY${fy} assessment of ${center.code} is locked (submitted or validated); a reviewer must reopen it before it can change`;
  return {
    row(r: AssessmentRow, n: number) {
      const center = ctx.centersByCode.get(r.centerCode);
      if (!center) tally.error(n, "center", unknownCenter(ctx, r.centerCode));
      if (!capabilities.has(r.capabilityId)) tally.error(n, "capability", unknownCapability(capabilities, r.capabilityId));
      if (!center || !capabilities.has(r.capabilityId)) return;
      const refused = ctx.refusal(center.id);
      if (refused) return tally.error(n, "center", refused);
      const isLocked = locked.has(`${center.id}:${r.fiscalYear}`);
      if (!isLocked) {
        const w = ctx.attempt(n, "status", () =>
          sql.insertAssessmentIfNew(center.id, r.fiscalYear, r.capabilityId, r.status, r.evidence, userId, ctx.now, ctx.batchId),
        );
        if (!w.ok) return;
        if (w.value) {
          tally.add("assessments", n, r);
          return;
        }
      }
      const cur = sql.getAssessment(center.id, r.fiscalYear, r.capabilityId);
      if (!cur) return tally.error(n, "fiscal_year", lockedMessage(center, r.fiscalYear));
      if (cur.status === r.status && cur.evidence === r.evidence) {
        tally.unchanged++;
        return;
      }
      if (isLocked) return tally.error(n, "fiscal_year", lockedMessage(center, r.fiscalYear));
      if (!ctx.attempt(n, "status", () => sql.updateAssessment(cur.id, r.status, r.evidence, userId, ctx.now, ctx.batchId)).ok) return;
      tally.change("assessments", n, { ...r, status: cur.status as AssessmentRow["status"], evidence: cur.evidence }, r);
    },
    finish() {},
  };
}

const HANDLERS: { [T in ImportType]: (ctx: Ctx) => Promise<Handler<T>> } = {
  centers: centersHandler,
  awards: awardsHandler,
  budget_lines: budgetLinesHandler,
  spending: spendingHandler,
  assessments: assessmentsHandler,
};
