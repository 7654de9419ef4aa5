/**
 * Cell rules shared by the import types (app/import/types/): each turns the text of one cell into
 * a typed value (cents, ISO dates, codes) or an error message for that cell. A type's row schema
 * is a zod object of these, so every type reads money, dates and identifiers the same way.
 */
import { z } from "zod";
import type { AssessmentStatus, CenterKind, CostCategory, Poete } from "../../db/schema";
import { MAX_FISCAL_YEAR, MIN_FISCAL_YEAR, parseDate } from "../domain/dates";
import { parseFiscalYear } from "../domain/fiscal-year";
import { parseMoney, type MoneyOptions } from "../domain/money";
import { parseUei } from "../domain/subawards";
import { unescapeCell } from "./escape";

// USPS two-letter codes: the 50 states, DC and the inhabited territories (PR, GU, VI, AS, MP).
export const USPS_CODES: ReadonlySet<string> = new Set([
  "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
  "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND",
  "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
  "DC", "PR", "GU", "VI", "AS", "MP",
]);

export const CENTER_KINDS = ["state", "urban_area"] as const satisfies readonly CenterKind[];

// Full names (and the usual "Washington DC"), matched ignoring case, spaces and punctuation.
const STATE_NAMES: Record<string, string> = Object.fromEntries(
  (
    [
      ["Alabama", "AL"], ["Alaska", "AK"], ["Arizona", "AZ"], ["Arkansas", "AR"], ["California", "CA"], ["Colorado", "CO"], ["Connecticut", "CT"],
      ["Delaware", "DE"], ["Florida", "FL"], ["Georgia", "GA"], ["Hawaii", "HI"], ["Idaho", "ID"], ["Illinois", "IL"], ["Indiana", "IN"], ["Iowa", "IA"],
      ["Kansas", "KS"], ["Kentucky", "KY"], ["Louisiana", "LA"], ["Maine", "ME"], ["Maryland", "MD"], ["Massachusetts", "MA"], ["Michigan", "MI"],
      ["Minnesota", "MN"], ["Mississippi", "MS"], ["Missouri", "MO"], ["Montana", "MT"], ["Nebraska", "NE"], ["Nevada", "NV"], ["New Hampshire", "NH"],
      ["New Jersey", "NJ"], ["New Mexico", "NM"], ["New York", "NY"], ["North Carolina", "NC"], ["North Dakota", "ND"], ["Ohio", "OH"], ["Oklahoma", "OK"],
      ["Oregon", "OR"], ["Pennsylvania", "PA"], ["Rhode Island", "RI"], ["South Carolina", "SC"], ["South Dakota", "SD"], ["Tennessee", "TN"],
      ["Texas", "TX"], ["Utah", "UT"], ["Vermont", "VT"], ["Virginia", "VA"], ["Washington", "WA"], ["West Virginia", "WV"], ["Wisconsin", "WI"],
      ["Wyoming", "WY"], ["District of Columbia", "DC"], ["Washington DC", "DC"], ["Puerto Rico", "PR"], ["Guam", "GU"],
      ["U.S. Virgin Islands", "VI"], ["Virgin Islands", "VI"], ["American Samoa", "AS"], ["Northern Mariana Islands", "MP"],
    ] as const
  ).map(([name, code]) => [stateKey(name), code]),
);

function stateKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z]/g, "");
}
export const PROGRAM_CODES = ["SHSP", "UASI", "OPSG", "JAG", "COPS", "OTHER_FED", "STATE", "LOCAL"] as const;
export const POETE_VALUES = ["planning", "organization", "equipment", "training", "exercises"] as const satisfies readonly Poete[];
export const COST_CATEGORIES = [
  "personnel",
  "fringe",
  "travel",
  "equipment",
  "supplies",
  "contractual",
  "other",
  "indirect",
  "ma",
] as const satisfies readonly CostCategory[];
export const ASSESSMENT_STATUSES = [
  "achieved",
  "partial",
  "not_achieved",
  "not_applicable",
] as const satisfies readonly AssessmentStatus[];

// Limits. Evidence ≤ 4000 characters is the assessments table's CHECK (migrations/0001).
export const MAX_EVIDENCE_CHARS = 4000;
// A description is one ledger line; 2000 characters is generous and keeps exports readable.
export const MAX_DESCRIPTION_CHARS = 2000;
export const MAX_NAME_CHARS = 200;
export const MAX_ID_CHARS = 64;

export function fail(ctx: z.RefinementCtx, message: string): typeof z.NEVER {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
}

export function quote(text: string): string {
  return `"${text.length > 40 ? text.slice(0, 40) + "…" : text}"`;
}

// Control characters other than tab and line breaks are corruption, not text anyone typed.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Identifiers (codes, award numbers, line and spend ids) start with a letter or digit, so they can never look like a formula. */
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9 ._\-/#:()]*$/;
export const identifier = (what: string) =>
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
export const text = (what: string, max: number, required: boolean) =>
  z.string().transform((raw, ctx) => {
    const s = unescapeCell(raw.trim());
    if (required && s === "") return fail(ctx, `${what} is required`);
    if (s.length > max) return fail(ctx, `${what} is ${s.length} characters long; the limit is ${max}`);
    if (CONTROL.test(s)) return fail(ctx, `${what} contains a control character (a damaged or binary file?)`);
    return s;
  });

