import type { DB } from "../../db/client";

/**
 * A live award of the center in `fiscalYear` with its first live budget line that has at least
 * `room` cents left to spend: somewhere a test can add a payment that is accepted.
 */
export async function lineWithRoom(db: DB, centerId: number, fiscalYear: number, room = 10_000_00) {
  return db
    .selectFrom("awards")
    .innerJoin("budget_lines", "budget_lines.award_id", "awards.id")
    .select(["awards.id", "awards.award_number", "budget_lines.line_id", "budget_lines.version", "budget_lines.amount_cents", "budget_lines.spent_cents", "budget_lines.capability_id", "budget_lines.poete", "budget_lines.cost_category", "budget_lines.description"])
    .where("awards.center_id", "=", centerId)
    .where("awards.fiscal_year", "=", fiscalYear)
    .where("awards.voided_at", "is", null)
    .where("budget_lines.voided_at", "is", null)
    .where((eb) => eb(eb("budget_lines.amount_cents", "-", eb.ref("budget_lines.spent_cents")), ">=", room))
    .orderBy("budget_lines.id")
    .executeTakeFirstOrThrow();
}
