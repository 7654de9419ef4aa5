/**
 * Database guards raise fixed messages (migrations/0003_triggers.ts, 0005_closed_periods.ts). Models
 * check first and give the figures; this maps whatever still reaches a trigger to a sentence a user
 * can act on, instead of a 500.
 */
const MESSAGES: Array<[code: string, sentence: string]> = [
  [
    "BASELINE_PERIOD_CLOSED",
    "This payment is dated in a closed reporting period of the award, so it cannot be added or changed. An administrator must reopen the period first.",
  ],
  ["BASELINE_OVERBUDGET", "The budget lines would add up to more than the award. Lower an amount or amend the award first."],
  ["BASELINE_OVERSPENT", "The spending would exceed the budget line's amount. Lower the amount or raise the line's budget first."],
  ["BASELINE_SPENT_NEGATIVE", "A refund or credit cannot take the spending on a budget line below zero. Lower the refund first."],
  ["BASELINE_OVERALLOCATED", "The sub-awards would add up to more than their prime award. Lower an amount first."],
  ["BASELINE_SUBAWARD_PROGRAM", "The prime award does not fund this program. Choose one of the prime's programs."],
  ["BASELINE_SUBAWARD_PERIOD", "The sub-award's period must lie within its prime award's period."],
];

/** A user-facing sentence for a Baseline guard error, or null for any other error (let it surface). */
export function friendlyDbError(error: unknown): string | null {
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : "";
  for (const [code, sentence] of MESSAGES) if (message.includes(code)) return sentence;
  return null;
}

/** True when the error is the closed-period guard (callers that want to attach it to the date field). */
export function isPeriodClosedError(error: unknown): boolean {
  return error instanceof Error && error.message.includes("BASELINE_PERIOD_CLOSED");
}