const moneyCell = (options: MoneyOptions) =>
  z.string().transform((raw, ctx) => {
    const r = parseMoney(raw, options);
    return r.ok ? r.cents : fail(ctx, r.error);
  });

export const money = moneyCell({});

/** A payment may be a refund or credit: "-2,500.00" or "(2,500.00)" (docs/decisions/018). */
export const signedMoney = moneyCell({ allowNegative: true });

/** A calendar date; the handlers add the fiscal-year range of the forms' rule (app/domain/dates.ts dateOutOfRange). */
export const date = z.string().transform((raw, ctx) => {
  const r = parseDate(raw);
  return r.ok ? r.date : fail(ctx, r.error);
});

/** As `date`, but an empty cell is no date (null). */
export const optionalDate = z.string().transform((raw, ctx): string | null => {
  if (raw.trim() === "") return null;
  const r = parseDate(raw);
  return r.ok ? r.date : fail(ctx, r.error);
});

/** As `signedMoney`, but an empty cell is no amount (null). */
export const optionalSignedMoney = z.string().transform((raw, ctx): number | null => {
  if (raw.trim() === "") return null;
  const r = parseMoney(raw, { allowNegative: true });
  return r.ok ? r.cents : fail(ctx, r.error);
});

/** "2024" or "FY2024": the one fiscal-year parser (app/domain/fiscal-year.ts). */
export { parseFiscalYear };
export const fiscalYear = z.string().transform((raw, ctx) => {
  const s = raw.trim();
  if (s === "") return fail(ctx, "Fiscal year is required");
  const fy = parseFiscalYear(s);
  return fy ?? fail(ctx, `${quote(s)} is not a fiscal year from ${MIN_FISCAL_YEAR} to ${MAX_FISCAL_YEAR} (like 2024 or FY2024)`);
});

/** Choice columns: case, spaces and hyphens are forgiven ("Not achieved" → not_achieved). */
export function choice<const V extends string>(what: string, values: readonly V[], aliases: Record<string, V> = {}) {
  return z.string().transform((raw, ctx): V => {
    const s = raw.trim();
    if (s === "") return fail(ctx, `${what} is required (one of ${values.join(", ")})`);
    const key = s.toLowerCase().replace(/[\s-]+/g, "_");
    const hit = (values as readonly string[]).includes(key) ? (key as V) : Object.hasOwn(aliases, key) ? aliases[key] : undefined;
    return hit ?? fail(ctx, `${quote(s)} is not a ${what.toLowerCase()}; use one of ${values.join(", ")}`);
  });
}

export const program = z.string().transform((raw, ctx) => {
  const s = raw.trim().toUpperCase();
  if (s === "") return fail(ctx, `Program is required (one of ${PROGRAM_CODES.join(", ")})`);
  const hit = PROGRAM_CODES.find((p) => p === s);
  return hit ?? fail(ctx, `${quote(raw.trim())} is not a program; use one of ${PROGRAM_CODES.join(", ")}`);
});

/** A USPS code ("TX", any case) or the state's full name ("Texas", "New York"). */
export const state = z.string().transform((raw, ctx) => {
  const s = raw.trim().toUpperCase();
  if (s === "") return fail(ctx, "State is required (a two-letter USPS code like TX)");
  if (USPS_CODES.has(s)) return s;
  return STATE_NAMES[stateKey(s)] ?? fail(ctx, `${quote(raw.trim())} is not a USPS state or territory code (like TX, DC or PR)`);
});

/** A SAM Unique Entity ID (app/domain/subawards.ts parseUei); empty is none (null). */
export const uei = z.string().transform((raw, ctx): string | null => {
  const r = parseUei(raw);
  return r.ok ? r.uei : fail(ctx, r.error);
});

/**
 * A UEI as a USAspending download publishes it for any subrecipient (docs/domain.md §3.7): upper-cased
 * letters and digits, empty when the row has none. Not checked as a SAM UEI (parseUei): rows for
 * subrecipients that are not centers are kept as published, and only an exact match names a center.
 * Not free text either, so no formula escape is undone that the export would not write back.
 */
export const publishedUei = (what: string) =>
  z.string().transform((raw, ctx) => {
    const s = raw.trim().toUpperCase();
    if (s.length > 40) return fail(ctx, `${what} is longer than 40 characters`);
    if (s !== "" && !/^[A-Z0-9]+$/.test(s)) return fail(ctx, `${what} ${quote(raw.trim())} may use only letters and digits`);
    return s;
  });

/** `kind`: state / urban_area, or as DHS lists centers, Primary / Recognized. */
export const centerKind = choice("Kind", CENTER_KINDS, { primary: "state", recognized: "urban_area" });

/** Catalog ids: I.A, II.B, COC-2, EC-1, FCG-8, I.A.1 … (existence is checked against the catalog by the handler). */
const CAPABILITY_RE = /^[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*$/;
export const capability = (required: boolean) =>
  z.string().transform((raw, ctx): string | null => {
    const s = raw.trim();
    if (s === "") return required ? fail(ctx, "Capability is required (a catalog id like I.A or COC-2)") : null;
    if (s.length > 40 || !CAPABILITY_RE.test(s)) return fail(ctx, `${quote(s)} is not a capability id (like I.A, II.B, COC-2 or EC-1)`);
    return s;
  });
