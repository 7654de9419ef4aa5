import { Kysely } from "kysely";
import { isPostgres, pgRaise, pgTrigger, runAll } from "./engine";

/**
 * SQLite triggers (dialect-specific, kept in the migrations layer; see docs/decisions/003-summary-columns.md):
 * 1. Summary columns `budget_lines.spent_cents`, `awards.budgeted_cents`, `awards.spent_cents` follow every
 *    write in the same transaction, whatever path wrote it (form, import, CLI), so pages never sum the
 *    spending table.
 * 2. Guards: the database never holds more budgeted than awarded, nor more spent than a line's amount.
 * 3. The audit log is append-only.
 * On PostgreSQL the same rules are PL/pgSQL row triggers (POSTGRES below, docs/decisions/025-postgresql-engine.md).
 */
const STATEMENTS = [
  // spending → budget_lines.spent_cents and awards.spent_cents
  `CREATE TRIGGER spending_ai AFTER INSERT ON spending WHEN NEW.voided_at IS NULL BEGIN
     UPDATE budget_lines SET spent_cents = spent_cents + NEW.amount_cents WHERE id = NEW.budget_line_id;
     UPDATE awards SET spent_cents = spent_cents + NEW.amount_cents
       WHERE id = (SELECT award_id FROM budget_lines WHERE id = NEW.budget_line_id);
   END`,
  `CREATE TRIGGER spending_au AFTER UPDATE OF amount_cents, voided_at, budget_line_id ON spending BEGIN
     UPDATE budget_lines SET spent_cents = spent_cents - OLD.amount_cents
       WHERE id = OLD.budget_line_id AND OLD.voided_at IS NULL;
     UPDATE awards SET spent_cents = spent_cents - OLD.amount_cents
       WHERE OLD.voided_at IS NULL AND id = (SELECT award_id FROM budget_lines WHERE id = OLD.budget_line_id);
     UPDATE budget_lines SET spent_cents = spent_cents + NEW.amount_cents
       WHERE id = NEW.budget_line_id AND NEW.voided_at IS NULL;
     UPDATE awards SET spent_cents = spent_cents + NEW.amount_cents
       WHERE NEW.voided_at IS NULL AND id = (SELECT award_id FROM budget_lines WHERE id = NEW.budget_line_id);
   END`,
  `CREATE TRIGGER spending_ad AFTER DELETE ON spending WHEN OLD.voided_at IS NULL BEGIN
     UPDATE budget_lines SET spent_cents = spent_cents - OLD.amount_cents WHERE id = OLD.budget_line_id;
     UPDATE awards SET spent_cents = spent_cents - OLD.amount_cents
       WHERE id = (SELECT award_id FROM budget_lines WHERE id = OLD.budget_line_id);
   END`,
  // budget_lines → awards.budgeted_cents
  `CREATE TRIGGER budget_lines_ai AFTER INSERT ON budget_lines WHEN NEW.voided_at IS NULL BEGIN
     UPDATE awards SET budgeted_cents = budgeted_cents + NEW.amount_cents WHERE id = NEW.award_id;
   END`,
  `CREATE TRIGGER budget_lines_au AFTER UPDATE OF amount_cents, voided_at, award_id ON budget_lines BEGIN
     UPDATE awards SET budgeted_cents = budgeted_cents - OLD.amount_cents WHERE id = OLD.award_id AND OLD.voided_at IS NULL;
     UPDATE awards SET budgeted_cents = budgeted_cents + NEW.amount_cents WHERE id = NEW.award_id AND NEW.voided_at IS NULL;
   END`,
  `CREATE TRIGGER budget_lines_ad AFTER DELETE ON budget_lines WHEN OLD.voided_at IS NULL BEGIN
     UPDATE awards SET budgeted_cents = budgeted_cents - OLD.amount_cents WHERE id = OLD.award_id;
   END`,
  // Guards (the friendly message comes from the model first; these make it impossible regardless).
  `CREATE TRIGGER budget_lines_overspent AFTER UPDATE OF spent_cents, amount_cents ON budget_lines
     WHEN NEW.spent_cents > NEW.amount_cents BEGIN
     SELECT RAISE(ABORT, 'BASELINE_OVERSPENT: spending would exceed the budget line');
   END`,
  `CREATE TRIGGER awards_overbudgeted AFTER UPDATE OF budgeted_cents, amount_cents ON awards
     WHEN NEW.budgeted_cents > NEW.amount_cents BEGIN
     SELECT RAISE(ABORT, 'BASELINE_OVERBUDGET: budget lines would exceed the award');
   END`,
  `CREATE TRIGGER budget_lines_overbudget_insert AFTER INSERT ON budget_lines BEGIN
     SELECT RAISE(ABORT, 'BASELINE_OVERBUDGET: budget lines would exceed the award')
       WHERE (SELECT budgeted_cents > amount_cents FROM awards WHERE id = NEW.award_id);
   END`,
  `CREATE TRIGGER spending_overspent_insert AFTER INSERT ON spending BEGIN
     SELECT RAISE(ABORT, 'BASELINE_OVERSPENT: spending would exceed the budget line')
       WHERE (SELECT spent_cents > amount_cents FROM budget_lines WHERE id = NEW.budget_line_id);
   END`,
  // Append-only audit trail.
  `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
     SELECT RAISE(ABORT, 'audit_log is append-only');
   END`,
  `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
     SELECT RAISE(ABORT, 'audit_log is append-only');
   END`,
];

