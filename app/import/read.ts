/**
 * Streaming reader for import files: CSV (UTF-8, optional BOM, CRLF or LF, `,` `;` or tab as the
 * delimiter, detected from the header line) and XLSX (first worksheet). Rows are read one at a
 * time, so memory stays bounded however long the file is; a single CSV record is capped at 1 MiB
 * so an unclosed quote cannot swallow the rest of the file into memory.
 *
 * Pure parsing: nothing here touches the database.
 */
import { Readable, pipeline } from "node:stream";
import { parse } from "csv-parse";
import type ExcelJS from "exceljs";
import { openWorkbook, XlsxTooLarge, type XlsxLimits } from "./xlsx";
import { checkHeader, detectType, IMPORT_TYPES, isImportType, type ImportType } from "./formats";
import { createRowValidator, ErrorLog, type RawRecord, type RowError, type RowOf, type RowValidation } from "./rows";

export type FileErrorCode =
  | "empty"
  | "header_only"
  | "not_tabular"
  | "not_utf8"
  | "bad_csv"
  | "unknown_type"
  | "bad_header"
  | "too_large";

/** A problem with the file as a whole: nothing in it can be imported until it is fixed. */
export class ImportFileError extends Error {
  constructor(
    message: string,
    readonly code: FileErrorCode,
    readonly line?: number,
  ) {
    super(message);
    this.name = "ImportFileError";
  }
}

export const MESSAGES = {
  empty: "The file is empty",
  headerOnly: "The file has a header row but no data rows",
  notTabular: "This does not look like a CSV or XLSX file",
};

export interface ImportLimits extends XlsxLimits {
  /** Data rows of one file (blank rows are not counted). */
  maxRows: number;
}

/**
 * What one import reads at most, web and command line alike (README, "Limits"). A million rows is
 * twice the largest real national spending file; the XLSX limits keep a hostile workbook within the
 * server's 192 MB heap (package.json start:prod) and off the disk.
 */
export const IMPORT_LIMITS: Readonly<ImportLimits> = {
  maxRows: 1_000_000,
  maxUnzippedBytes: 320 * 1024 * 1024,
  maxEntryBytes: 256 * 1024 * 1024,
  maxSharedStringChars: 16 * 1024 * 1024,
};

export type ImportSource =
  | { fileName: string; stream: NodeJS.ReadableStream | AsyncIterable<Uint8Array | string> }
  | { fileName: string; buffer: Uint8Array };

export interface ProgressInfo {
  bytesRead: number;
  totalBytes?: number;
}

export interface ReadOptions<T extends ImportType = ImportType> {
  /** Skip detection and read the file as this type (the CLI's --type, the form's type field). */
  type?: T;
  /** Called every `progressEvery` rows (10,000 by default) and with the final count at the end. */
  onProgress?: (rowsRead: number, info: ProgressInfo) => void;
  progressEvery?: number;
  /** Size of the file when known (upload Content-Length, file size); a buffer's own length otherwise. */
  totalBytes?: number;
  /** Tighter (or, for tests, looser) limits than IMPORT_LIMITS. */
  limits?: Partial<ImportLimits>;
}

export type Delimiter = "," | ";" | "\t";

export interface ImportFile<T extends ImportType = ImportType> {
  readonly type: T;
  readonly format: "csv" | "xlsx";
  /** null for XLSX. */
  readonly delimiter: Delimiter | null;
  /** Header cells as column names (null for a blank header cell). */
  readonly columns: readonly (string | null)[];
  readonly headerRow: number;
  /** Data rows read so far (blank rows are not counted). */
  readonly rowsRead: number;
  readonly bytesRead: number;
  /** Validated rows in file order, with in-file duplicate keys refused. Can be iterated once. */
  rows(): AsyncGenerator<RowValidation<RowOf<T>>, void, undefined>;
  /** Stops reading and releases the source (for callers that stop before the end). */
  close(): Promise<void>;
}

interface CellRow {
  /** File line (CSV, where a record starts) or sheet row number (XLSX). */
  line: number;
  cells: string[];
}

