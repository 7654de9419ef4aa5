import { z } from "zod";
import { MAX_FISCAL_YEAR, MIN_FISCAL_YEAR } from "../domain/dates";
import { RECONCILE_STATUSES } from "../domain/reconcile";
import { IMPORT_TYPES } from "../import/registry";
import { DISPOSITIONS, MAX_RESPONSE_LENGTH } from "./findings";

/**
 * The JSON API's shapes (docs/decisions/024-api-shape.md). These zod schemas are the only
 * description of the API: the handlers parse query strings and bodies with them, the responses are
 * typed by them, and /api/v1/openapi.json is generated from them (app/http/api/openapi.server.ts),
 * so the document cannot drift from the code.
 *
 * Money is an integer of cents (`*_cents`) and the same figure as a decimal string of dollars
 * (`amount: "1234.50"`), so no client has to divide a float.
 */

/** Schemas named in the OpenAPI document's components, by id. */
export const apiSchemas = z.registry<{ id: string; description?: string }>();

/** Descriptions of the named schemas, by id, for the document. */
export const SCHEMA_DESCRIPTIONS: Record<string, string> = {};

function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  apiSchemas.add(schema, { id, description });
  if (description) SCHEMA_DESCRIPTIONS[id] = description;
  return schema;
}

const cents = z.number().int().describe("Integer cents");
const decimal = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .describe("The same figure in dollars, as a decimal string");
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const fiscalYear = z.number().int().min(MIN_FISCAL_YEAR).max(MAX_FISCAL_YEAR);

// ---- Items ------------------------------------------------------------------------------------

export const Center = named(
  "Center",
  z.object({ id: z.number().int(), code: z.string(), name: z.string(), state: z.string(), kind: z.enum(["state", "urban_area"]), uei: z.string().nullable() }),
);

export const Capability = named(
  "Capability",
  z.object({
    id: z.string(),
    framework: z.string(),
    parent: z.string().nullable(),
    title: z.string(),
    description: z.string(),
    privacy: z.boolean(),
  }),
);

export const Assessment = named(
  "Assessment",
  z.object({
    id: z.number().int(),
    center: z.string(),
    fiscal_year: fiscalYear,
    capability: z.string(),
    status: z.enum(["achieved", "partial", "not_achieved", "not_applicable"]),
    evidence: z.string(),
    est_cost_cents: cents.nullable(),
    est_cost: decimal.nullable(),
    updated_at: z.string(),
  }),
);

export const PrimeAward = named(
  "PrimeAward",
  z.object({
    id: z.number().int(),
    award_number: z.string(),
    recipient: z.string(),
    state: z.string(),
    fiscal_year: fiscalYear,
    amount_cents: cents,
    amount: decimal,
    pop_start: isoDate,
    pop_end: isoDate,
    assistance_listing: z.string(),
    programs: z.array(z.string()),
  }),
);

export const Award = named(
  "Award",
  z.object({
    id: z.number().int(),
    award_number: z.string(),
    center: z.string(),
    program: z.string(),
    fiscal_year: fiscalYear,
    amount_cents: cents,
    amount: decimal,
    budgeted_cents: cents,
    budgeted: decimal,
    spent_cents: cents,
    spent: decimal,
    match_required_cents: cents,
    match_required: decimal,
    pop_start: isoDate,
    pop_end: isoDate,
    prime_award: z.string().nullable(),
    pass_through: z.string().nullable(),
    voided_at: z.string().nullable(),
  }),
);

export const BudgetLine = named(
  "BudgetLine",
  z.object({
    id: z.number().int(),
    line_id: z.string(),
    award: z.string(),
    center: z.string(),
    fiscal_year: fiscalYear,
    capability: z.string().nullable(),
    poete: z.string(),
    cost_category: z.string(),
    amount_cents: cents,
    amount: decimal,
    spent_cents: cents,
    spent: decimal,
    description: z.string(),
    voided_at: z.string().nullable(),
  }),
);

export const Spending = named(
  "Spending",
  z.object({
    id: z.number().int(),
    spend_id: z.string(),
    line_id: z.string(),
    award: z.string(),
    center: z.string(),
    date: isoDate,
    amount_cents: cents.describe("Integer cents; negative for a refund"),
    amount: decimal,
    description: z.string(),
    voided_at: z.string().nullable(),
  }),
);

