/**
 * Import rows sent as JSON (the API's `POST /api/v1/imports` with `{"rows": [...]}`): turned into
 * the CSV the reader already understands, so a JSON import goes through exactly the same checks,
 * handlers and transaction as a file. Pure: nothing here touches the database.
 */
import { stringify } from "csv-stringify/sync";

export type JsonCell = string | number | null;

export interface JsonAsCsv {
  csv: Buffer;
  /** The JSON row (from 1) a CSV line holds; row errors name this instead of the line. */
  rowOfLine(line: number): number;
}

/** Columns are the keys of all rows, in first-seen order; a missing key is an empty cell. */
export function jsonRowsToCsv(rows: readonly Record<string, JsonCell>[]): JsonAsCsv {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows)
    for (const key of Object.keys(row))
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
  const cell = (v: JsonCell | undefined) => (v === null || v === undefined ? "" : String(v));
  const parts = [stringify([columns])];
  // A quoted cell may hold line breaks, so each record's first line is counted, not assumed.
  const startLines: number[] = [];
  let line = 1 + (parts[0].match(/\n/g)?.length ?? 0);
  for (const row of rows) {
    const text = stringify([columns.map((c) => cell(row[c]))]);
    startLines.push(line);
    line += text.match(/\n/g)?.length ?? 0;
    parts.push(text);
  }
  const byLine = new Map(startLines.map((l, i) => [l, i + 1]));
  return { csv: Buffer.from(parts.join(""), "utf8"), rowOfLine: (l) => byLine.get(l) ?? l };
}
