import { sql } from "kysely";
import type { Q } from "../../db/schema";

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