const CHUNK = 64 * 1024;
const SNIFF_BYTES = 1024;
const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * Opens an import file: reads the header, works out the type, checks the columns and makes sure
 * there is at least one data row. File-level problems reject with an ImportFileError.
 */
export async function openImport<T extends ImportType = ImportType>(
  source: ImportSource,
  opts: ReadOptions<T> = {},
): Promise<ImportFile<T>> {
  if (opts.type !== undefined && !isImportType(opts.type)) {
    throw new ImportFileError(`Unknown type "${String(opts.type)}"; use one of ${IMPORT_TYPES.join(", ")}`, "unknown_type");
  }
  const totalBytes = opts.totalBytes ?? ("buffer" in source ? source.buffer.byteLength : undefined);
  const counter = { bytes: 0 };
  const bytes = countBytes(sourceChunks(source), counter);
  const limits: ImportLimits = { ...IMPORT_LIMITS, ...opts.limits };
  const { head, rest } = await sniff(bytes);
  const reader = isXlsx(head, source.fileName) ? readXlsx(head, rest, limits) : await readCsv(head, rest);
  const it = reader.cells;

  const first = await it.next();
  if (first.done) throw new ImportFileError(MESSAGES.empty, "empty");
  const header = first.value;

  let type: ImportType;
  if (opts.type) type = opts.type;
  else {
    const detected = detectType(header.cells);
    if (!detected.ok) {
      await it.return(undefined);
      throw new ImportFileError(detected.error, "unknown_type", header.line);
    }
    type = detected.type;
  }
  const check = checkHeader(type, header.cells);
  if (!check.ok) {
    await it.return(undefined);
    throw new ImportFileError(check.error ?? "The header row is not valid", "bad_header", header.line);
  }
  const second = await it.next();
  if (second.done) throw new ImportFileError(MESSAGES.headerOnly, "header_only");

  const columns = check.columns;
  const width = columns.length;
  const every = Math.max(1, opts.progressEvery ?? 10_000);
  let rowsRead = 0;
  let consumed = false;

  async function* rows(): AsyncGenerator<RowValidation<RowOf<T>>, void, undefined> {
    if (consumed) throw new Error("rows() can be iterated only once");
    consumed = true;
    const validator = createRowValidator(type as T);
    let pending: IteratorResult<CellRow, void> = second;
    try {
      while (!pending.done) {
        const { line, cells } = pending.value;
        if (rowsRead === limits.maxRows) {
          throw new ImportFileError(
            `The file has more than ${limits.maxRows.toLocaleString("en-US")} data rows, the most one import takes. Split it into smaller files.`,
            "too_large",
            line,
          );
        }
        rowsRead++;
        const shape = shapeError(reader.format, cells, columns, line);
        if (shape) yield { ok: false, rowNumber: line, errors: [shape] };
        else {
          const record: RawRecord = {};
          for (let i = 0; i < width; i++) {
            const c = columns[i];
            if (c !== null) record[c] = cells[i] ?? "";
          }
          yield validator.validate(record, line);
        }
        if (rowsRead % every === 0) opts.onProgress?.(rowsRead, { bytesRead: counter.bytes, totalBytes });
        pending = await it.next();
      }
      if (rowsRead % every !== 0) opts.onProgress?.(rowsRead, { bytesRead: counter.bytes, totalBytes });
    } finally {
      await it.return(undefined);
    }
  }

  return {
    type: type as T,
    format: reader.format,
    delimiter: reader.delimiter,
    columns,
    headerRow: header.line,
    get rowsRead() {
      return rowsRead;
    },
    get bytesRead() {
      return counter.bytes;
    },
    rows,
    async close() {
      await it.return(undefined);
    },
  };
}

/** Validated rows of a file, in order. The first step rejects with an ImportFileError for a bad file. */
export async function* readRows<T extends ImportType = ImportType>(
  source: ImportSource,
  opts: ReadOptions<T> = {},
): AsyncGenerator<RowValidation<RowOf<T>>, void, undefined> {
  const file = await openImport(source, opts);
  yield* file.rows();
}

