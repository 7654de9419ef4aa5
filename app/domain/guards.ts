/**
 * The money and locking rules that every write path applies before it writes: the award and
 * budget-line forms (app/models/budget.server.ts), assessments (app/models/assessments.server.ts)
 * and the importer's handlers (app/import/types/). Each returns the refusal a user reads, with the
 * figures, or null when the write may go ahead. The SQLite triggers of migrations/0003 and 0005
 * enforce the same rules again as the last line of defence (docs/decisions/013-import-layout.md).
 */
import { formatMoney } from "./money";

/** Live budget lines of an award may not total more than the award. */
export function overBudget(newTotalCents: number, awardCents: number): string | null {
  if (newTotalCents <= awardCents) return null;
  return `Budget lines would total ${formatMoney(newTotalCents)}, over the award's ${formatMoney(awardCents)} by ${formatMoney(newTotalCents - awardCents)}`;
}

/** Live payments on a budget line may not total more than the line. */
export function overSpent(lineId: string, newSpentCents: number, lineCents: number): string | null {
  if (newSpentCents <= lineCents) return null;
  return `Spending on line ${lineId} would total ${formatMoney(newSpentCents)}, over the line's ${formatMoney(lineCents)} by ${formatMoney(newSpentCents - lineCents)}`;
}

/**
 * Refunds and credits are negative payments (docs/decisions/018): they lower spent, which never goes
 * below zero. `what` names the line ("line VA-L1").
 */
export function spentBelowZero(what: string, newSpentCents: number): string | null {
  if (newSpentCents >= 0) return null;
  return `Spending on ${what} would total ${formatMoney(newSpentCents)}; a refund or credit cannot take spent below $0.00 (${formatMoney(-newSpentCents)} too much)`;
}

/** A line's live payments after a change: between zero (refunds) and the line's amount. */
export function lineSpentProblem(lineId: string, newSpentCents: number, lineCents: number): string | null {
  return overSpent(lineId, newSpentCents, lineCents) ?? spentBelowZero(`line ${lineId}`, newSpentCents);
}

/** A reporting period an administrator closed (and has not reopened). */
export interface ClosedPeriod {
  start: string;
  end: string;
}

/** The closed period that covers an ISO date, if any: spending dated inside it cannot change. */
export function closedPeriodCovering<P extends ClosedPeriod>(periods: readonly P[] | undefined, date: string): P | undefined {
  return periods?.find((p) => date >= p.start && date <= p.end);
}

export function closedPeriodMessage(what: string, date: string, period: ClosedPeriod, awardNumber: string): string {
  return (
    `${what} ${date} falls in the closed reporting period ${period.start} to ${period.end} of award ${awardNumber}; ` +
    `an administrator must reopen the period first`
  );
}

/** Review states in which a center's assessment of a year is locked (docs/decisions/007-assessment-sign-off.md). */
export const LOCKED_REVIEW_STATES = ["submitted", "validated"] as const;

export function isLockedReview(state: string | null | undefined): boolean {
  return state !== null && state !== undefined && (LOCKED_REVIEW_STATES as readonly string[]).includes(state);
}
