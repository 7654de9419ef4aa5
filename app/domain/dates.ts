/**
 * Dates are ISO `YYYY-MM-DD` text; fiscal years are federal (FY2024 = 2023-10-01 .. 2024-09-30).
 */

export type DateParse = { ok: true; date: string } | { ok: false; error: string };

export const MIN_FISCAL_YEAR = 2000;
export const MAX_FISCAL_YEAR = 2100;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

export function isValidYmd(y: number, m: number, d: number): boolean {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return false;
  if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1) return false;
  return d <= daysInMonth(y, m);
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** Accepts `YYYY-MM-DD` or `MM/DD/YYYY`; returns ISO text. */
export function parseDate(input: unknown): DateParse {
  if (typeof input !== "string" || input.trim() === "") return { ok: false, error: "Enter a date as YYYY-MM-DD" };
  const text = input.trim();
  let y: number, m: number, d: number;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  if (iso) {
    y = +iso[1];
    m = +iso[2];
    d = +iso[3];
  } else if (us) {
    m = +us[1];
    d = +us[2];
    y = +us[3];
  } else {
    return { ok: false, error: `"${text.slice(0, 30)}" is not a date (use YYYY-MM-DD or MM/DD/YYYY)` };
  }
  if (!isValidYmd(y, m, d)) return { ok: false, error: `"${text.slice(0, 30)}" is not a real calendar date` };
  return { ok: true, date: `${pad(y, 4)}-${pad(m)}-${pad(d)}` };
}

/** Federal fiscal year of an ISO date: October onward belongs to the next year. */
export function fiscalYearOf(date: string): number {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  return m >= 10 ? y + 1 : y;
}

export function fiscalYearStart(fy: number): string {
  return `${fy - 1}-10-01`;
}

export function fiscalYearEnd(fy: number): string {
  return `${fy}-09-30`;
}

/** Days since 1970-01-01 (UTC) for an ISO date; exact integer arithmetic for date differences. */
export function dayNumber(date: string): number {
  return Math.round(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / 86_400_000);
}

export function fromDayNumber(n: number): string {
  const dt = new Date(n * 86_400_000);
  return `${pad(dt.getUTCFullYear(), 4)}-${pad(dt.getUTCMonth() + 1)}-${pad(dt.getUTCDate())}`;
}

export function addDays(date: string, days: number): string {
  return fromDayNumber(dayNumber(date) + days);
}

/** Adds calendar months, clamping to the month's end (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(date: string, months: number): string {
  const y = +date.slice(0, 4);
  const m = +date.slice(5, 7) - 1 + months;
  const ny = y + Math.floor(m / 12);
  const nm = ((m % 12) + 12) % 12 + 1;
  const d = Math.min(+date.slice(8, 10), daysInMonth(ny, nm));
  return `${pad(ny, 4)}-${pad(nm)}-${pad(d)}`;
}

/** Inclusive count of days from start to end. */
export function daysBetweenInclusive(start: string, end: string): number {
  return dayNumber(end) - dayNumber(start) + 1;
}

export function todayIso(now: Date = new Date()): string {
  return `${pad(now.getUTCFullYear(), 4)}-${pad(now.getUTCMonth() + 1)}-${pad(now.getUTCDate())}`;
}

/** Fiscal year that contains today. */
export function currentFiscalYear(now: Date = new Date()): number {
  return fiscalYearOf(todayIso(now));
}

/**
 * The one rule for a date of grant data — a payment, a period of performance — on every form and
 * in every import: a real calendar date (parseDate) in federal fiscal years 2000..2100, like every
 * fiscal-year field. A date one path accepts is never refused by the other, so an export always
 * imports again.
 */
export function parseGrantDate(input: unknown): DateParse {
  const parsed = parseDate(input);
  if (!parsed.ok) return parsed;
  const problem = dateOutOfRange(parsed.date);
  return problem ? { ok: false, error: problem } : parsed;
}

const FIRST_DAY = fiscalYearStart(MIN_FISCAL_YEAR);
const LAST_DAY = fiscalYearEnd(MAX_FISCAL_YEAR);

/** Why an ISO date falls outside fiscal years 2000..2100, or null. */
export function dateOutOfRange(date: string): string | null {
  // ISO dates compare as text: no allocation on the hot path.
  if (date >= FIRST_DAY && date <= LAST_DAY) return null;
  return `${date} falls in FY${fiscalYearOf(date)}, outside the fiscal years ${MIN_FISCAL_YEAR} to ${MAX_FISCAL_YEAR} (${FIRST_DAY} to ${LAST_DAY})`;
}
