import { parseDate } from "../domain/dates";

/** Filters of the audit log page (app/routes/audit.tsx) and its CSV export, read from the query string. */
export const AUDIT_PAGE_SIZE = 50;
/** Rows one CSV export may hold; more asks the user to narrow the filters (the server's memory is bounded). */
export const AUDIT_CSV_MAX_ROWS = 20_000;

const MAX_TEXT = 100;

export interface AuditFilterValues {
  entity: string;
  user: string;
  action: string;
  center: string;
  award: string;
  from: string;
  to: string;
}

export interface ParsedAuditFilter {
  /** What the form shows (as typed, so a bad date stays visible next to its message). */
  values: AuditFilterValues;
  /** Valid filters only; a field with an error is left out. Center and award are resolved by the loader. */
  filter: { entity?: string; userId?: number; action?: string; centerCode?: string; awardNumber?: string; from?: string; to?: string };
  page: number;
  errors: Partial<Record<keyof AuditFilterValues, string>>;
}

export function parseAuditFilter(params: URLSearchParams): ParsedAuditFilter {
  const text = (name: string) => (params.get(name) ?? "").trim().slice(0, MAX_TEXT);
  const values: AuditFilterValues = {
    entity: text("entity"),
    user: text("user"),
    action: text("action"),
    center: text("center"),
    award: text("award"),
    from: text("from"),
    to: text("to"),
  };
  const filter: ParsedAuditFilter["filter"] = {};
  const errors: ParsedAuditFilter["errors"] = {};
  if (values.entity) filter.entity = values.entity;
  if (values.action) filter.action = values.action;
  if (values.center) filter.centerCode = values.center.toUpperCase();
  if (values.award) filter.awardNumber = values.award;
  if (values.user) {
    if (/^\d{1,9}$/.test(values.user)) filter.userId = Number(values.user);
    else errors.user = "Choose a user from the list.";
  }
  for (const key of ["from", "to"] as const) {
    if (!values[key]) continue;
    const d = parseDate(values[key]);
    if (d.ok) filter[key] = d.date;
    else errors[key] = d.error;
  }
  if (filter.from && filter.to && filter.to < filter.from) {
    errors.to = "The end date is before the start date.";
    delete filter.to;
  }
  const pageParam = Number(params.get("page") ?? "1");
  const page = Number.isInteger(pageParam) && pageParam >= 1 && pageParam <= 1_000_000 ? pageParam : 1;
  return { values, filter, page, errors };
}

/** Query string for a page of the same filters. */
export function auditQuery(values: AuditFilterValues, page: number): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v) q.set(k, v);
  if (page > 1) q.set("page", String(page));
  const s = q.toString();
  return s ? `?${s}` : "";
}
