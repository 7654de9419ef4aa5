/**
 * CSV responses for every table page's export: the page's loader figures, the same rows and the
 * same totals, as a download. Text cells are escaped against spreadsheet formulas with the
 * import module's escapeCell (so an exported file reads back through the importer unchanged);
 * numbers and money are written as plain figures.
 */
import { stringify } from "csv-stringify/sync";
import { escapeCell } from "../import/escape";
import { centsToDecimal } from "../domain/money";

/** A figure written as-is (never formula-escaped), e.g. "-12.50". */
export interface RawCell {
  raw: string;
}

export type CsvCell = string | number | null | undefined | RawCell;

/** Money as plain dollars with two decimals ("1234.56"); a negative amount keeps its minus sign. */
export function money(cents: number | null | undefined): RawCell | null {
  return cents === null || cents === undefined ? null : { raw: centsToDecimal(cents) };
}

function cellText(cell: CsvCell): string {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "number") return Number.isFinite(cell) ? String(cell) : "";
  if (typeof cell === "string") return escapeCell(cell);
  return cell.raw;
}

/** CSV text (RFC 4180, CRLF line ends) from rows of cells; the first row is usually the header. */
export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return stringify(
    rows.map((r) => r.map(cellText)),
    { record_delimiter: "\r\n" },
  );
}

/** A file name safe for Content-Disposition: letters, digits, dot, dash and underscore only. */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "export";
}

/**
 * A CSV download. A UTF-8 byte-order mark leads the file so spreadsheet programs read accented
 * names correctly; csv-parse (bom: true) and most tools skip it.
 */
export function csvResponse(fileName: string, rows: readonly (readonly CsvCell[])[]): Response {
  const name = safeFileName(fileName.endsWith(".csv") ? fileName : `${fileName}.csv`);
  return new Response(`\uFEFF${toCsv(rows)}`, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}"`,
      "Cache-Control": "private, no-store",
    },
  });
}