export const Finding = named(
  "Finding",
  z.object({
    key: z.string().describe("Stable key of the finding: what responses and dispositions name"),
    rule: z.string(),
    severity: z.enum(["violation", "warning"]),
    center: z.string(),
    award: z.string().nullable(),
    fiscal_year: fiscalYear,
    capability: z.string().nullable(),
    amount_cents: cents.nullable(),
    amount: decimal.nullable(),
    message: z.string(),
    response: z.string().nullable(),
    disposition: z.enum(DISPOSITIONS).nullable(),
    auditor_note: z.string().nullable(),
    version: z.number().int().describe("The response's version, 0 before the first; send it back with a response or disposition"),
  }),
);

export const Score = named(
  "Score",
  z.object({
    center: z.string(),
    fiscal_year: fiscalYear,
    framework: z.string(),
    score: z.number().nullable(),
    achieved: z.number().int(),
    partial: z.number().int(),
    not_achieved: z.number().int(),
    not_applicable: z.number().int(),
    not_assessed: z.number().int(),
    gaps: z.number().int(),
  }),
);

export const Deadline = named(
  "Deadline",
  z.object({
    id: z.number().int(),
    center: z.string(),
    award: z.string(),
    program: z.string(),
    report: z.string(),
    period_start: isoDate,
    period_end: isoDate,
    due: isoDate,
    submitted_on: isoDate.nullable(),
    status: z.enum(["submitted", "upcoming", "overdue"]),
  }),
);

export const ReconciliationRow = named(
  "ReconciliationRow",
  z.object({
    status: z.enum(RECONCILE_STATUSES),
    prime_award: z.string(),
    subaward_number: z.string(),
    center: z.string(),
    baseline_amount_cents: cents.nullable(),
    baseline_amount: decimal.nullable(),
    usaspending_amount_cents: cents.nullable(),
    usaspending_amount: decimal.nullable(),
    difference_cents: cents.nullable(),
    difference: decimal.nullable(),
  }),
);

/** Every list answers `{ items, next_cursor }`. */
function page<T extends z.ZodType>(id: string, item: T) {
  return named(
    id,
    z.object({
      items: z.array(item),
      next_cursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
    }),
  );
}

export const PAGES = {
  centers: page("CenterPage", Center),
  capabilities: page("CapabilityPage", Capability),
  assessments: page("AssessmentPage", Assessment),
  prime_awards: page("PrimeAwardPage", PrimeAward),
  awards: page("AwardPage", Award),
  budget_lines: page("BudgetLinePage", BudgetLine),
  spending: page("SpendingPage", Spending),
  findings: page("FindingPage", Finding),
  scores: page("ScorePage", Score),
  deadlines: page("DeadlinePage", Deadline),
  reconciliation: page("ReconciliationPage", ReconciliationRow),
};

export type Item<K extends keyof typeof PAGES> = z.output<(typeof PAGES)[K]>["items"][number];

// ---- Errors (RFC 9457) ------------------------------------------------------------------------

export const ImportRowError = named(
  "ImportRowError",
  z.object({
    row: z.number().int().describe("CSV line or XLSX row (JSON: position in the rows array, from 1)"),
    column: z.string().describe('Column name; "" for the whole row'),
    message: z.string(),
  }),
);

export const Problem = named(
  "Problem",
  z.looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(ImportRowError).optional().describe("Import row errors, by row and column"),
    error_count: z.number().int().optional(),
  }),
  "application/problem+json (RFC 9457)",
);

// ---- Query strings ----------------------------------------------------------------------------

const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const opt = <T extends z.ZodType>(s: T) => z.preprocess(blank, s.optional());
const fyParam = opt(z.coerce.number().int().min(MIN_FISCAL_YEAR).max(MAX_FISCAL_YEAR)).describe("Fiscal year");
const centerParam = opt(z.string().max(40).regex(/^[A-Za-z0-9-]+$/)).describe("Center code, e.g. VA");
const stateParam = opt(z.string().regex(/^[A-Z]{2}$/)).describe("Two-letter state code");
const dateParam = opt(isoDate);
const boolParam = (fallback: boolean) =>
  z
    .preprocess(blank, z.enum(["true", "false"]).optional())
    .transform((v) => (v === undefined ? fallback : v === "true"));

