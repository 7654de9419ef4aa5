import type Sqlite from "better-sqlite3";
import { open, sqliteHandle, type DB } from "./client";

/**
 * SQLite fast path for spreadsheet imports (issue #8): prepared statements run straight on the
 * better-sqlite3 handle, inside the Kysely transaction the caller holds on the same connection.
 * The model (app/models/import.server.ts) decides what to write; this file only knows the SQL.
 * Inserts use ON CONFLICT DO NOTHING so a new row costs one statement and no lookup: `changes`
 * says whether the key was already there.
 */

export interface LineEntry {
  id: number;
  lineId: string;
  awardId: number;
  amountCents: number;
  /** Live spending on the line; the import keeps it as a running total. */
  spentCents: number;
  voided: boolean;
}

export interface ExistingLine {
  id: number;
  award_id: number;
  capability_id: string | null;
  poete: string;
  cost_category: string;
  amount_cents: number;
  description: string;
}

export interface ExistingSpending {
  id: number;
  budget_line_id: number;
  date: string;
  amount_cents: number;
  description: string;
  voided_at: string | null;
}

export interface ExistingAssessment {
  id: number;
  status: string;
  evidence: string;
}

export type ImportStatements = ReturnType<typeof importStatements>;

/** Payments per multi-row INSERT: one statement for 100 rows is about twice as fast as 100 statements. */
export const SPENDING_BATCH = 100;

/** [spend_id, budget_line_id, date, amount_cents, description] */
export type SpendingTuple = [string, number, string, number, string];

