/**
 * CSV downloads in the import contract's own format, so an export can be edited and imported
 * again: header exactly as the type's columns, money as 1234.56, dates ISO, text escaped against
 * spreadsheet formulas (escape.ts) — the importer undoes that escape.
 */
import { Readable } from "node:stream";
import { stringify } from "csv-stringify";
import { stringify as stringifySync } from "csv-stringify/sync";
import { escapeCell } from "./escape";
import { FORMATS } from "./formats";
import { REGISTRY, type ImportType, type RowOf } from "./registry";
import type { RowError } from "./rows";

/** A typed row as the cells of one export line, in contract column order, escaped. */
export function toCells<T extends ImportType>(type: T, row: RowOf<T>): string[] {
  // Amounts and years are written by centsToDecimal/String and never start with a formula character;
  // escaping every cell keeps identifiers safe too (valid ones start with a letter or digit: no-op).
  return (REGISTRY[type].cells as (row: RowOf<T>) => string[])(row).map(escapeCell);
}

export interface CsvOptions {
  /** Prefix a UTF-8 byte-order mark so Excel opens accented text correctly. The importer accepts it. */
  bom?: boolean;
}

export function exportCsv<T extends ImportType>(type: T, rows: Iterable<RowOf<T>>, opts: CsvOptions = {}): string {
  const records: string[][] = [[...FORMATS[type].columns]];
  for (const r of rows) records.push(toCells(type, r));
  return stringifySync(records, { bom: opts.bom ?? false });
}

/** The same CSV as a stream, for exports too long to build as one string. */
export function exportCsvStream<T extends ImportType>(
  type: T,
  rows: Iterable<RowOf<T>> | AsyncIterable<RowOf<T>>,
  opts: CsvOptions = {},
): Readable {
  async function* records() {
    yield [...FORMATS[type].columns];
    for await (const r of rows) yield toCells(type, r);
  }
  return Readable.from(records()).pipe(stringify({ bom: opts.bom ?? false }));
}

/** Row errors as a CSV download: row,column,message. */
export function errorsToCsv(errors: Iterable<RowError>, opts: CsvOptions = {}): string {
  const records: string[][] = [["row", "column", "message"]];
  for (const e of errors) records.push([String(e.row), escapeCell(e.column), escapeCell(e.message)]);
  return stringifySync(records, { bom: opts.bom ?? false });
}