export interface ImportSummary<T extends ImportType = ImportType> {
  type: T;
  format: "csv" | "xlsx";
  rowsRead: number;
  validRows: number;
  /** The first `maxErrors` row errors, in file order. */
  errors: RowError[];
  errorCount: number;
  truncated: boolean;
}

/**
 * Reads a whole file, handing each valid row to `onRow` (where the caller runs its database
 * checks or collects rows for the write) and keeping the first 1,000 errors with a total count.
 */
export async function validateImport<T extends ImportType = ImportType>(
  source: ImportSource,
  opts: ReadOptions<T> & {
    onRow?: (row: RowOf<T>, rowNumber: number) => void | Promise<void>;
    maxErrors?: number;
  } = {},
): Promise<ImportSummary<T>> {
  const file = await openImport(source, opts);
  const log = new ErrorLog(opts.maxErrors ?? 1000);
  let validRows = 0;
  for await (const r of file.rows()) {
    if (r.ok) {
      validRows++;
      if (opts.onRow) await opts.onRow(r.row, r.rowNumber);
    } else log.add(r.errors);
  }
  return {
    type: file.type,
    format: file.format,
    rowsRead: file.rowsRead,
    validRows,
    errors: log.errors,
    errorCount: log.total,
    truncated: log.truncated,
  };
}

function shapeError(format: "csv" | "xlsx", cells: string[], columns: readonly (string | null)[], line: number): RowError | null {
  if (format === "csv" && cells.length !== columns.length) {
    return {
      row: line,
      column: "",
      message: `This row has ${cells.length} fields but the header has ${columns.length} (a comma inside an unquoted value?)`,
    };
  }
  for (let i = 0; i < cells.length; i++) {
    if ((i >= columns.length || columns[i] === null) && cells[i].trim() !== "") {
      return { row: line, column: "", message: `Column ${i + 1} has no header but this row has a value there` };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Bytes in

async function* sourceChunks(source: ImportSource): AsyncGenerator<Uint8Array> {
  if ("buffer" in source) {
    // Slices share the buffer's memory; 64 KiB pieces keep each decoded string small, whatever the file size.
    for (let i = 0; i < source.buffer.byteLength; i += CHUNK) yield source.buffer.subarray(i, i + CHUNK);
    return;
  }
  const stream = source.stream;
  let finished = false;
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array | string>) {
      yield typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    }
    finished = true;
  } finally {
    const s = stream as { destroy?: () => void };
    if (!finished && typeof s.destroy === "function") s.destroy();
  }
}

async function* countBytes(chunks: AsyncGenerator<Uint8Array>, counter: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    counter.bytes += chunk.byteLength;
    yield chunk;
  }
}

/** Reads until the first line is complete (or 64 KiB, or the end) so the format and delimiter can be judged. */
async function sniff(chunks: AsyncGenerator<Uint8Array>): Promise<{ head: Buffer; rest: AsyncGenerator<Uint8Array> }> {
  const parts: Uint8Array[] = [];
  let size = 0;
  while (size < CHUNK) {
    const next = await chunks.next();
    if (next.done) break;
    parts.push(next.value);
    size += next.value.byteLength;
    if (size >= SNIFF_BYTES && next.value.includes(0x0a)) break;
  }
  return { head: Buffer.concat(parts), rest: chunks };
}

async function* prepend(head: Uint8Array, rest: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    if (head.byteLength) yield head;
    yield* rest;
  } finally {
    await rest.return(undefined);
  }
}

function isXlsx(head: Buffer, fileName: string): boolean {
  const zip = head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  return zip || /\.xlsx$/i.test(fileName.trim());
}

interface Reader {
  format: "csv" | "xlsx";
  delimiter: Delimiter | null;
  cells: AsyncGenerator<CellRow, void, undefined>;
}

// ---------------------------------------------------------------------------------------------
// CSV