const OVERSPENT = "BASELINE_OVERSPENT: spending would exceed the budget line";
const OVERBUDGET = "BASELINE_OVERBUDGET: budget lines would exceed the award";
const APPEND_ONLY = "audit_log is append-only";

const SPEND_ADD = (row: string) => `UPDATE budget_lines SET spent_cents = spent_cents + ${row}.amount_cents WHERE id = ${row}.budget_line_id;
       UPDATE awards SET spent_cents = spent_cents + ${row}.amount_cents WHERE id = (SELECT award_id FROM budget_lines WHERE id = ${row}.budget_line_id);`;
const SPEND_SUB = (row: string) => `UPDATE budget_lines SET spent_cents = spent_cents - ${row}.amount_cents WHERE id = ${row}.budget_line_id;
       UPDATE awards SET spent_cents = spent_cents - ${row}.amount_cents WHERE id = (SELECT award_id FROM budget_lines WHERE id = ${row}.budget_line_id);`;

// PostgreSQL fires triggers of one event in name order: the summaries (…_ai) move before the guards check them.
const POSTGRES = [
  ...pgTrigger({ name: "spending_ai", table: "spending", on: "AFTER INSERT", when: "NEW.voided_at IS NULL", body: SPEND_ADD("NEW") }),
  ...pgTrigger({
    name: "spending_au",
    table: "spending",
    on: "AFTER UPDATE OF amount_cents, voided_at, budget_line_id",
    body: `IF OLD.voided_at IS NULL THEN ${SPEND_SUB("OLD")} END IF;
       IF NEW.voided_at IS NULL THEN ${SPEND_ADD("NEW")} END IF;`,
  }),
  ...pgTrigger({ name: "spending_ad", table: "spending", on: "AFTER DELETE", when: "OLD.voided_at IS NULL", body: SPEND_SUB("OLD") }),
  ...pgTrigger({
    name: "budget_lines_ai",
    table: "budget_lines",
    on: "AFTER INSERT",
    when: "NEW.voided_at IS NULL",
    body: "UPDATE awards SET budgeted_cents = budgeted_cents + NEW.amount_cents WHERE id = NEW.award_id;",
  }),
  ...pgTrigger({
    name: "budget_lines_au",
    table: "budget_lines",
    on: "AFTER UPDATE OF amount_cents, voided_at, award_id",
    body: `IF OLD.voided_at IS NULL THEN UPDATE awards SET budgeted_cents = budgeted_cents - OLD.amount_cents WHERE id = OLD.award_id; END IF;
       IF NEW.voided_at IS NULL THEN UPDATE awards SET budgeted_cents = budgeted_cents + NEW.amount_cents WHERE id = NEW.award_id; END IF;`,
  }),
  ...pgTrigger({
    name: "budget_lines_ad",
    table: "budget_lines",
    on: "AFTER DELETE",
    when: "OLD.voided_at IS NULL",
    body: "UPDATE awards SET budgeted_cents = budgeted_cents - OLD.amount_cents WHERE id = OLD.award_id;",
  }),
  ...pgTrigger({
    name: "budget_lines_overspent",
    table: "budget_lines",
    on: "AFTER UPDATE OF spent_cents, amount_cents",
    when: "NEW.spent_cents > NEW.amount_cents",
    body: pgRaise(OVERSPENT),
  }),
  ...pgTrigger({
    name: "awards_overbudgeted",
    table: "awards",
    on: "AFTER UPDATE OF budgeted_cents, amount_cents",
    when: "NEW.budgeted_cents > NEW.amount_cents",
    body: pgRaise(OVERBUDGET),
  }),
  ...pgTrigger({
    name: "budget_lines_overbudget_insert",
    table: "budget_lines",
    on: "AFTER INSERT",
    body: `IF (SELECT budgeted_cents > amount_cents FROM awards WHERE id = NEW.award_id) THEN ${pgRaise(OVERBUDGET)} END IF;`,
  }),
  ...pgTrigger({
    name: "spending_overspent_insert",
    table: "spending",
    on: "AFTER INSERT",
    body: `IF (SELECT spent_cents > amount_cents FROM budget_lines WHERE id = NEW.budget_line_id) THEN ${pgRaise(OVERSPENT)} END IF;`,
  }),
  ...pgTrigger({ name: "audit_log_no_update", table: "audit_log", on: "BEFORE UPDATE", body: pgRaise(APPEND_ONLY) }),
  ...pgTrigger({ name: "audit_log_no_delete", table: "audit_log", on: "BEFORE DELETE", body: pgRaise(APPEND_ONLY) }),
  // Row triggers do not see TRUNCATE; this one refuses it (SQLite has no TRUNCATE).
  `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_no_delete_fn()`,
];

export async function up(db: Kysely<any>): Promise<void> {
  await runAll(db, isPostgres(db) ? POSTGRES : STATEMENTS);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
