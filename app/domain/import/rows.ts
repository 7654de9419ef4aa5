/**
 * Row validation for imports: one zod schema per type turns a record of cell texts into a typed
 * row (cents, ISO dates, null for "no capability"), or into errors that name the file row and the
 * column. Checks that need the database (unknown center, budget over award, ...) belong to the
 * caller, which gets the typed rows in file order with their row numbers.
 */
import { z } from "zod";
import { parseDate, MAX_FISCAL_YEAR, MIN_FISCAL_YEAR } from "../dates";
import { parseMoney } from "../money";
import { unescapeCell } from "./escape";
import {
  ASSESSMENT_STATUSES,
  CENTER_KINDS,
  COST_CATEGORIES,
  FORMATS,
  POETE_VALUES,
  PROGRAM_CODES,
  USPS_CODES,
  type ImportType,
} from "./formats";
import type { AssessmentStatus, CenterKind, CostCategory, Poete } from "../../../db/schema";

export interface CenterRow {
  code: string;
  name: string;
  state: string;
  kind: CenterKind;
}
export interface AwardRow {
  awardNumber: string;
  centerCode: string;
  programCode: (typeof PROGRAM_CODES)[number];
  fiscalYear: number;
  amountCents: number;
  popStart: string;
  popEnd: string;
}
export interface BudgetLineRow {
  lineId: string;
  awardNumber: string;
  capabilityId: string | null;
  poete: Poete;
  costCategory: CostCategory;
  amountCents: number;
  description: string;
}
export interface SpendingRow {
  spendId: string;
  lineId: string;
  date: string;
  amountCents: number;
  description: string;
}
export interface AssessmentRow {
  centerCode: string;
  fiscalYear: number;
  capabilityId: string;
  status: AssessmentStatus;
  evidence: string;
}

export interface RowTypes {
  centers: CenterRow;
  awards: AwardRow;
  budget_lines: BudgetLineRow;
  spending: SpendingRow;
  assessments: AssessmentRow;
}
export type RowOf<T extends ImportType> = RowTypes[T];
export type TypedRow = RowTypes[ImportType];

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

// Limits. Evidence ≤ 4000 characters is the assessments table's CHECK (migrations/0001).
export const MAX_EVIDENCE_CHARS = 4000;
// A description is one ledger line; 2000 characters is generous and keeps exports readable.
export const MAX_DESCRIPTION_CHARS = 2000;
export const MAX_NAME_CHARS = 200;
export const MAX_ID_CHARS = 64;

function fail(ctx: z.RefinementCtx, message: string): typeof z.NEVER {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
}

function quote(text: string): string {
  return `"${text.length > 40 ? text.slice(0, 40) + "…" : text}"`;
}

// Control characters other than tab and line breaks are corruption, not text anyone typed.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Identifiers (codes, award numbers, line and spend ids) start with a letter or digit, so they can never look like a formula. */
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9 ._\-/#:()]*$/;
const identifier = (what: string) =>
  z.string().transform((raw, ctx) => {
    const s = raw.trim();
    if (s === "") return fail(ctx, `${what} is required`);
    if (s.length > MAX_ID_CHARS) return fail(ctx, `${what} is longer than ${MAX_ID_CHARS} characters`);
    if (!ID_RE.test(s)) {
      return fail(ctx, `${what} ${quote(s)} may use only letters, digits, spaces and . _ - / # : ( ), starting with a letter or digit`);
    }
    return s;
  });

/** Free text: trimmed, the export's leading-apostrophe escape undone; other formula-looking text is kept as typed. */
const text = (what: string, max: number, required: boolean) =>
  z.string().transform((raw, ctx) => {
    const s = unescapeCell(raw.trim());
    if (required && s === "") return fail(ctx, `${what} is required`);
    if (s.length > max) return fail(ctx, `${what} is ${s.length} characters long; the limit is ${max}`);
    if (CONTROL.test(s)) return fail(ctx, `${what} contains a control character (a damaged or binary file?)`);
    return s;
  });

const money = z.string().transform((raw, ctx) => {
  const r = parseMoney(raw);
  return r.ok ? r.cents : fail(ctx, r.error);
});

const date = z.string().transform((raw, ctx) => {
  const r = parseDate(raw);
  return r.ok ? r.date : fail(ctx, r.error);
});

const FY_RE = /^(?:FY\s*)?(\d{4})$/i;
/** "2024" or "FY2024"; federal fiscal years 2000..2100 (app/domain/dates.ts). */
export function parseFiscalYear(raw: string): number | null {
  const m = FY_RE.exec(raw.trim());
  if (!m) return null;
  const fy = Number(m[1]);
  return fy >= MIN_FISCAL_YEAR && fy <= MAX_FISCAL_YEAR ? fy : null;
}
const fiscalYear = z.string().transform((raw, ctx) => {
  const s = raw.trim();
  if (s === "") return fail(ctx, "Fiscal year is required");
  const fy = parseFiscalYear(s);
  return fy ?? fail(ctx, `${quote(s)} is not a fiscal year from ${MIN_FISCAL_YEAR} to ${MAX_FISCAL_YEAR} (like 2024 or FY2024)`);
});

