import { sql } from "kysely";
import type { Q } from "../../db/schema";
import { defaultYearOf, type DefaultYear } from "../domain/fiscal-year";
import { perCenter } from "./memo.server";

/**
 * Fiscal years that have a row in the table (live awards only), for every center: one index seek
 * per year (a loose index scan down the fiscal_year index) instead of reading every row — the
 * national network has ~24,000 assessment rows and the dashboard asks on every view.
 */
export async function yearsWithRows(db: Q, table: "assessments" | "awards"): Promise<number[]> {
  const from = sql.table(table);
  const live = table === "awards" ? sql` and voided_at is null` : sql``;
  const r = await sql<{ fy: number }>`with recursive y(fy) as (
      select max(fiscal_year) from ${from} where fiscal_year is not null${live}
      union all
      select (select max(fiscal_year) from ${from} where fiscal_year < y.fy${live}) from y where y.fy is not null)
    select fy from y where fy is not null`.execute(db);
  return r.rows.map((row) => row.fy);
}

/**
 * The year a page opens on when its URL names none (`defaultYearOf`, app/domain/fiscal-year.ts) for
 * the centers `centerIds` (undefined = every center).
 */
export async function defaultFiscalYear(db: Q, centerIds?: readonly number[]): Promise<DefaultYear | null> {
  if (centerIds && centerIds.length === 0) return null;
  const latest = async (table: "awards" | "assessments") => {
    let q = db.selectFrom(table).select((eb) => eb.fn.max("fiscal_year").as("fy"));
    if (table === "awards") q = q.where("voided_at", "is", null);
    if (centerIds) q = q.where("center_id", "in", [...centerIds]);
    const fy = (await q.executeTakeFirst())?.fy;
    return typeof fy === "number" ? fy : null;
  };
  const awards = await latest("awards");
  return defaultYearOf(awards, awards === null ? await latest("assessments") : null);
}

interface CenterYears {
  assessed: readonly number[];
  awarded: readonly number[];
}

/**
 * The fiscal years with an assessment or a live award among the centers `ids` (newest first) and the
 * year a page opens on for them, as `yearsWithRows` and `defaultFiscalYear` give them, from each
 * center's years remembered per center (docs/decisions/030-per-center-memo.md): after a write to one
 * center, only that center's years are read again.
 */
export async function yearsOfCenters(db: Q, ids: readonly number[]): Promise<{ years: number[]; defaultYear: DefaultYear | null }> {
  // Assessments and awards only: kept while saves to a center's budget lines and spending come and go (`core`).
  const byCenter = await perCenter(db, "center-years", null, ids, async (stale) => {
    const rows = await db
      .selectFrom("assessments")
      .select(["center_id", "fiscal_year", sql.lit(0).as("awarded")])
      .where("center_id", "in", stale)
      .groupBy(["center_id", "fiscal_year"])
      .unionAll(
        db
          .selectFrom("awards")
          .select(["center_id", "fiscal_year", sql.lit(1).as("awarded")])
          .where("center_id", "in", stale)
          .where("voided_at", "is", null)
          .groupBy(["center_id", "fiscal_year"]),
      )
      .execute();
    const out = new Map<number, { assessed: number[]; awarded: number[] }>(stale.map((id) => [id, { assessed: [], awarded: [] }]));
    for (const r of rows) out.get(r.center_id)?.[Number(r.awarded) === 1 ? "awarded" : "assessed"].push(r.fiscal_year);
    return new Map<number, CenterYears>([...out].map(([id, y]) => [id, Object.freeze({ assessed: Object.freeze(y.assessed), awarded: Object.freeze(y.awarded) })]));
  }, { core: true });
  const assessed = new Set<number>();
  const awarded = new Set<number>();
  for (const id of ids) {
    const y = byCenter.get(id)!;
    for (const fy of y.assessed) assessed.add(fy);
    for (const fy of y.awarded) awarded.add(fy);
  }
  const latest = (years: Set<number>) => (years.size === 0 ? null : Math.max(...years));
  return {
    years: [...new Set([...assessed, ...awarded])].sort((a, b) => b - a),
    defaultYear: defaultYearOf(latest(awarded), latest(assessed)),
  };
}
