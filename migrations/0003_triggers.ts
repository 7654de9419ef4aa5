import { Kysely, sql } from "kysely";

/**
 * SQLite triggers (dialect-specific, kept in the migrations layer; see docs/decisions/003-summary-columns.md):
 * 1. Summary columns `budget_lines.spent_cents`, `awards.budgeted_cents`, `awards.spent_cents` follow every
 *    write in the same transaction, whatever path wrote it (form, import, CLI), so pages never sum the
 *    spending table.
 * 2. Guards: the database never holds more budgeted than awarded, nor more spent than a line's amount.
 * 3. The audit log is append-only.
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

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
