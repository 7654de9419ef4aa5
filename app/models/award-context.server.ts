import type { Q } from "../../db/schema";
import { suspensionDate } from "../domain/obligations";
import { listAmendments } from "./amendments.server";
import { listClosedPeriods } from "./closed-periods.server";
import { listContributions, matchTotals } from "./match.server";
import { listDeadlines } from "./obligations.server";

/**
 * One award with its program and center, as the lifecycle pages (amendments, match, periods) need
 * it for the permission check (center id and state) and the heading.
 */
export async function getAwardContext(db: Q, awardNumber: string) {
  return db
    .selectFrom("awards")
    .innerJoin("programs", "programs.code", "awards.program_code")
    .innerJoin("centers", "centers.id", "awards.center_id")
    .select([
      "awards.id",
      "awards.award_number",
      "awards.center_id",
      "awards.program_code",
      "awards.fiscal_year",
      "awards.amount_cents",
      "awards.pop_start",
      "awards.pop_end",
      "awards.match_required_cents",
      "awards.budgeted_cents",
      "awards.spent_cents",
      "awards.version",
      "awards.voided_at",
      "programs.name as program_name",
      "programs.agency",
      "programs.federal",
      "programs.match_pct",
      "programs.reports",
      "centers.code as center_code",
      "centers.name as center_name",
      "centers.state as center_state",
    ])
    .where("awards.award_number", "=", awardNumber)
    .executeTakeFirst();
}

export type AwardContext = NonNullable<Awaited<ReturnType<typeof getAwardContext>>>;

/** The center reference the permission checks take. */
export function awardCenter(award: Pick<AwardContext, "center_id" | "center_state">) {
  return { id: award.center_id, state: award.center_state };
}

/**
 * What the award page shows of the award's lifecycle (issue #11): its reporting obligations with
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
