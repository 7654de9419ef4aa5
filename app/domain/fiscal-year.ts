/**
 * The fiscal year in URLs: one parameter name (`fy`), one parser, one rule for a bad value (the
 * request is refused with 400 and says what a fiscal year looks like), and links that still say
 * `year=` are sent on to `fy=`. The default year, when the URL names none, is decided in
 * app/models/years.server.ts (docs/decisions/014-first-week.md).
 */
import { MAX_FISCAL_YEAR, MIN_FISCAL_YEAR } from "./dates";

export const FY_PARAM = "fy";
/** The old name, still found in bookmarks and exported links. */
const LEGACY_PARAM = "year";

export const FISCAL_YEAR_MESSAGE = `Enter a fiscal year from ${MIN_FISCAL_YEAR} to ${MAX_FISCAL_YEAR}`;

/**
 * A fiscal year from a URL, a form field or a file ("2025", "FY2025", "FY 2025", "FFY 2025", the two-digit
 * "FY25" = 2025, or 2025); null when it is not a year in range.
 */
export function parseFiscalYear(value: unknown): number | null {
  if (typeof value === "number") value = String(value);
  if (typeof value !== "string") return null;
  const m = /^\s*(?:(?:F?FY\s*)?(\d{4})|F?FY\s*(\d{2}))\s*$/i.exec(value);
  if (!m) return null;
  const n = m[1] !== undefined ? Number(m[1]) : 2000 + Number(m[2]);
  return n >= MIN_FISCAL_YEAR && n <= MAX_FISCAL_YEAR ? n : null;
}

export type FiscalYearParam =
  | { ok: true; fiscalYear: number | "all" | undefined }
  | { ok: false; message: string };

/** The `fy` of a query string: absent (undefined), a year, "all" where allowed, or refused with a message. */
export function readFiscalYearParam(params: URLSearchParams, opts: { allowAll?: boolean } = {}): FiscalYearParam {
  const raw = params.get(FY_PARAM);
  if (raw === null || raw.trim() === "") return { ok: true, fiscalYear: undefined };
  if (opts.allowAll && raw.trim().toLowerCase() === "all") return { ok: true, fiscalYear: "all" };
  const fy = parseFiscalYear(raw);
  if (fy !== null) return { ok: true, fiscalYear: fy };
  const shown = raw.length > 20 ? `${raw.slice(0, 20)}…` : raw;
  return { ok: false, message: `"${shown}" is not a fiscal year. ${FISCAL_YEAR_MESSAGE}, like ${FY_PARAM}=2025${opts.allowAll ? `, or ${FY_PARAM}=all` : ""}.` };
}

/** For a URL that still says `year=` (and not `fy=`): the same path and query with `fy=`; otherwise null. */
export function legacyYearLocation(url: URL): string | null {
  if (!url.searchParams.has(LEGACY_PARAM) || url.searchParams.has(FY_PARAM)) return null;
  const params = new URLSearchParams();
  for (const [k, v] of url.searchParams) params.append(k === LEGACY_PARAM ? FY_PARAM : k, v);
  return `${url.pathname}?${params}`;
}

/**
 * The year a new budget plan is for: the year after the latest year the center has awards in, so
 * that the plan follows the data rather than the calendar (a demo or a late import would otherwise
 * be offered a plan years past its last award); the calendar's next year when it has none.
 */
export function suggestedPlanYear(latestAwardYear: number | null, currentFiscalYear: number): number {
  return (latestAwardYear ?? currentFiscalYear) + 1;
}

/** Why a page opened on its year when the URL named none. */
export type DefaultYearBasis = "awards" | "assessments";

export interface DefaultYear {
  fiscalYear: number;
  basis: DefaultYearBasis;
}

/**
 * The year a page opens on when its URL names none (docs/decisions/014-first-week.md): the latest
 * fiscal year with a live award, so that one center starting next year's assessment early does not
 * move everyone to a nearly empty year; without any award, the latest assessed year; null without either.
 */
export function defaultYearOf(latestAwardYear: number | null, latestAssessedYear: number | null): DefaultYear | null {
  if (latestAwardYear !== null) return { fiscalYear: latestAwardYear, basis: "awards" };
  return latestAssessedYear === null ? null : { fiscalYear: latestAssessedYear, basis: "assessments" };
}

/** "FY2025, the latest year with awards": said on every page that chose the year itself. */
export function describeDefaultYear(d: DefaultYear): string {
  return `FY${d.fiscalYear}, the latest year with ${d.basis === "awards" ? "awards" : "assessments (no awards yet)"}`;
}