export const pageParams = {
  limit: z.preprocess(blank, z.coerce.number().int().min(1).max(1000).default(100)).describe("Items per page, 1 to 1,000 (default 100)"),
  cursor: opt(z.string().max(500)).describe("next_cursor of the previous page"),
};

export const QUERIES = {
  centers: z.strictObject({ ...pageParams, state: stateParam, kind: opt(z.enum(["state", "urban_area"])) }),
  capabilities: z.strictObject({ ...pageParams, framework: opt(z.string().max(40)) }),
  assessments: z.strictObject({ ...pageParams, center: centerParam, fy: fyParam, capability: opt(z.string().max(40)) }),
  prime_awards: z.strictObject({ ...pageParams, state: stateParam, fy: fyParam }),
  awards: z.strictObject({ ...pageParams, center: centerParam, fy: fyParam, program: opt(z.string().max(20)), voided: boolParam(false).describe("Include voided awards") }),
  budget_lines: z.strictObject({ ...pageParams, center: centerParam, fy: fyParam, award: opt(z.string().max(60)), voided: boolParam(false) }),
  spending: z.strictObject({ ...pageParams, center: centerParam, fy: fyParam, award: opt(z.string().max(60)), from: dateParam, to: dateParam, voided: boolParam(false) }),
  findings: z.strictObject({
    ...pageParams,
    fy: fyParam.describe("Fiscal year (every year when absent)"),
    as_of: dateParam.describe("Report date (today when absent)"),
    center: centerParam,
    rule: opt(z.string().max(40)),
    severity: opt(z.enum(["violation", "warning"])),
  }),
  scores: z.strictObject({ ...pageParams, fy: z.coerce.number().int().min(MIN_FISCAL_YEAR).max(MAX_FISCAL_YEAR).describe("Fiscal year (required)"), framework: opt(z.string().max(40)) }),
  deadlines: z.strictObject({ ...pageParams, as_of: dateParam, center: centerParam, open: boolParam(false).describe("Only reports not yet submitted") }),
  reconciliation: z.strictObject({ ...pageParams, fy: fyParam, center: centerParam }),
  imports: z.strictObject({
    type: opt(z.enum(IMPORT_TYPES)).describe("Type of data; detected from the header row when absent (required for JSON)"),
    dry_run: boolParam(true).describe("Check only and write nothing (default true)"),
    allow_move: boolParam(false).describe("Awards may move to another center"),
  }),
  none: z.strictObject({}),
};

export const OpenApiDocument = named("OpenApiDocument", z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }), "An OpenAPI 3.1 document");

// ---- Write bodies and answers -----------------------------------------------------------------

export const ImportJsonBody = named(
  "ImportJsonBody",
  z.strictObject({
    rows: z
      .array(z.record(z.string(), z.union([z.string(), z.number(), z.null()])))
      .min(1)
      .describe("One object per row, keyed by the import format's column names (docs/import.md)"),
  }),
);

export const ImportResult = named(
  "ImportResult",
  z.object({
    type: z.enum(IMPORT_TYPES),
    dry_run: z.boolean(),
    committed: z.boolean(),
    rows_read: z.number().int(),
    added: z.number().int(),
    changed: z.number().int(),
    unchanged: z.number().int(),
    moves: z.array(z.object({ row: z.number().int(), key: z.string(), from: z.string(), to: z.string() })),
    batch_id: z.number().int().nullable(),
    sha256: z.string(),
  }),
);

const findingKey = z.string().min(1).max(500).describe("The finding's `key`, as listed by /api/v1/findings");
const asOf = isoDate.describe("The report date the finding fires at");

export const ResponseBody = named(
  "FindingResponseBody",
  z.strictObject({ key: findingKey, version: z.number().int().min(0), as_of: asOf, response: z.string().trim().min(1).max(MAX_RESPONSE_LENGTH) }),
);

export const DispositionBody = named(
  "FindingDispositionBody",
  z.strictObject({
    key: findingKey,
    version: z.number().int().min(0),
    as_of: asOf,
    disposition: z.enum(DISPOSITIONS),
    note: z.string().max(MAX_RESPONSE_LENGTH).default(""),
  }),
);

export const FindingResponseResult = named(
  "FindingResponseResult",
  z.object({
    key: z.string(),
    response: z.string(),
    disposition: z.enum(DISPOSITIONS),
    auditor_note: z.string(),
    version: z.number().int(),
    updated_at: z.string(),
  }),
);
