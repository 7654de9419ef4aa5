import type { Kysely, Transaction } from "kysely";
import type { AssessmentStatus, Database } from "../../db/schema";

type Q = Kysely<Database> | Transaction<Database>;

export async function assessmentYears(db: Q, centerId: number): Promise<number[]> {
  const rows = await db.selectFrom("assessments").select("fiscal_year").distinct().where("center_id", "=", centerId).orderBy("fiscal_year", "desc").execute();
  return rows.map((r) => r.fiscal_year);
}

/** capability id → status for one center and fiscal year. */
export async function statusesFor(db: Q, centerId: number, fiscalYear: number): Promise<Map<string, AssessmentStatus>> {
  const rows = await db
    .selectFrom("assessments")
    .select(["capability_id", "status"])
    .where("center_id", "=", centerId)
    .where("fiscal_year", "=", fiscalYear)
    .execute();
  return new Map(rows.map((r) => [r.capability_id, r.status]));
}