async function readCsv(head: Buffer, rest: AsyncGenerator<Uint8Array>): Promise<Reader> {
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  if (head.length - bom === 0) {
    await rest.return(undefined);
    throw new ImportFileError(MESSAGES.empty, "empty");
  }
  const problem = binaryProblem(head);
  if (problem) {
    await rest.return(undefined);
    throw new ImportFileError(problem, "not_tabular");
  }
  const delimiter = detectDelimiter(new TextDecoder("utf-8").decode(head.subarray(bom)));
  return { format: "csv", delimiter, cells: csvCells(prepend(head, rest), delimiter) };
}

function binaryProblem(head: Buffer): string | null {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    return `${MESSAGES.notTabular}: it is UTF-16 text. Save it as "CSV UTF-8" and try again`;
  }
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) {
    return `${MESSAGES.notTabular}: it is an old Excel .xls workbook. Save it as .xlsx or CSV and try again`;
  }
  const first = head.subarray(0, SNIFF_BYTES);
  if (first.includes(0)) return MESSAGES.notTabular;
  try {
    // stream: true lets a character cut in half at the 1 KiB mark pass.
    new TextDecoder("utf-8", { fatal: true }).decode(first, { stream: true });
  } catch {
    return MESSAGES.notTabular;
  }
  return null;
}

/** The delimiter is whichever of `,` `;` tab occurs most in the header line outside quotes (`,` on a tie). */
export function detectDelimiter(text: string): Delimiter {
  const counts = { ",": 0, ";": 0, "\t": 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\n" || ch === "\r")) break;
    else if (!quoted && (ch === "," || ch === ";" || ch === "\t")) counts[ch]++;
  }
  let best: Delimiter = ",";
  for (const d of [";", "\t"] as const) if (counts[d] > counts[best]) best = d;
  return best;
}

/** UTF-8 bytes → text with every line break as "\n" (so line numbers are simple to count). */
async function* decodeLines(chunks: AsyncGenerator<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true }); // drops a leading BOM
  let offset = 0;
  let pendingCr = false;
  const notUtf8 = () =>
    new ImportFileError(
      `The file is not UTF-8 text (a bad byte near byte ${offset.toLocaleString("en-US")}). Save it as "CSV UTF-8" and try again`,
      "not_utf8",
    );
  try {
    for await (const chunk of chunks) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw notUtf8();
      }
      offset += chunk.byteLength;
      if (pendingCr && text.startsWith("\n")) text = text.slice(1);
      if (text.length === 0) continue;
      pendingCr = text.endsWith("\r");
      if (text.includes("\r")) text = text.replace(/\r\n?/g, "\n");
      yield text;
    }
    let tail: string;
    try {
      tail = decoder.decode();
    } catch {
      throw notUtf8();
    }
    if (tail) yield tail;
  } finally {
    await chunks.return(undefined);
  }
}

