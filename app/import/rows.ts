/**
 * Row validation for imports: the type's zod schema (app/import/types/) turns a record of cell
 * texts into a typed row (cents, ISO dates, null for "no capability"), or into errors that name the
 * file row and the column. Checks that need the database (unknown center, budget over award, ...)
 * belong to the type's handler, which gets the typed rows in file order with their row numbers.
 */
import { parseFiscalYear } from "./fields";
import { FORMATS } from "./formats";
import { REGISTRY, type ImportType, type RowOf, type RowTypes, type TypedRow } from "./registry";

export type { RowOf, RowTypes, TypedRow };
export type { CenterRow } from "./types/centers";
export type { AwardRow } from "./types/awards";
export type { BudgetLineRow } from "./types/budget-lines";
export type { SpendingRow } from "./types/spending";
export type { AssessmentRow } from "./types/assessments";

/** `column` is "" for a problem with the whole row (e.g. the wrong number of fields). */
export interface RowError {
  row: number;
  column: string;
  message: string;
}

export type RowValidation<R = TypedRow> =
  | { ok: true; rowNumber: number; row: R }
  | { ok: false; rowNumber: number; errors: RowError[] };

/** Cell texts by column name; a column left out of the header is undefined. */
export type RawRecord = Record<string, string | undefined>;

/** Validates one record on its own (no duplicate check). `rowNumber` is the file line (header = 1). */
export function validateRow<T extends ImportType>(type: T, record: RawRecord, rowNumber: number): RowValidation<RowOf<T>> {
  const input: Record<string, string> = {};
  for (const c of FORMATS[type].columns) input[c] = record[c] ?? "";
  const result = REGISTRY[type].schema.safeParse(input);
  if (result.success) return { ok: true, rowNumber, row: result.data as RowOf<T> };
  const errors = result.error.issues.map((issue) => ({
    row: rowNumber,
    column: typeof issue.path[0] === "string" ? issue.path[0] : "",
    message: issue.message,
  }));
  return { ok: false, rowNumber, errors };
}

/** The natural key of a record as text, or null while part of it is empty. */
export function naturalKey(type: ImportType, record: RawRecord): string | null {
  const cols = FORMATS[type].key;
  if (cols.length === 1) {
    const v = (record[cols[0]] ?? "").trim();
    return v === "" ? null : v;
  }
  const parts: string[] = [];
  for (const c of cols) {
    let v = (record[c] ?? "").trim();
    if (v === "") return null;
    if (c === "fiscal_year") v = String(parseFiscalYear(v) ?? v);
    parts.push(v);
  }
  return parts.join("\u0000");
}

export interface RowValidator<T extends ImportType> {
  validate(record: RawRecord, rowNumber: number): RowValidation<RowOf<T>>;
}

/**
 * A validator that also refuses a natural key seen earlier in the same file, on the later row,
 * naming the earlier one. It keeps one map entry per distinct key (about 70 bytes each).
 */
export function createRowValidator<T extends ImportType>(type: T): RowValidator<T> {
  const seen = new Map<string, number>();
  const keyCols = FORMATS[type].key;
  const keyLabel = keyCols.length === 1 ? keyCols[0] : `${keyCols.slice(0, -1).join(", ")} and ${keyCols[keyCols.length - 1]}`;
  return {
    validate(record, rowNumber) {
      const result = validateRow(type, record, rowNumber);
      const key = naturalKey(type, record);
      if (key === null) return result;
      const earlier = seen.get(key);
      if (earlier === undefined) {
        seen.set(key, rowNumber);
        return result;
      }
      const dup: RowError = {
        row: rowNumber,
        column: keyCols[0],
        message: `Same ${keyLabel} as row ${earlier}: each ${keyLabel} may appear only once in a file`,
      };
      return { ok: false, rowNumber, errors: [dup, ...(result.ok ? [] : result.errors)] };
    },
  };
}

/** Keeps the first `cap` errors (1,000 by default) and counts them all. */
export class ErrorLog {
  readonly errors: RowError[] = [];
  total = 0;
  constructor(readonly cap = 1000) {}
  add(errors: readonly RowError[]): void {
    this.total += errors.length;
    for (const e of errors) {
      if (this.errors.length >= this.cap) break;
      this.errors.push(e);
    }
  }
  get truncated(): boolean {
    return this.total > this.errors.length;
  }
}

/** "Row 5, amount: Amount cannot be negative" — for the command line and flash messages. */
export function describeError(e: RowError): string {
  return e.column ? `Row ${e.row}, ${e.column}: ${e.message}` : `Row ${e.row}: ${e.message}`;
}