/** Choice columns: case, spaces and hyphens are forgiven ("Not achieved" → not_achieved). */
function choice<const V extends string>(what: string, values: readonly V[], aliases: Record<string, V> = {}) {
  return z.string().transform((raw, ctx): V => {
    const s = raw.trim();
    if (s === "") return fail(ctx, `${what} is required (one of ${values.join(", ")})`);
    const key = s.toLowerCase().replace(/[\s-]+/g, "_");
    const hit = (values as readonly string[]).includes(key) ? (key as V) : aliases[key];
    return hit ?? fail(ctx, `${quote(s)} is not a ${what.toLowerCase()}; use one of ${values.join(", ")}`);
  });
}

const program = z.string().transform((raw, ctx) => {
  const s = raw.trim().toUpperCase();
  if (s === "") return fail(ctx, `Program is required (one of ${PROGRAM_CODES.join(", ")})`);
  const hit = PROGRAM_CODES.find((p) => p === s);
  return hit ?? fail(ctx, `${quote(raw.trim())} is not a program; use one of ${PROGRAM_CODES.join(", ")}`);
});

const state = z.string().transform((raw, ctx) => {
  const s = raw.trim().toUpperCase();
  if (s === "") return fail(ctx, "State is required (a two-letter USPS code like TX)");
  return USPS_CODES.has(s) ? s : fail(ctx, `${quote(raw.trim())} is not a USPS state or territory code (like TX, DC or PR)`);
});

/** Catalog ids: I.A, II.B, COC-2, EC-1, FCG-8, I.A.1 … (existence is checked against the catalog by the caller). */
const CAPABILITY_RE = /^[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*$/;
const capability = (required: boolean) =>
  z.string().transform((raw, ctx): string | null => {
    const s = raw.trim();
    if (s === "") return required ? fail(ctx, "Capability is required (a catalog id like I.A or COC-2)") : null;
    if (s.length > 40 || !CAPABILITY_RE.test(s)) return fail(ctx, `${quote(s)} is not a capability id (like I.A, II.B, COC-2 or EC-1)`);
    return s;
  });

const SCHEMAS: { [T in ImportType]: z.ZodType<RowOf<T>, Record<string, string>> } = {
  centers: z
    .object({
      code: identifier("Center code"),
      name: text("Name", MAX_NAME_CHARS, true),
      state,
      kind: choice("Kind", CENTER_KINDS),
    })
    .transform((v): CenterRow => v),
  awards: z
    .object({
      award_number: identifier("Award number"),
      center: identifier("Center code"),
      program,
      fiscal_year: fiscalYear,
      amount: money,
      pop_start: date,
      pop_end: date,
    })
    .superRefine((v, ctx) => {
      if (v.pop_start > v.pop_end) {
        ctx.addIssue({
          code: "custom",
          path: ["pop_end"],
          message: `The period of performance ends (${v.pop_end}) before it starts (${v.pop_start})`,
        });
      }
    })
    .transform(
      (v): AwardRow => ({
        awardNumber: v.award_number,
        centerCode: v.center,
        programCode: v.program,
        fiscalYear: v.fiscal_year,
        amountCents: v.amount,
        popStart: v.pop_start,
        popEnd: v.pop_end,
      }),
    ),
  budget_lines: z
    .object({
      line_id: identifier("Line id"),
      award_number: identifier("Award number"),
      capability: capability(false),
      poete: choice("POETE category", POETE_VALUES),
      cost_category: choice("Cost category", COST_CATEGORIES, { "m&a": "ma", m_a: "ma" }),
      amount: money,
      description: text("Description", MAX_DESCRIPTION_CHARS, false),
    })
    .transform(
      (v): BudgetLineRow => ({
        lineId: v.line_id,
        awardNumber: v.award_number,
        capabilityId: v.capability,
        poete: v.poete,
        costCategory: v.cost_category,
        amountCents: v.amount,
        description: v.description,
      }),
    ),
  spending: z
    .object({
      spend_id: identifier("Spend id"),
      line_id: identifier("Line id"),
      date,
      amount: money,
      description: text("Description", MAX_DESCRIPTION_CHARS, false),
    })
    .transform(
      (v): SpendingRow => ({
        spendId: v.spend_id,
        lineId: v.line_id,
        date: v.date,
        amountCents: v.amount,
        description: v.description,
      }),
    ),
  assessments: z
    .object({
      center: identifier("Center code"),
      fiscal_year: fiscalYear,
      capability: capability(true),
      status: choice("Status", ASSESSMENT_STATUSES),
      evidence: text("Evidence", MAX_EVIDENCE_CHARS, false),
    })
    .transform(
      (v): AssessmentRow => ({
        centerCode: v.center,
        fiscalYear: v.fiscal_year,
        capabilityId: v.capability as string,
        status: v.status,
        evidence: v.evidence,
      }),
    ),
};

/** Validates one record on its own (no duplicate check). `rowNumber` is the file line (header = 1). */
export function validateRow<T extends ImportType>(type: T, record: RawRecord, rowNumber: number): RowValidation<RowOf<T>> {
  const input: Record<string, string> = {};
  for (const c of FORMATS[type].columns) input[c] = record[c] ?? "";
  const result = SCHEMAS[type].safeParse(input);
  if (result.success) return { ok: true, rowNumber, row: result.data };
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