async function* csvCells(chunks: AsyncGenerator<Uint8Array>, delimiter: Delimiter): AsyncGenerator<CellRow, void, undefined> {
  const parser = parse({
    delimiter,
    record_delimiter: "\n",
    relax_column_count: true, // a wrong field count becomes a row error, not the end of the file
    relax_quotes: true, // a stray quote inside a value (12" monitor) is kept as text
    max_record_size: MAX_RECORD_BYTES,
  });
  // Lines are counted as the parser hands each record over (not as the consumer reads it), so a
  // parse error can name the row where the broken record starts. (csv-parse's `info` and
  // `on_record` would do it too, at about a microsecond per record.)
  let line = 1;
  const push = parser.push.bind(parser);
  parser.push = (fields: string[] | null): boolean => {
    if (fields === null) return push(null);
    const start = line;
    line++;
    let blank = true;
    for (const f of fields) {
      if (blank && f.trim() !== "") blank = false;
      if (f.includes("\n")) line += countNewlines(f);
    }
    return blank ? true : push({ line: start, cells: fields } satisfies CellRow);
  };
  const input = Readable.from(decodeLines(chunks), { objectMode: false });
  // pipeline passes a source error (bad UTF-8) to the parser and tears both down on early exit.
  pipeline(input, parser, () => {});
  try {
    yield* parser as AsyncIterable<CellRow>;
  } catch (err) {
    throw csvError(err, line);
  } finally {
    parser.destroy();
    input.destroy();
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

function csvError(err: unknown, line: number): Error {
  if (err instanceof ImportFileError) return err;
  const code = (err as { code?: string }).code;
  if (code === "CSV_QUOTE_NOT_CLOSED") {
    return new ImportFileError(`Row ${line}: a quoted value is never closed (a missing ")`, "bad_csv", line);
  }
  if (code === "CSV_MAX_RECORD_SIZE") {
    return new ImportFileError(`Row ${line} is longer than 1 MB (a missing " that runs on to the end?)`, "bad_csv", line);
  }
  if (typeof code === "string" && code.startsWith("CSV_")) {
    return new ImportFileError(`Row ${line}: ${(err as Error).message}`, "bad_csv", line);
  }
  return err instanceof Error ? err : new Error(String(err));
}

// ---------------------------------------------------------------------------------------------
// XLSX

function readXlsx(head: Buffer, rest: AsyncGenerator<Uint8Array>, limits: XlsxLimits): Reader {
  return { format: "xlsx", delimiter: null, cells: xlsxCells(prepend(head, rest), limits) };
}

/** A limit reached while unpacking is said as it is; anything else the parser throws means a damaged file. */
function xlsxError(error: unknown, otherwise: ImportFileError): ImportFileError {
  return error instanceof XlsxTooLarge ? new ImportFileError(error.message, "too_large") : otherwise;
}

async function* xlsxCells(chunks: AsyncGenerator<Uint8Array>, limits: XlsxLimits): AsyncGenerator<CellRow, void, undefined> {
  const input = Readable.from(chunks, { objectMode: false });
  const workbook = await openWorkbook(input, limits);
  try {
    // Only the first worksheet is read; an import file holds one type of data.
    const sheets = workbook[Symbol.asyncIterator]();
    let sheet: IteratorResult<ExcelJS.stream.xlsx.WorksheetReader>;
    try {
      sheet = await sheets.next();
    } catch (error) {
      throw xlsxError(error, new ImportFileError(MESSAGES.notTabular, "not_tabular"));
    }
    if (sheet.done) throw new ImportFileError(MESSAGES.notTabular, "not_tabular");
    const rows = sheet.value[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<ExcelJS.Row>;
      try {
        next = await rows.next();
      } catch (error) {
        throw xlsxError(error, new ImportFileError("The XLSX file is damaged and could not be read to the end", "not_tabular"));
      }
      if (next.done) break;
      const values = next.value.values as unknown[];
      const cells: string[] = [];
      let blank = true;
      for (let i = 1; i < values.length; i++) {
        const t = cellText(values[i]);
        if (blank && t.trim() !== "") blank = false;
        cells.push(t);
      }
      if (!blank) yield { line: next.value.number, cells };
    }
  } finally {
    input.destroy();
  }
}

/** A cell as the text a user sees, for the same validation CSV cells get. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number") return numberText(v);
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return "";
    // Excel dates carry no zone; exceljs returns them as UTC midnight.
    return v.toISOString().slice(0, 10);
  }
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return (o.richText as { text?: string }[]).map((r) => r.text ?? "").join("");
    if ("result" in o && o.result !== undefined) return cellText(o.result);
    if (typeof o.formula === "string") return `=${o.formula}`;
    if (typeof o.sharedFormula === "string") return "";
    if (typeof o.text === "string") return o.text;
    if (typeof o.error === "string") return o.error;
  }
  return String(v);
}

/** Numbers: a float like 1234.5600000000001 shows as 1234.56 in the sheet, and is read that way. */
function numberText(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const cents = Math.round(n * 100);
  if (Math.abs(n * 100 - cents) < 1e-6) return (cents / 100).toFixed(2);
  return String(n);
}

