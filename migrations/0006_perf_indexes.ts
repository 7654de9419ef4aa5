import { Kysely } from "kysely";
import { isPostgres, pgTrigger, runAll } from "./engine";

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

/** SQLite: INTEGER, WITHOUT ROWID; PostgreSQL: BIGINT (SQLite's INTEGER is 64-bit), an ordinary table. */
const TABLE = (int: string, options: string) => `CREATE TABLE line_spending_years (
     budget_line_id ${int} NOT NULL REFERENCES budget_lines (id),
     fiscal_year ${int} NOT NULL,
     amount_cents ${int} NOT NULL,
     payments ${int} NOT NULL,
     PRIMARY KEY (budget_line_id, fiscal_year)
   )${options}`;

const STATEMENTS = [
  TABLE("INTEGER", " WITHOUT ROWID"),
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

// PostgreSQL: the same table (bigint, no WITHOUT ROWID), indexes and upkeep as PL/pgSQL row triggers.
const PG_ADD = (row: string) => `INSERT INTO line_spending_years AS l (budget_line_id, fiscal_year, amount_cents, payments)
       VALUES (${row}.budget_line_id, ${FY(`${row}.date`)}, ${row}.amount_cents, 1)
       ON CONFLICT (budget_line_id, fiscal_year) DO UPDATE
       SET amount_cents = l.amount_cents + excluded.amount_cents, payments = l.payments + 1;`;
const PG_SUBTRACT = (row: string) => `${SUBTRACT(`${row}.budget_line_id`, `${row}.date`, `${row}.amount_cents`)};`;

const POSTGRES = [
  TABLE("BIGINT", ""),
  ...STATEMENTS.slice(1, 3),
  ...pgTrigger({ name: "line_spending_years_ai", table: "spending", on: "AFTER INSERT", when: "NEW.voided_at IS NULL", body: PG_ADD("NEW") }),
  ...pgTrigger({
    name: "line_spending_years_au",
    table: "spending",
    on: "AFTER UPDATE OF amount_cents, voided_at, budget_line_id, date",
    body: `IF OLD.voided_at IS NULL THEN ${PG_SUBTRACT("OLD")} END IF;
       IF NEW.voided_at IS NULL THEN ${PG_ADD("NEW")} END IF;`,
  }),
  ...pgTrigger({ name: "line_spending_years_ad", table: "spending", on: "AFTER DELETE", when: "OLD.voided_at IS NULL", body: PG_SUBTRACT("OLD") }),
  ...STATEMENTS.slice(-2),
];

export async function up(db: Kysely<any>): Promise<void> {
  await runAll(db, isPostgres(db) ? POSTGRES : STATEMENTS);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
