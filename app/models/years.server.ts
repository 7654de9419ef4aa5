import { sql } from "kysely";
import type { Q } from "../../db/schema";
import type { DefaultYear } from "../domain/fiscal-year";

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
 * The year a page opens on when its URL names none (docs/decisions/014-first-week.md): the
 * latest fiscal year with a live award among the centers, so that one center starting next
 * year's assessment early does not move everyone to a nearly empty year. Without any award, the
 * latest assessed year. centerIds undefined = every center; null when there is no data at all.
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
  if (awards !== null) return { fiscalYear: awards, basis: "awards" };
  const assessed = await latest("assessments");
  return assessed === null ? null : { fiscalYear: assessed, basis: "assessments" };
}
