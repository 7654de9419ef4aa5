/**
 * Assessment forms and sign-off: one set of schemas shared by the form
 * (Conform client validation) and the action (parseWithZod on the server).
 */
import { z } from "zod";
import type { AssessmentStatus } from "../../db/schema";
import { FISCAL_YEAR_MESSAGE, parseFiscalYear } from "../domain/fiscal-year";
import { parseMoney } from "../domain/money";
import { STATUSES, STATUS_LABELS } from "../domain/scores";

/** Evidence limit; the same CHECK sits on assessments.evidence (migrations/0001). */
export const EVIDENCE_MAX = 4000;
/** Reviewer notes share the evidence limit. */
export const NOTE_MAX = 4000;
/** A bulk form never holds more rows than this (the catalog has a few hundred at most). */
export const MAX_ROWS = 2000;

export const STATUS_MESSAGE = `Choose a status: ${STATUSES.map((s) => STATUS_LABELS[s].toLowerCase()).join(", ")}`;
export const YEAR_MESSAGE = FISCAL_YEAR_MESSAGE;

export function isStatus(value: unknown): value is AssessmentStatus {
  return typeof value === "string" && (STATUSES as readonly string[]).includes(value);
}


// ---------------------------------------------------------------------------------------------
// Rows of the assessment form
// ---------------------------------------------------------------------------------------------

/** One validated row. status null = leave "not assessed" (only for a row never saved). */
export interface AssessmentInput {
  /** Position in the submitted form, to put a server-side message (conflict) next to the row. */
  index: number;
  capabilityId: string;
  status: AssessmentStatus | null;
  evidence: string;
  estCostCents: number | null;
  /** Version the form was loaded with; null for a capability that had no row yet. */
  version: number | null;
}

export interface RowIssue {
  field: "capabilityId" | "status" | "evidence" | "estCost" | "version";
  message: string;
}

const text = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));

/** Checks one submitted row; pure, so the browser and the server give the same messages. */
export function validateRow(
  raw: unknown,
  index: number,
  knownCapabilities: ReadonlySet<string>,
): { ok: true; value: AssessmentInput } | { ok: false; issues: RowIssue[] } {
  const r = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const issues: RowIssue[] = [];
  const capabilityId = text(r.capabilityId).trim();
  if (!capabilityId) issues.push({ field: "capabilityId", message: "The capability is missing" });
  else if (!knownCapabilities.has(capabilityId)) issues.push({ field: "capabilityId", message: `Unknown capability "${capabilityId.slice(0, 40)}"` });

  const versionText = text(r.version).trim();
  let version: number | null = null;
  if (versionText !== "") {
    if (!/^\d{1,9}$/.test(versionText) || Number(versionText) < 1) issues.push({ field: "version", message: "The row's version is not valid; reload the page" });
    else version = Number(versionText);
  }

  const statusText = text(r.status).trim();
  // Browsers send a textarea's line breaks as CRLF; store them as LF so the limit counts what the user sees.
  const evidence = text(r.evidence).replace(/\r\n?/g, "\n");
  const costText = text(r.estCost).trim();
  let status: AssessmentStatus | null = null;
  if (statusText === "") {
    if (version !== null) issues.push({ field: "status", message: "Choose a status: a capability already assessed cannot go back to not assessed" });
    else if (evidence.trim() !== "" || costText !== "") issues.push({ field: "status", message: "Choose a status to save evidence or a cost" });
  } else if (isStatus(statusText)) status = statusText;
  else issues.push({ field: "status", message: STATUS_MESSAGE });

  if (evidence.length > EVIDENCE_MAX) {
    issues.push({ field: "evidence", message: `Evidence is ${evidence.length.toLocaleString("en-US")} characters; the limit is ${EVIDENCE_MAX.toLocaleString("en-US")}` });
  }

  let estCostCents: number | null = null;
  if (costText !== "") {
    const money = parseMoney(costText);
    if (money.ok) estCostCents = money.cents;
    else issues.push({ field: "estCost", message: money.error });
  }

  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: { index, capabilityId, status, evidence, estCostCents, version } };
}

export type RowsIntent = { kind: "save" } | { kind: "row"; capabilityId: string };

/** "save" (the whole form) or "row:<capability id>" (one row's Save button). */
export function parseRowsIntent(value: unknown): RowsIntent | null {
  const v = text(value);
  if (v === "save") return { kind: "save" };
  if (v.startsWith("row:") && v.length > 4) return { kind: "row", capabilityId: v.slice(4) };
  return null;
}

