/**
 * Reporting obligations of an award: which reports fall due, for which period, on which date.
 * Pure date arithmetic on `YYYY-MM-DD` text; the model layer stores the result in reporting_obligations.
 *
 * Periods are cut from the calendar (half-years, quarters), then clipped to the award's period of
 * performance; the due date is always the calendar period's own due date, even for a clipped period.
 */
import type { ReportKind } from "./vocabulary";
import { addDays, addMonths, dayNumber } from "./dates";

export type { ReportKind };

export interface Obligation {
  report: ReportKind;
  periodStart: string;
  periodEnd: string;
  due: string;
}

export type ObligationStatus = "submitted" | "upcoming" | "overdue";

/** Quarterly financial and performance reports are due 30 days after the quarter ends (docs/domain.md §3.3, §3.5). */
export const QUARTERLY_DUE_DAYS = 30;
/** Final report: 120 days after the end of the period of performance (docs/domain.md §3.5, current practice). */
export const FINAL_DUE_DAYS = 120;
/** A missed DOJ report suspends the award's funds this many days after the due date (not in domain.md). */
export const DOJ_SUSPENSION_DAYS = 15;

const KIND_ORDER: readonly ReportKind[] = ["BSIR", "SF-425", "PMT", "FINAL"];

function maxDate(a: string, b: string): string {
  return a >= b ? a : b;
}

function minDate(a: string, b: string): string {
  return a <= b ? a : b;
}

/**
 * BSIR half-years (docs/domain.md §3.2): Jan 1–Jun 30 due Jul 30 the same year; Jul 1–Dec 31 due Jan 30 the next year.
 */
function bsirPeriods(popStart: string, popEnd: string): Obligation[] {
  const out: Obligation[] = [];
  const firstYear = +popStart.slice(0, 4);
  const lastYear = +popEnd.slice(0, 4);
  for (let y = firstYear; y <= lastYear; y++) {
    const halves = [
      { start: `${y}-01-01`, end: `${y}-06-30`, due: `${y}-07-30` },
      { start: `${y}-07-01`, end: `${y}-12-31`, due: `${y + 1}-01-30` },
    ];
    for (const h of halves) {
      if (h.end < popStart || h.start > popEnd) continue;
      out.push({ report: "BSIR", periodStart: maxDate(h.start, popStart), periodEnd: minDate(h.end, popEnd), due: h.due });
    }
  }
  return out;
}

/** Calendar quarters ending Mar 31, Jun 30, Sep 30, Dec 31 (docs/domain.md §3.5), due 30 days later. */
function quarterlyPeriods(report: "SF-425" | "PMT", popStart: string, popEnd: string): Obligation[] {
  const out: Obligation[] = [];
  const m = +popStart.slice(5, 7);
  let qStart = `${popStart.slice(0, 4)}-${String(m - ((m - 1) % 3)).padStart(2, "0")}-01`;
  while (qStart <= popEnd) {
    const next = addMonths(qStart, 3);
    const qEnd = addDays(next, -1);
    out.push({
      report,
      periodStart: maxDate(qStart, popStart),
      periodEnd: minDate(qEnd, popEnd),
      // Mar 31 → Apr 30, Jun 30 → Jul 30, Sep 30 → Oct 30, Dec 31 → Jan 30.
      due: addDays(qEnd, QUARTERLY_DUE_DAYS),
    });
    qStart = next;
  }
  return out;
}

/**
 * Every obligation of an award, ordered by due date (then BSIR, SF-425, PMT, FINAL).
 * `reports` is the program's list (programs.reports split on commas); unknown names and blanks are skipped,
 * duplicates count once. Throws RangeError when the award ends before it starts.
 */
export function generateObligations(award: { popStart: string; popEnd: string; reports: string[] }): Obligation[] {
  const { popStart, popEnd } = award;
  if (dayNumber(popEnd) < dayNumber(popStart)) {
    throw new RangeError(`Award ends (${popEnd}) before it starts (${popStart})`);
  }
  const kinds = new Set(award.reports.map((r) => r.trim().toUpperCase()));
  const out: Obligation[] = [];
  if (kinds.has("BSIR")) out.push(...bsirPeriods(popStart, popEnd));
  if (kinds.has("SF-425")) out.push(...quarterlyPeriods("SF-425", popStart, popEnd));
  // PMT follows the same quarterly calendar as the SF-425 (docs/domain.md §3.3).
  if (kinds.has("PMT")) out.push(...quarterlyPeriods("PMT", popStart, popEnd));
  if (kinds.has("FINAL")) {
    out.push({ report: "FINAL", periodStart: popStart, periodEnd: popEnd, due: addDays(popEnd, FINAL_DUE_DAYS) });
  }
  return out.sort(
    (a, b) =>
      a.due.localeCompare(b.due) ||
      KIND_ORDER.indexOf(a.report) - KIND_ORDER.indexOf(b.report) ||
      a.periodStart.localeCompare(b.periodStart),
  );
}

/** Submitted wins; otherwise a report is upcoming through its due date and overdue from the day after. */
export function obligationStatus(o: { due: string; submittedOn: string | null }, asOf: string): ObligationStatus {
  if (o.submittedOn !== null) return "submitted";
  return dayNumber(o.due) >= dayNumber(asOf) ? "upcoming" : "overdue";
}

/** Date a missed DOJ report suspends the award's funds: due + 15 days. */
export function suspensionDate(due: string): string {
  return addDays(due, DOJ_SUSPENSION_DAYS);
}

/** New array: overdue obligations first, then the rest; each group by due date (stable for ties). */
export function sortObligations<T extends { due: string; submittedOn: string | null }>(list: readonly T[], asOf: string): T[] {
  const rank = (o: T) => (obligationStatus(o, asOf) === "overdue" ? 0 : 1);
  return [...list].sort((a, b) => rank(a) - rank(b) || a.due.localeCompare(b.due));
}
