import type { Q } from "../../db/schema";
import { suspensionDate } from "../domain/obligations";
import { listAmendments } from "./amendments.server";
import { listClosedPeriods } from "./closed-periods.server";
import { listContributions, matchTotals } from "./match.server";
import { listDeadlines } from "./obligations.server";

/** The center reference the permission checks take. */
export function awardCenter(award: { center_id: number; center_state: string }) {
  return { id: award.center_id, state: award.center_state };
}

/**
 * What the award page shows of the award's lifecycle: its reporting obligations with
 * status as of `asOf`, how often it was amended, its match totals and its closed periods.
 */
export async function lifecycleOfAward(db: Q, award: { id: number; match_required_cents: number }, asOf: string) {
  const [obligations, amendments, contributions, periods] = await Promise.all([
    listDeadlines(db, { asOf, scope: { kind: "all" }, awardId: award.id }),
    listAmendments(db, award.id),
    listContributions(db, award.id),
    listClosedPeriods(db, award.id),
  ]);
  const last = amendments.at(-1);
  return {
    asOf,
    obligations: obligations.map((o) => ({
      id: o.id,
      report: o.report,
      periodStart: o.periodStart,
      periodEnd: o.periodEnd,
      due: o.due,
      submittedOn: o.submittedOn,
      reference: o.reference,
      status: o.status,
      suspension: o.agency === "DOJ" && o.status === "overdue" ? suspensionDate(o.due) : null,
    })),
    amendments: { count: amendments.length, last: last ? { number: last.number, date: last.date } : null },
    match: matchTotals(award.match_required_cents, contributions),
    closedPeriods: periods.filter((p) => p.reopened_at === null).map((p) => ({ start: p.period_start, end: p.period_end })),
  };
}
