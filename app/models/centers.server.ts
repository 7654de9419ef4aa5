import { sql } from "kysely";
import type { Q } from "../../db/schema";
import type { CenterScope } from "../domain/permissions";

/** Restricts a query on `centers` to what the user may see. */
export function scoped<QB extends { where: (...args: any[]) => QB }>(qb: QB, scope: CenterScope, column = "centers.state"): QB {
  if (scope.kind === "all") return qb;
  if (scope.states.length === 0) return qb.where(sql.lit(1), "=", sql.lit(0));
  return qb.where(column, "in", scope.states);
}

export interface CenterFilter {
  state?: string;
  kind?: "state" | "urban_area";
}

export async function listCenters(db: Q, scope: CenterScope, filter: CenterFilter = {}) {
  let q = db.selectFrom("centers").select(["centers.id", "centers.code", "centers.name", "centers.state", "centers.kind"]);
  q = scoped(q, scope);
  if (filter.state) q = q.where("centers.state", "=", filter.state);
  if (filter.kind) q = q.where("centers.kind", "=", filter.kind);
  return q.orderBy("centers.state").orderBy("centers.kind").orderBy("centers.code").execute();
}

export async function listStates(db: Q, scope: CenterScope): Promise<string[]> {
  const rows = await scoped(db.selectFrom("centers").select("centers.state").distinct(), scope).orderBy("centers.state").execute();
  return rows.map((r) => r.state);
}

/** A center's code and name by id (the signed-in director's own center). */
export async function getCenterName(db: Q, id: number) {
  return db.selectFrom("centers").select(["code", "name"]).where("id", "=", id).executeTakeFirst();
}

export async function getCenterByCode(db: Q, code: string) {
  return db.selectFrom("centers").selectAll().where("code", "=", code).executeTakeFirst();
}

/** Federal and non-federal award totals per fiscal year, for the center page (voided awards left out). */
export async function centerAwardTotalsByYear(db: Q, centerId: number) {
  return db
    .selectFrom("awards")
    .innerJoin("programs", "programs.code", "awards.program_code")
    .select((eb) => [
      "awards.fiscal_year",
      eb.fn.count<number>("awards.id").as("awards"),
      eb.fn.sum<number>("awards.amount_cents").as("amount_cents"),
      eb.fn.sum<number>(eb.case().when("programs.federal", "=", 1).then(eb.ref("awards.amount_cents")).else(0).end()).as("federal_cents"),
      eb.fn.sum<number>("awards.budgeted_cents").as("budgeted_cents"),
      eb.fn.sum<number>("awards.spent_cents").as("spent_cents"),
    ])
    .where("awards.center_id", "=", centerId)
    .where("awards.voided_at", "is", null)
    .groupBy("awards.fiscal_year")
    .orderBy("awards.fiscal_year", "desc")
    .execute()
    .then((rows) =>
      rows.map((r) => ({
        fiscal_year: r.fiscal_year,
        awards: Number(r.awards),
        amount_cents: Number(r.amount_cents ?? 0),
        federal_cents: Number(r.federal_cents ?? 0),
        budgeted_cents: Number(r.budgeted_cents ?? 0),
        spent_cents: Number(r.spent_cents ?? 0),
      })),
    );
}

