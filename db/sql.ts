import { sql, type Kysely, type RawBuilder } from "kysely";
import { engineOf } from "./client";

/**
 * Dialect-specific SQL expressions, kept in db/ so app/models stays portable: each helper gives
 * SQLite's or PostgreSQL's text for the engine of the query it goes into
 * (docs/decisions/025-postgresql-engine.md).
 */

/**
 * Federal fiscal year of a 'YYYY-MM-DD' column (October onward belongs to the next year), the SQL
 * twin of app/domain/dates.ts fiscalYearOf. `ref` is a column reference such as "spending.date".
 * The same text runs on both engines.
 */
export function fiscalYearOfDate(ref: string): RawBuilder<number> {
  const col = sql.ref(ref);
  return sql<number>`(cast(substr(${col}, 1, 4) as integer) + case when substr(${col}, 6, 2) >= '10' then 1 else 0 end)`;
}

/** `ref in ids` for a list of any length: SQLite reads it as one JSON parameter, PostgreSQL as one array parameter. */
export function idIn(db: Kysely<any>, ref: string, ids: number[]): RawBuilder<boolean> {
  return engineOf(db) === "postgres"
    ? sql<boolean>`${sql.ref(ref)} = any(cast(${ids} as bigint[]))`
    : sql<boolean>`${sql.ref(ref)} in (select value from json_each(${JSON.stringify(ids)}))`;
}

/** An ISO date column moved back by a whole number of days (an integer SQL expression), as ISO text. */
export function isoDateMinusDays(db: Kysely<any>, ref: string, days: RawBuilder<number>): RawBuilder<string> {
  return engineOf(db) === "postgres"
    ? sql<string>`to_char(cast(${sql.ref(ref)} as date) - cast(${days} as integer), 'YYYY-MM-DD')`
    : sql<string>`date(${sql.ref(ref)}, '-' || (${days}) || ' days')`;
}

/** An integer column as text, zero-padded to `width` digits. */
export function zeroPadded(db: Kysely<any>, ref: string, width: number): RawBuilder<string> {
  return engineOf(db) === "postgres"
    ? sql<string>`lpad(cast(${sql.ref(ref)} as text), ${sql.lit(width)}, '0')`
    : sql<string>`printf(${sql.lit(`%0${width}d`)}, ${sql.ref(ref)})`;
}
