/**
 * The spreadsheet import/export contract: one file per type, a header row naming the
 * columns in any order (case and surrounding spaces ignored), unknown columns refused, required
 * columns must be present. Optional columns may be left out of the header or left empty.
 */
import { IMPORT_TYPES, isImportType, REGISTRY, type ImportType } from "./registry";

export { IMPORT_TYPES, isImportType, type ImportType };

export interface Format {
  type: ImportType;
  label: string;
  /** Every column, in the order exports write them. */
  columns: readonly string[];
  /** Columns that may be missing from the header or empty. */
  optional: readonly string[];
  /** Free-text columns: the only ones whose leading-apostrophe escape is undone on import. */
  text: readonly string[];
  /** Columns whose combined value must be unique within one file (the natural key). */
  key: readonly string[];
}

/** The columns of every type, from its definition in app/import/types/. */
export const FORMATS = Object.fromEntries(
  IMPORT_TYPES.map((type) => {
    const { label, columns, optional, text, key } = REGISTRY[type];
    return [type, { type, label, columns, optional, text, key }];
  }),
) as Record<ImportType, Format>;

export function requiredColumns(type: ImportType): string[] {
  const f = FORMATS[type];
  return f.columns.filter((c) => !f.optional.includes(c));
}

/** Header cell → column name: case and surrounding spaces are ignored. */
export function normalizeHeader(cell: string): string {
  return cell.trim().toLowerCase();
}

export type DetectResult = { ok: true; type: ImportType } | { ok: false; error: string };

/**
 * Infers the type from a header row. Each type scores (its columns present) − (columns it does not
 * know); the single best positive score wins, so a header with one typo or one missing column is
 * still recognised and the column check can then name the problem. Ties are refused: the caller
 * passes the type explicitly (`--type`, or the form's type field).
 */
export function detectType(headers: readonly string[]): DetectResult {
  const names = new Set(headers.map(normalizeHeader).filter((h) => h !== ""));
  const scored = IMPORT_TYPES.map((type) => {
    const cols = FORMATS[type].columns;
    let known = 0;
    for (const n of names) if (cols.includes(n)) known++;
    return { type, known, score: known - (names.size - known) };
  }).sort((a, b) => b.score - a.score);
  const [best, second] = scored;
  // Two matching columns at least: a lone "amount" or "description" says nothing about the type.
  if (best.known < 2 || best.score <= 0) {
    return {
      ok: false,
      error: `The header row does not match any import type. Expected one of: ${describeFormats()}`,
    };
  }
  if (second.score === best.score) {
    return {
      ok: false,
      error: `The header row fits both ${best.type} and ${second.type}; choose the type of data explicitly`,
    };
  }
  return { ok: true, type: best.type };
}

export function describeFormats(): string {
  return IMPORT_TYPES.map((t) => `${t} (${FORMATS[t].columns.join(", ")})`).join("; ");
}

export interface HeaderCheck {
  ok: boolean;
  /** Column name for each position of the header; null for a blank header cell (ignored if its values are empty). */
  columns: (string | null)[];
  unknown: string[];
  missing: string[];
  duplicates: string[];
  error?: string;
}

/** Checks a header row against a type: names unknown, missing and repeated columns. */
export function checkHeader(type: ImportType, headers: readonly string[]): HeaderCheck {
  const format = FORMATS[type];
  const columns = headers.map((h) => normalizeHeader(h) || null);
  const seen = new Set<string>();
  const unknown: string[] = [];
  const duplicates: string[] = [];
  for (const c of columns) {
    if (c === null) continue;
    if (!format.columns.includes(c)) unknown.push(c);
    else if (seen.has(c)) duplicates.push(c);
    seen.add(c);
  }
  const missing = requiredColumns(type).filter((c) => !seen.has(c));
  const problems: string[] = [];
  if (unknown.length) {
    const hints = unknown.map((u) => {
      const near = missing.concat(format.optional.filter((o) => !seen.has(o))).find((m) => editDistance(u, m) <= 2);
      return near ? `"${u}" (did you mean ${near}?)` : `"${u}"`;
    });
    problems.push(`Unknown column${unknown.length > 1 ? "s" : ""} ${hints.join(", ")}`);
  }
  if (missing.length) problems.push(`Missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  if (duplicates.length) problems.push(`Column${duplicates.length > 1 ? "s" : ""} ${duplicates.join(", ")} appear${duplicates.length > 1 ? "" : "s"} twice`);
  if (problems.length === 0) return { ok: true, columns, unknown, missing, duplicates };
  return {
    ok: false,
    columns,
    unknown,
    missing,
    duplicates,
    error: `${problems.join(". ")}. A ${type} file has the columns: ${format.columns.join(", ")}` +
      (format.optional.length ? ` (${format.optional.join(", ")} may be left out)` : ""),
  };
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The column reference of the upload page: every type's columns, whether required, and what each accepts. */
export function columnReference() {
  return IMPORT_TYPES.map((type) => {
    const def = REGISTRY[type];
    return {
      type,
      label: def.label,
      key: def.key,
      columns: def.columns.map((c) => ({ name: c, required: !def.optional.includes(c), note: (def.notes as Record<string, string>)[c] ?? "" })),
    };
  });
}
