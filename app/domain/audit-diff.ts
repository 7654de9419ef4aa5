import { formatMoney } from "./money";

/**
 * Turns an audit row's before/after JSON into readable field changes, for the audit log page and the
 * History panels. Pure: no database, no request.
 */
export interface FieldChange {
  field: string;
  /** What users call the field: "Amount", "Period end", "Center". */
  label: string;
  /** "—" when the field did not exist before (a create) or after (a void of a whole record). */
  before: string;
  after: string;
}

/**
 * Names of the records an audit row's values point at (center_id 46 is "VA"), looked up by the
 * model for the rows on screen (app/models/audit.server.ts auditNames).
 */
export interface AuditNames {
  centers?: Record<string, string>;
  awards?: Record<string, string>;
  lines?: Record<string, string>;
  users?: Record<string, string>;
}

const MISSING = "—";

/** Bookkeeping columns: who and when are the row's own columns, the lock counter and ids mean nothing to a reader. */
const HIDDEN_FIELDS = new Set(["id", "version", "created_at", "updated_at", "updated_by", "import_batch_id", "sha256"]);

export const FIELD_LABELS: Record<string, string> = {
  amount_cents: "Amount",
  award_number: "Award",
  award_id: "Award",
  center_id: "Center",
  center_code: "Center",
  budget_line_id: "Budget line",
  line_id: "Budget line",
  spend_id: "Payment",
  capability_id: "Capability",
  capability: "Capability",
  program_code: "Program",
  program: "Program",
  fiscal_year: "Fiscal year",
  pop_start: "Period start",
  pop_end: "Period end",
  period_start: "Period start",
  period_end: "Period end",
  poete: "POETE",
  cost_category: "Cost category",
  est_cost_cents: "Estimated cost to close",
  match_required_cents: "Required match",
  budgeted_cents: "Budgeted",
  spent_cents: "Spent",
  voided_at: "Voided on",
  void_reason: "Reason for voiding",
  display_name: "Name",
  ics_token: "Calendar feed link",
  submitted_on: "Submitted on",
  submitted_by: "Submitted by",
  reviewed_by: "Reviewed by",
  closed_by: "Closed by",
  reopened_by: "Reopened by",
  created_by: "Recorded by",
  auditor_note: "Auditor's note",
  file_name: "File",
  rows_added: "Rows added",
  rows_changed: "Rows changed",
  rows_unchanged: "Rows unchanged",
  via: "From",
  carried_forward_from: "Carried forward from FY",
  ma_cap_pct: "M&A cap (%)",
  personnel_cap_pct: "Personnel cap (%)",
  match_pct: "Match (%)",
  pop_months: "Period (months)",
  kind: "Kind",
};

/** Fields whose values are codes ("not_achieved"): shown as words ("Not achieved"). */
const CODED_FIELDS = new Set(["status", "state", "disposition", "poete", "cost_category", "kind", "role", "type", "report", "action"]);

const CODE_LABELS: Record<string, string> = { ma: "M&A", in_kind: "In kind", state_official: "State official", changes_requested: "Changes requested" };

