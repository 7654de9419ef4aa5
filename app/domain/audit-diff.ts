import { formatMoney } from "./money";

/**
 * Turns an audit row's before/after JSON into readable field changes, for the audit log page and the
 * History panels. Pure: no database, no request.
 */
export interface FieldChange {
  field: string;
  /** "—" when the field did not exist before (a create) or after (a void of a whole record). */
  before: string;
  after: string;
}

const MISSING = "—";

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

/** A field's value as a person reads it: money in dollars, null as a dash, objects as compact JSON. */
export function formatAuditValue(field: string, value: unknown): string {
  if (value === undefined || value === null || value === "") return MISSING;
  if (typeof value === "number" && field.endsWith("_cents")) return formatMoney(value);
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** A readable label for a column name: "budgeted_cents" → "budgeted", "pop_end" → "pop end". */
export function fieldLabel(field: string): string {
  return field.replace(/_cents$/, "").replace(/_json$/, "").replace(/_/g, " ");
}

/**
 * The fields that changed. A create lists every field it set to a value; an update lists only the
 * fields whose value differs (null, "" and a missing field all read as "—", so they count as equal); a row whose JSON is not an object (a batch summary, a plain value) shows as "value".
 */
export function describeAuditChange(beforeJson: string | null | undefined, afterJson: string | null | undefined): FieldChange[] {
  const before = parse(beforeJson);
  const after = parse(afterJson);
  if (before === undefined && after === undefined) return [];
  if ((before !== undefined && !isRecord(before)) || (after !== undefined && !isRecord(after))) {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    return [{ field: "value", before: formatAuditValue("value", before), after: formatAuditValue("value", after) }];
  }
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return fields
    .filter((f) => JSON.stringify(b[f]) !== JSON.stringify(a[f]))
    .map((f) => ({ field: f, before: f in b ? formatAuditValue(f, b[f]) : MISSING, after: f in a ? formatAuditValue(f, a[f]) : MISSING }))
    .filter((c) => c.before !== c.after);
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
