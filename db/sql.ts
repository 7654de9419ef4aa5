import { sql, type RawBuilder } from "kysely";

/**
 * Dialect-specific SQL expressions, kept in db/ so app/models stays portable: moving to another
 * database means rewriting these helpers, not the queries that use them.
 */

/**
 * Federal fiscal year of a 'YYYY-MM-DD' column (October onward belongs to the next year), the SQL
 * twin of app/domain/dates.ts fiscalYearOf. `ref` is a column reference such as "spending.date".
 */
export function fiscalYearOfDate(ref: string): RawBuilder<number> {
  const col = sql.ref(ref);
  return sql<number>`(cast(substr(${col}, 1, 4) as integer) + case when substr(${col}, 6, 2) >= '10' then 1 else 0 end)`;
}
