import { Kysely } from "kysely";
import { isPostgres, pgRaise, pgTrigger, runAll } from "./engine";

/**
 * Closed reporting periods: once an admin closes a period of an award, spending dated
 * inside it cannot be added, changed, voided or deleted until the period is reopened. Enforced here,
 * so every path (form, import, CLI) is covered; the model turns the message into a friendly sentence
 * (app/models/db-errors.server.ts). RAISE takes a literal, so the figures come from the model.
 */
const CLOSED = (date: string, lineId: string) => `EXISTS (
       SELECT 1 FROM closed_periods cp JOIN budget_lines bl ON bl.award_id = cp.award_id
       WHERE bl.id = ${lineId} AND cp.reopened_at IS NULL
         AND ${date} >= cp.period_start AND ${date} <= cp.period_end)`;

const MESSAGE = "'BASELINE_PERIOD_CLOSED: spending dated in a closed reporting period cannot change'";

const STATEMENTS = [
  `CREATE TRIGGER spending_closed_insert BEFORE INSERT ON spending
     WHEN ${CLOSED("NEW.date", "NEW.budget_line_id")} BEGIN
     SELECT RAISE(ABORT, ${MESSAGE});
   END`,
  // Both the old and the new date count: moving a payment out of (or into) a closed period is a change to it.
  `CREATE TRIGGER spending_closed_update BEFORE UPDATE ON spending
     WHEN ${CLOSED("OLD.date", "OLD.budget_line_id")} OR ${CLOSED("NEW.date", "NEW.budget_line_id")} BEGIN
     SELECT RAISE(ABORT, ${MESSAGE});
   END`,
  `CREATE TRIGGER spending_closed_delete BEFORE DELETE ON spending
     WHEN ${CLOSED("OLD.date", "OLD.budget_line_id")} BEGIN
     SELECT RAISE(ABORT, ${MESSAGE});
   END`,
];

const RAISE = pgRaise("BASELINE_PERIOD_CLOSED: spending dated in a closed reporting period cannot change");

// PostgreSQL: WHEN allows no subquery, so the check is in the function.
const POSTGRES = [
  ...pgTrigger({ name: "spending_closed_insert", table: "spending", on: "BEFORE INSERT", body: `IF ${CLOSED("NEW.date", "NEW.budget_line_id")} THEN ${RAISE} END IF;` }),
  ...pgTrigger({
    name: "spending_closed_update",
    table: "spending",
    on: "BEFORE UPDATE",
    body: `IF ${CLOSED("OLD.date", "OLD.budget_line_id")} OR ${CLOSED("NEW.date", "NEW.budget_line_id")} THEN ${RAISE} END IF;`,
  }),
  ...pgTrigger({ name: "spending_closed_delete", table: "spending", on: "BEFORE DELETE", body: `IF ${CLOSED("OLD.date", "OLD.budget_line_id")} THEN ${RAISE} END IF;` }),
];

export async function up(db: Kysely<any>): Promise<void> {
  await runAll(db, isPostgres(db) ? POSTGRES : STATEMENTS);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