/** The raw fields of one row as the form sends them (checked by validateRow). */
const rowFields = z.object({
  capabilityId: z.string().optional(),
  status: z.string().optional(),
  evidence: z.string().optional(),
  estCost: z.string().optional(),
  version: z.string().optional(),
});

export interface AssessmentRowsValue {
  intent: RowsIntent;
  rows: AssessmentInput[];
}

/**
 * The bulk form: fields rows[i].capabilityId/status/evidence/estCost/version, plus the submit
 * button's intent. A row's Save button validates and saves only that row; "save" validates every
 * row and saves all or nothing. `knownCapabilities`: the assessable capabilities of the catalog.
 */
export function assessmentRowsSchema(knownCapabilities: ReadonlySet<string>) {
  return z
    .object({
      intent: z.string().optional(),
      rows: z.array(rowFields).max(MAX_ROWS, `At most ${MAX_ROWS} rows can be saved at once`).optional(),
    })
    .transform((v, ctx): AssessmentRowsValue => {
      const intent = parseRowsIntent(v.intent);
      if (!intent) {
        ctx.addIssue({ code: "custom", message: "Use the Save buttons of the form", path: [] });
        return z.NEVER;
      }
      const rows = v.rows ?? [];
      const out: AssessmentInput[] = [];
      const seen = new Map<string, number>();
      let matched = false;
      rows.forEach((raw, index) => {
        const id = text(raw.capabilityId).trim();
        if (intent.kind === "row" && id !== intent.capabilityId) return;
        matched = true;
        const checked = validateRow(raw, index, knownCapabilities);
        if (!checked.ok) {
          for (const issue of checked.issues) ctx.addIssue({ code: "custom", message: issue.message, path: ["rows", index, issue.field] });
          return;
        }
        if (seen.has(id)) {
          ctx.addIssue({ code: "custom", message: `${id} appears twice in the form (row ${seen.get(id)! + 1})`, path: ["rows", index, "capabilityId"] });
          return;
        }
        seen.set(id, index);
        out.push(checked.value);
      });
      if (intent.kind === "row" && !matched) {
        ctx.addIssue({ code: "custom", message: `Unknown capability "${intent.capabilityId.slice(0, 40)}"`, path: [] });
      }
      return { intent, rows: out };
    });
}

// ---------------------------------------------------------------------------------------------
// Starting a year, carrying forward, sign-off
// ---------------------------------------------------------------------------------------------

export const startYearSchema = z.object({
  fiscalYear: z.preprocess(
    (v) => (v === undefined ? undefined : parseFiscalYear(v) ?? Number.NaN),
    z.number({ message: YEAR_MESSAGE }),
  ),
});

export const REVIEW_INTENTS = ["submit", "validate", "request_changes", "reopen"] as const;
export type ReviewIntent = (typeof REVIEW_INTENTS)[number];

export const reviewSchema = z
  .object({
    intent: z.enum(REVIEW_INTENTS, { message: "Unknown sign-off step" }),
    note: z.string().max(NOTE_MAX, `The note is over ${NOTE_MAX.toLocaleString("en-US")} characters`).optional(),
    // Conform turns "" into undefined (a year without a sign-off row yet) and digits into a number.
    reviewVersion: z.number({ message: "Reload the page" }).int("Reload the page").min(1, "Reload the page").optional(),
  })
  .superRefine((v, ctx) => {
    if (v.intent === "request_changes" && !(v.note ?? "").trim()) {
      ctx.addIssue({ code: "custom", message: "Say what needs to change", path: ["note"] });
    }
  });

export type ReviewInput = z.output<typeof reviewSchema>;

/**
 * The version each row of a submitted form carried (capability id → version, null for a new row),
 * so a refused save can hand the same versions back and the user's next save is judged fairly.
 */
export function submittedVersions(formData: FormData): Record<string, number | null> {
  const caps = new Map<string, string>();
  const versions = new Map<string, string>();
  for (const [name, value] of formData.entries()) {
    const m = /^rows\[(\d+)\]\.(capabilityId|version)$/.exec(name);
    if (!m || typeof value !== "string") continue;
    (m[2] === "capabilityId" ? caps : versions).set(m[1], value.trim());
  }
  const out: Record<string, number | null> = {};
  for (const [index, cap] of caps) {
    const v = versions.get(index) ?? "";
    out[cap] = /^\d{1,9}$/.test(v) ? Number(v) : null;
  }
  return out;
}
