import { sql } from "kysely";
import { isoDateMinusDays, zeroPadded } from "../../db/sql";
import { generateAllObligations } from "../models/obligations.server";
import type { DemoHook } from "./hooks.server";

/**
 * Demo reporting calendar: every federal award's obligations, with everything due before the
 * reference date recorded as submitted (on the due date or up to five days before, reference
 * "DEMO-…") — except the latest reports of a few chosen awards, left overdue so REPORT-OVERDUE
 * shows in the demo without turning most centers red.
 */
export const OVERDUE_PLANTS: ReadonlyArray<{ center: string; programs: string[] }> = [
  // The demo director's center: a DOJ report, so the suspension date shows too.
  { center: "VA", programs: ["JAG", "COPS", "OTHER_FED"] },
  { center: "NM", programs: ["SHSP", "OTHER_FED"] },
  { center: "TX-HOU", programs: ["UASI", "OTHER_FED"] },
];

export const demoObligationsHook: DemoHook = async (trx, { referenceDate, summary }) => {
  await generateAllObligations(trx);

  // Per plant: the latest-starting live federal award of the preferred program with a report due
  // before the reference date; its reports of the latest such due date stay unsubmitted.
  const keep: number[] = [];
  const planted: string[] = [];
  for (const plant of OVERDUE_PLANTS) {
    const candidates = await trx
      .selectFrom("reporting_obligations as o")
      .innerJoin("awards as a", "a.id", "o.award_id")
      .innerJoin("centers as c", "c.id", "a.center_id")
      .select(["a.id as awardId", "a.award_number", "a.program_code", "a.pop_start", (eb) => eb.fn.max("o.due").as("lastDue")])
      .where("c.code", "=", plant.center)
      .where("a.voided_at", "is", null)
      .where("a.program_code", "in", plant.programs)
      .where("o.due", "<", referenceDate)
      .groupBy(["a.id", "a.award_number", "a.program_code", "a.pop_start"])
      .execute();
    candidates.sort(
      (x, y) => plant.programs.indexOf(x.program_code) - plant.programs.indexOf(y.program_code) || y.pop_start.localeCompare(x.pop_start),
    );
    const pick = candidates[0];
    if (!pick) continue;
    const rows = await trx
      .selectFrom("reporting_obligations")
      .select("id")
      .where("award_id", "=", pick.awardId)
      .where("due", "=", pick.lastDue as string)
      .execute();
    keep.push(...rows.map((r) => r.id));
    planted.push(pick.award_number);
  }

  let q = trx
    .updateTable("reporting_obligations")
    .set({
      submitted_on: isoDateMinusDays(trx, "due", sql<number>`(id * 7) % 6`),
      reference: sql<string>`'DEMO-' || ${zeroPadded(trx, "id", 6)}`,
    })
    .where("due", "<", referenceDate)
    .where("submitted_on", "is", null);
  if (keep.length > 0) q = q.where("id", "not in", keep);
  await q.execute();
  if (planted.length > 0) summary.planted["REPORT-OVERDUE"] = planted.join(", ");
};
