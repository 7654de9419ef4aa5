import { Kysely, sql } from "kysely";

/**
 * Performance at national scale, chosen from EXPLAIN QUERY PLAN of the main pages
 * (tests/perf/query-plans.test.ts keeps them honest).
 *
 * `line_spending_years`: live spending summed per budget line per federal fiscal year of the
 * payment date, kept in step by triggers inside the writing transaction (like
 * budget_lines.spent_cents, see 0003). Findings for year N read last year's spending per line
 * (FUNDED-GAP-STALLED); without it every dashboard load summed a whole year of the spending table
 * (~115,000 rows at national scale). `payments` counts the live rows, so "had spending in FY N"
 * stays true for a zero-cent payment, as it was when the spending table was read directly.
 */
const FY = (d: string) => `(cast(substr(${d}, 1, 4) as integer) + case when substr(${d}, 6, 2) >= '10' then 1 else 0 end)`;

const ADD = (line: string, date: string, amount: string) => `INSERT INTO line_spending_years (budget_line_id, fiscal_year, amount_cents, payments)
       VALUES (${line}, ${FY(date)}, ${amount}, 1)
       ON CONFLICT (budget_line_id, fiscal_year) DO UPDATE
       SET amount_cents = amount_cents + excluded.amount_cents, payments = payments + 1`;

const SUBTRACT = (line: string, date: string, amount: string) => `UPDATE line_spending_years
       SET amount_cents = amount_cents - ${amount}, payments = payments - 1
       WHERE budget_line_id = ${line} AND fiscal_year = ${FY(date)}`;

const STATEMENTS = [
  `CREATE TABLE line_spending_years (
     budget_line_id INTEGER NOT NULL REFERENCES budget_lines (id),
     fiscal_year INTEGER NOT NULL,
     amount_cents INTEGER NOT NULL,
     payments INTEGER NOT NULL,
     PRIMARY KEY (budget_line_id, fiscal_year)
   ) WITHOUT ROWID`,
  // One year's lines for all centers (the national dashboard), without touching the table.
  `CREATE INDEX line_spending_years_year ON line_spending_years (fiscal_year, budget_line_id, amount_cents, payments)`,
  `INSERT INTO line_spending_years (budget_line_id, fiscal_year, amount_cents, payments)
     SELECT budget_line_id, ${FY("date")}, sum(amount_cents), count(*) FROM spending
     WHERE voided_at IS NULL GROUP BY budget_line_id, ${FY("date")}`,
  `CREATE TRIGGER line_spending_years_ai AFTER INSERT ON spending WHEN NEW.voided_at IS NULL BEGIN
     ${ADD("NEW.budget_line_id", "NEW.date", "NEW.amount_cents")};
   END`,
  `CREATE TRIGGER line_spending_years_au AFTER UPDATE OF amount_cents, voided_at, budget_line_id, date ON spending BEGIN
     ${SUBTRACT("OLD.budget_line_id", "OLD.date", "OLD.amount_cents")} AND OLD.voided_at IS NULL;
     INSERT INTO line_spending_years (budget_line_id, fiscal_year, amount_cents, payments)
       SELECT NEW.budget_line_id, ${FY("NEW.date")}, NEW.amount_cents, 1 WHERE NEW.voided_at IS NULL
       ON CONFLICT (budget_line_id, fiscal_year) DO UPDATE
       SET amount_cents = amount_cents + excluded.amount_cents, payments = payments + 1;
   END`,
  `CREATE TRIGGER line_spending_years_ad AFTER DELETE ON spending WHEN OLD.voided_at IS NULL BEGIN
     ${SUBTRACT("OLD.budget_line_id", "OLD.date", "OLD.amount_cents")};
   END`,
  // Overdue reports (dashboard tile, deadlines): only unsubmitted obligations, by due date, instead
  // of every obligation due before today.
  `CREATE INDEX reporting_obligations_open_due ON reporting_obligations (due) WHERE submitted_on IS NULL`,
  // Responses to one year's findings (every page that shows findings), for all centers or a few.
  `CREATE INDEX finding_responses_year_center ON finding_responses (fiscal_year, center_code)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