export function importStatements(sqlite: Sqlite.Database) {
  const s = {
    insertCenter: sqlite.prepare(
      "insert into centers (code, name, state, kind, import_batch_id, created_at) values (?, ?, ?, ?, ?, ?)",
    ),
    updateCenter: sqlite.prepare(
      "update centers set name = ?, state = ?, kind = ?, version = version + 1, import_batch_id = ? where id = ?",
    ),
    insertAward: sqlite.prepare(
      `insert into awards (award_number, center_id, program_code, fiscal_year, amount_cents, pop_start, pop_end,
         match_required_cents, import_batch_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateAward: sqlite.prepare(
      `update awards set center_id = ?, program_code = ?, fiscal_year = ?, amount_cents = ?, pop_start = ?, pop_end = ?,
         match_required_cents = ?, version = version + 1, import_batch_id = ? where id = ?`,
    ),
    lines: sqlite.prepare(
      "select id, line_id, award_id, amount_cents, spent_cents, voided_at is not null as voided from budget_lines",
    ),
    getLine: sqlite.prepare(
      "select id, award_id, capability_id, poete, cost_category, amount_cents, description from budget_lines where id = ?",
    ),
    insertLine: sqlite.prepare(
      `insert into budget_lines (line_id, award_id, capability_id, poete, cost_category, amount_cents, description,
         import_batch_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateLine: sqlite.prepare(
      `update budget_lines set award_id = ?, capability_id = ?, poete = ?, cost_category = ?, amount_cents = ?,
         description = ?, version = version + 1, import_batch_id = ? where id = ?`,
    ),
    insertSpendingIfNew: sqlite.prepare(
      `insert into spending (spend_id, budget_line_id, date, amount_cents, description, import_batch_id, created_at)
         values (?, ?, ?, ?, ?, ?, ?) on conflict (spend_id) do nothing`,
    ),
    insertSpendingBatch: sqlite.prepare(
      `insert into spending (spend_id, budget_line_id, date, amount_cents, description, import_batch_id, created_at) values
         ${Array.from({ length: SPENDING_BATCH }, () => "(?, ?, ?, ?, ?, ?, ?)").join(", ")} on conflict (spend_id) do nothing`,
    ),
    existingSpendIds: sqlite.prepare(
      `select spend_id from spending where spend_id in (${Array.from({ length: SPENDING_BATCH }, () => "?").join(", ")})
         and (import_batch_id is null or import_batch_id <> ?)`,
    ),
    getSpending: sqlite.prepare(
      "select id, budget_line_id, date, amount_cents, description, voided_at from spending where spend_id = ?",
    ),
    updateSpending: sqlite.prepare(
      `update spending set budget_line_id = ?, date = ?, amount_cents = ?, description = ?, version = version + 1,
         import_batch_id = ? where id = ?`,
    ),
    insertAssessmentIfNew: sqlite.prepare(
      `insert into assessments (center_id, fiscal_year, capability_id, status, evidence, updated_by, updated_at, import_batch_id)
         values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (center_id, fiscal_year, capability_id) do nothing`,
    ),
    getAssessment: sqlite.prepare(
      "select id, status, evidence from assessments where center_id = ? and fiscal_year = ? and capability_id = ?",
    ),
    updateAssessment: sqlite.prepare(
      `update assessments set status = ?, evidence = ?, updated_by = ?, updated_at = ?, version = version + 1,
         import_batch_id = ? where id = ?`,
    ),
  };
  return {
    insertCenter: (code: string, name: string, state: string, kind: string, batchId: number, now: string): number =>
      Number(s.insertCenter.run(code, name, state, kind, batchId, now).lastInsertRowid),
    updateCenter: (id: number, name: string, state: string, kind: string, batchId: number): void => {
      s.updateCenter.run(name, state, kind, batchId, id);
    },
    insertAward: (
      a: { awardNumber: string; centerId: number; program: string; fiscalYear: number; amountCents: number; popStart: string; popEnd: string; matchCents: number },
      batchId: number,
      now: string,
    ): number =>
      Number(
        s.insertAward.run(a.awardNumber, a.centerId, a.program, a.fiscalYear, a.amountCents, a.popStart, a.popEnd, a.matchCents, batchId, now)
          .lastInsertRowid,
      ),
    updateAward: (
      id: number,
      a: { centerId: number; program: string; fiscalYear: number; amountCents: number; popStart: string; popEnd: string; matchCents: number },
      batchId: number,
    ): void => {
      s.updateAward.run(a.centerId, a.program, a.fiscalYear, a.amountCents, a.popStart, a.popEnd, a.matchCents, batchId, id);
    },
    /** Every budget line, compact, streamed row by row (a national database holds hundreds of thousands). */
    *lines(): Generator<LineEntry> {
      for (const r of s.lines.raw().iterate() as IterableIterator<[number, string, number, number, number, number]>) {
        yield { id: r[0], lineId: r[1], awardId: r[2], amountCents: r[3], spentCents: r[4], voided: r[5] === 1 };
      }
    },
    getLine: (id: number) => s.getLine.get(id) as ExistingLine | undefined,
    insertLine: (
      l: { lineId: string; awardId: number; capabilityId: string | null; poete: string; costCategory: string; amountCents: number; description: string },
      batchId: number,
      now: string,
    ): number =>
      Number(
        s.insertLine.run(l.lineId, l.awardId, l.capabilityId, l.poete, l.costCategory, l.amountCents, l.description, batchId, now)
          .lastInsertRowid,
      ),
    updateLine: (
      id: number,
      l: { awardId: number; capabilityId: string | null; poete: string; costCategory: string; amountCents: number; description: string },
      batchId: number,
    ): void => {
      s.updateLine.run(l.awardId, l.capabilityId, l.poete, l.costCategory, l.amountCents, l.description, batchId, id);
    },
    /** True when the row was inserted, false when the spend_id already exists (nothing written). */
    insertSpendingIfNew: (spendId: string, lineId: number, date: string, amountCents: number, description: string, batchId: number, now: string): boolean =>
      s.insertSpendingIfNew.run(spendId, lineId, date, amountCents, description, batchId, now).changes === 1,
    /**
     * Inserts exactly SPENDING_BATCH payments in one statement, skipping spend_ids that exist.
     * Returns how many were inserted (SPENDING_BATCH when every one was new).
     */
    insertSpendingBatch: (rows: readonly SpendingTuple[], batchId: number, now: string): number => {
      const params: unknown[] = new Array(rows.length * 7);
      let i = 0;
      for (const r of rows) {
        params[i++] = r[0];
        params[i++] = r[1];
        params[i++] = r[2];
        params[i++] = r[3];
        params[i++] = r[4];
        params[i++] = batchId;
        params[i++] = now;
      }
      return s.insertSpendingBatch.run(params).changes;
    },
    /** Of SPENDING_BATCH spend_ids, those that were already there before this import batch. */
    existingSpendIds: (spendIds: readonly string[], batchId: number): Set<string> =>
      new Set(s.existingSpendIds.pluck().all(...spendIds, batchId) as string[]),
    getSpending: (spendId: string) => s.getSpending.get(spendId) as ExistingSpending | undefined,
    updateSpending: (id: number, lineId: number, date: string, amountCents: number, description: string, batchId: number): void => {
      s.updateSpending.run(lineId, date, amountCents, description, batchId, id);
    },
    insertAssessmentIfNew: (
      centerId: number,
      fiscalYear: number,
      capabilityId: string,
      status: string,
      evidence: string,
      userId: number | null,
      now: string,
      batchId: number,
    ): boolean => s.insertAssessmentIfNew.run(centerId, fiscalYear, capabilityId, status, evidence, userId, now, batchId).changes === 1,
    getAssessment: (centerId: number, fiscalYear: number, capabilityId: string) =>
      s.getAssessment.get(centerId, fiscalYear, capabilityId) as ExistingAssessment | undefined,
    updateAssessment: (id: number, status: string, evidence: string, userId: number | null, now: string, batchId: number): void => {
      s.updateAssessment.run(status, evidence, userId, now, batchId, id);
    },
  };
}

export function importStatementsFor(db: DB): ImportStatements {
  return importStatements(sqliteHandle(db));
}

/** True for a SQLite constraint or guard error (CHECK, UNIQUE, FOREIGN KEY, a trigger's RAISE). */
export function isConstraintError(error: unknown): error is Error {
  const code = (error as { code?: unknown })?.code;
  return error instanceof Error && typeof code === "string" && code.startsWith("SQLITE_CONSTRAINT");
}

/**
 * A second connection to the same database file, for a long import running in the background of
 * the web server: with WAL, pages keep reading through the main connection while the import holds
 * its write transaction. An in-memory database has no file to share, so it gets the same handle.
 */
export function openSideConnection(db: DB): { db: DB; close: () => Promise<void> } {
  const file = sqliteHandle(db).name;
  if (!file || file === ":memory:" || sqliteHandle(db).memory) return { db, close: async () => {} };
  const side = open(file, { check: false });
  return { db: side.db, close: () => side.db.destroy() };
}
