import { Kysely } from "kysely";
import { isPostgres, pgRaise, runAll } from "./engine";

/**
 * PostgreSQL only (SQLite: nothing changes): the summaries a new payment moves — `budget_lines.spent_cents`,
 * `awards.spent_cents` (0003) and `line_spending_years` (0006) — are kept by statement triggers over the
 * statement's new rows instead of row triggers (docs/decisions/029-imports-on-both-engines.md).
 *
 * Why: an import writes payments 1,000 a statement in one transaction. With row triggers every payment
 * updated its line, its award and its (line, fiscal year) row once each, and PostgreSQL cannot prune
 * the versions a transaction leaves of a row it updates again and again before commit: every update walks
 * the ones before it, so 10,000 payments on one award took 14 s and 20,000 took 50 s (quadratic). A
 * statement trigger adds each line's, award's and year's sum once per statement.
 *
 * The guards of a new payment are checked once per statement too, with the same messages: the line and
 * award updates below fire `budget_lines_overspent` and the spent-negative guards (0003, 0015) with the
 * statement's totals, which makes the row guard `spending_overspent_insert` redundant (dropped); the
 * closed-period guard (0005) looks up the statement's rows in one join. A multi-row statement was
 * already refused as a whole on PostgreSQL (docs/decisions/025-postgresql-engine.md). Updates and
 * deletes of payments (single edits and voids) keep their row triggers.
 */
const FY = (d: string) => `(cast(substr(${d}, 1, 4) as integer) + case when substr(${d}, 6, 2) >= '10' then 1 else 0 end)`;

const POSTGRES = [
  `DROP TRIGGER spending_ai ON spending`,
  `DROP TRIGGER line_spending_years_ai ON spending`,
  `DROP FUNCTION spending_ai_fn()`,
  `DROP FUNCTION line_spending_years_ai_fn()`,
  `DROP TRIGGER spending_overspent_insert ON spending`,
  `DROP FUNCTION spending_overspent_insert_fn()`,
  `DROP TRIGGER spending_closed_insert ON spending`,
  `DROP FUNCTION spending_closed_insert_fn()`,
  // Named as the row trigger was: same-event triggers fire in name order, summaries before anything that reads them.
  `CREATE FUNCTION spending_ai_fn() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN
     UPDATE budget_lines b SET spent_cents = b.spent_cents + n.cents
       FROM (SELECT budget_line_id, sum(amount_cents) AS cents FROM new_rows WHERE voided_at IS NULL GROUP BY budget_line_id) n
       WHERE b.id = n.budget_line_id;
     UPDATE awards a SET spent_cents = a.spent_cents + n.cents
       FROM (SELECT l.award_id, sum(r.amount_cents) AS cents FROM new_rows r JOIN budget_lines l ON l.id = r.budget_line_id
             WHERE r.voided_at IS NULL GROUP BY l.award_id) n
       WHERE a.id = n.award_id;
     RETURN NULL;
   END $fn$`,
  `CREATE TRIGGER spending_ai AFTER INSERT ON spending REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION spending_ai_fn()`,
  `CREATE FUNCTION line_spending_years_ai_fn() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN
     INSERT INTO line_spending_years AS l (budget_line_id, fiscal_year, amount_cents, payments)
       SELECT budget_line_id, ${FY("date")}, sum(amount_cents), count(*) FROM new_rows WHERE voided_at IS NULL GROUP BY 1, 2
       ON CONFLICT (budget_line_id, fiscal_year) DO UPDATE
       SET amount_cents = l.amount_cents + excluded.amount_cents, payments = l.payments + excluded.payments;
     RETURN NULL;
   END $fn$`,
  `CREATE TRIGGER line_spending_years_ai AFTER INSERT ON spending REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION line_spending_years_ai_fn()`,
  `CREATE FUNCTION spending_closed_insert_fn() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN
     IF EXISTS (SELECT 1 FROM new_rows r JOIN budget_lines bl ON bl.id = r.budget_line_id JOIN closed_periods cp ON cp.award_id = bl.award_id
                WHERE cp.reopened_at IS NULL AND r.date >= cp.period_start AND r.date <= cp.period_end) THEN
       ${pgRaise("BASELINE_PERIOD_CLOSED: spending dated in a closed reporting period cannot change")}
     END IF;
     RETURN NULL;
   END $fn$`,
  `CREATE TRIGGER spending_closed_insert AFTER INSERT ON spending REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION spending_closed_insert_fn()`,
];

export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) await runAll(db, POSTGRES);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