/** "not_achieved" → "Not achieved", "ma" → "M&A". */
export function codeLabel(code: string): string {
  if (CODE_LABELS[code]) return CODE_LABELS[code];
  const words = code.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function parse(json: string | null | undefined): unknown {
  if (json === null || json === undefined || json === "") return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function reference(field: string, value: unknown, names: AuditNames): string | undefined {
  const key = String(value);
  if (field === "center_id") return names.centers?.[key];
  if (field === "award_id") return names.awards?.[key];
  if (field === "budget_line_id") return names.lines?.[key];
  if (field === "user_id" || field.endsWith("_by")) return names.users?.[key];
  return undefined;
}

/** A list of plan funding or plan lines: "SHSP $100,000.00; UASI $50,000.00". */
function formatList(items: unknown[], names: AuditNames): string {
  if (items.length === 0) return "none";
  if (!items.every(isRecord)) return items.map((v) => formatAuditValue("value", v, names)).join(", ");
  return items
    .map((item) =>
      Object.entries(item)
        .filter(([k, v]) => !HIDDEN_FIELDS.has(k) && v !== null && v !== "")
        .map(([k, v]) => (k === "program" || k === "capability" || k === "description" ? formatAuditValue(k, v, names) : `${fieldLabel(k).toLowerCase()} ${formatAuditValue(k, v, names)}`))
        .join(" "),
    )
    .join("; ");
}

/** A field's value as a person reads it: money in dollars, codes as words, ids as the names users know. */
export function formatAuditValue(field: string, value: unknown, names: AuditNames = {}): string {
  if (value === undefined || value === null || value === "") return MISSING;
  if (typeof value === "number" && field.endsWith("_cents")) return formatMoney(value);
  if (typeof value === "string" && CODED_FIELDS.has(field)) return codeLabel(value);
  const ref = reference(field, value, names);
  if (ref !== undefined) return ref;
  if (field === "active" || field === "federal" || field === "privacy" || field === "demo") return value ? "Yes" : "No";
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return formatList(value, names);
  if (isRecord(value)) {
    return Object.entries(value)
      .filter(([k]) => !HIDDEN_FIELDS.has(k))
      .map(([k, v]) => `${fieldLabel(k)}: ${formatAuditValue(k, v, names)}`)
      .join("; ");
  }
  return String(value);
}

/** A readable label for a column name: "pop_end" → "Period end", "budgeted_cents" → "Budgeted". */
export function fieldLabel(field: string): string {
  if (FIELD_LABELS[field]) return FIELD_LABELS[field];
  return codeLabel(field.replace(/_cents$/, "").replace(/_json$/, "").replace(/_id$/, ""));
}

/** A label inside a sentence: "Amount" → "amount", but "M&A cap" and "POETE" keep their capitals. */
export function inSentence(label: string): string {
  return /^[A-Z][a-z]/.test(label) ? label.charAt(0).toLowerCase() + label.slice(1) : label;
}

/**
 * The fields that changed. A create lists every field it set to a value; an update lists only the
 * fields whose value differs (null, "" and a missing field all read as "—", so they count as equal);
 * bookkeeping fields (id, version, timestamps) are left out; a row whose JSON is not an object (a
 * batch summary, a plain value) shows as "Value".
 */
export function describeAuditChange(beforeJson: string | null | undefined, afterJson: string | null | undefined, names: AuditNames = {}): FieldChange[] {
  const before = parse(beforeJson);
  const after = parse(afterJson);
  if (before === undefined && after === undefined) return [];
  if ((before !== undefined && !isRecord(before)) || (after !== undefined && !isRecord(after))) {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    return [{ field: "value", label: "Value", before: formatAuditValue("value", before, names), after: formatAuditValue("value", after, names) }];
  }
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((f) => !HIDDEN_FIELDS.has(f));
  return fields
    .filter((f) => JSON.stringify(b[f]) !== JSON.stringify(a[f]))
    .map((f) => ({
      field: f,
      label: fieldLabel(f),
      before: f in b ? formatAuditValue(f, b[f], names) : MISSING,
      after: f in a ? formatAuditValue(f, a[f], names) : MISSING,
    }))
    .filter((c) => c.before !== c.after)
    // An image may carry a record both by id and by key (budget_line_id and line_id): show it once.
    .filter((c, i, all) => all.findIndex((o) => o.label === c.label && o.before === c.before && o.after === c.after) === i);
}

/** "Amount: $1,200.00 → $1,500.00; Status: Not achieved → Partial", for the CSV export. */
export function changesText(changes: FieldChange[], isCreate: boolean): string {
  return changes.map((c) => (isCreate ? `${c.label}: ${c.after}` : `${c.label}: ${c.before} → ${c.after}`)).join("; ");
}

/** What each kind of audited record is called on screen. */
export const ENTITY_LABELS: Record<string, string> = {
  award: "Award",
  budget_line: "Budget line",
  spending: "Payment",
  assessment: "Assessment",
  assessment_review: "Assessment sign-off",
  finding_response: "Finding response",
  match_contribution: "Match contribution",
  closed_period: "Closed period",
  amendment: "Amendment",
  reporting_obligation: "Reporting obligation",
  program: "Program",
  user: "User",
  plan: "Plan",
  import_batch: "Import",
  demo: "Demo data",
  prime_award: "Prime award",
};

export function entityLabel(entity: string): string {
  return ENTITY_LABELS[entity] ?? codeLabel(entity);
}

/** "2025-06-30 14:05 UTC": audit times are stored in UTC; showing UTC keeps server and browser output identical. */
export function formatAuditTime(at: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(at);
  return m ? `${m[1]} ${m[2]} UTC` : at;
}

export const ACTION_LABELS: Record<string, string> = {
  create: "Created",
  update: "Changed",
  void: "Voided",
  import: "Imported",
  delete: "Deleted",
  login: "Signed in",
  submit: "Submitted",
  validate: "Validated",
  reopen: "Reopened",
  close: "Closed",
};

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action;
}
