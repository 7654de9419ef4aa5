import type { Kysely } from "kysely";
import type { Database, Q } from "../../db/schema";
import { inTransaction } from "../../db/transaction";
import { recordAudit } from "./audit.server";
import { shownUserName } from "./users.server";

/**
 * Closed reporting periods of an award. While a period is closed (not reopened),
 * triggers in migrations/0005_closed_periods.ts refuse any change to spending dated inside it.
 * Closing again after a reopen adds a new row, so the history of closes and reopens stays.
 */

export async function listClosedPeriods(db: Q, awardId: number) {
  return db
    .selectFrom("closed_periods")
    .leftJoin("users as closer", "closer.id", "closed_periods.closed_by")
    .leftJoin("users as reopener", "reopener.id", "closed_periods.reopened_by")
    .select([
      "closed_periods.id",
      "closed_periods.period_start",
      "closed_periods.period_end",
      "closed_periods.closed_at",
      "closed_periods.reopened_at",
      shownUserName("closer").as("closed_by_name"),
      shownUserName("reopener").as("reopened_by_name"),
    ])
    .where("closed_periods.award_id", "=", awardId)
    .orderBy("closed_periods.period_start")
    .orderBy("closed_periods.id")
    .execute();
}

/** The closed (not reopened) period of the award that covers the date, if any. */
export async function closedPeriodCovering(db: Q, awardId: number, date: string) {
  return db
    .selectFrom("closed_periods")
    .select(["id", "period_start", "period_end"])
    .where("award_id", "=", awardId)
    .where("reopened_at", "is", null)
    .where("period_start", "<=", date)
    .where("period_end", ">=", date)
    .orderBy("period_start")
    .executeTakeFirst();
}

export type PeriodResult = { ok: true; id: number } | { ok: false; message: string };

export async function closePeriod(
  db: Q,
  actorId: number,
  awardId: number,
  period: { start: string; end: string },
): Promise<PeriodResult> {
  return inTransaction(db, async (trx) => {
    const same = await trx
      .selectFrom("closed_periods")
      .select("id")
      .where("award_id", "=", awardId)
      .where("reopened_at", "is", null)
      .where("period_start", "<=", period.start)
      .where("period_end", ">=", period.end)
      .executeTakeFirst();
    if (same) return { ok: false as const, message: `${period.start} – ${period.end} is already inside a closed period` };
    const row = {
      award_id: awardId,
      period_start: period.start,
      period_end: period.end,
      closed_by: actorId,
      closed_at: new Date().toISOString(),
    };
    const { id } = await trx.insertInto("closed_periods").values(row).returning("id").executeTakeFirstOrThrow();
    await recordAudit(trx, { userId: actorId, action: "close", entity: "closed_period", entityId: id, after: { id, ...row } });
    return { ok: true as const, id };
  });
}

export async function reopenPeriod(db: Kysely<Database>, actorId: number, awardId: number, periodId: number): Promise<PeriodResult> {
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom("closed_periods").selectAll().where("id", "=", periodId).where("award_id", "=", awardId).executeTakeFirst();
    if (!before) return { ok: false as const, message: "No such closed period on this award" };
    if (before.reopened_at !== null) return { ok: false as const, message: `This period was already reopened on ${before.reopened_at.slice(0, 10)}` };
    const changes = { reopened_by: actorId, reopened_at: new Date().toISOString() };
    await trx.updateTable("closed_periods").set(changes).where("id", "=", periodId).execute();
    await recordAudit(trx, { userId: actorId, action: "reopen", entity: "closed_period", entityId: periodId, before, after: { ...before, ...changes } });
    return { ok: true as const, id: periodId };
  });
}
