import { Kysely } from "kysely";
import { isPostgres, runAll } from "./engine";

/**
 * A change counter for the compliance memo (docs/decisions/009-compliance-memo.md).
 *
 * `data_version` holds one row whose `version` goes up by one, in the writing transaction, on
 * every insert, update and delete of a table the compliance engine reads (compliance.server.ts
 * loadComplianceData/loadYear). A committed state of those tables therefore has its own number,
 * whichever path wrote it (form, import, CLI, another process), and the memo keyed by it can
 * never return figures from another state. line_spending_years has no trigger: only the spending
 * triggers write it, and those bump already.
 *
 * awards and budget_lines bump on `UPDATE OF` every column except the summary columns that the
 * 0003 triggers maintain (awards.budgeted_cents, awards.spent_cents, budget_lines.spent_cents):
 * those only move because a spending or budget line row moved, which bumped already, so one new
 * payment costs one bump instead of three. A migration that adds a column to awards or
 * budget_lines must recreate its trigger with the new column (tests/perf/compliance-memo.test.ts
 * checks the lists against the tables).
 */
const TABLES = [
  "frameworks",
  "capabilities",
  "capability_links",
  "programs",
  "centers",
  "awards",
  "budget_lines",
  "spending",
  "match_contributions",
  "assessments",
  "reporting_obligations",
] as const;

/** Columns whose updates bump; undefined = any column. */
export const UPDATE_OF: Partial<Record<(typeof TABLES)[number], string[]>> = {
  awards: [
    "id",
    "award_number",
    "center_id",
    "program_code",
    "fiscal_year",
    "amount_cents",
    "pop_start",
    "pop_end",
    "match_required_cents",
    "version",
    "voided_at",
    "void_reason",
    "import_batch_id",
    "created_at",
  ],
  budget_lines: [
    "id",
    "line_id",
    "award_id",
    "capability_id",
    "poete",
    "cost_category",
    "amount_cents",
    "description",
    "version",
    "voided_at",
    "void_reason",
    "import_batch_id",
    "created_at",
  ],
};

const BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1";

function triggers(table: (typeof TABLES)[number]): string[] {
  const of = UPDATE_OF[table];
  return [
    `CREATE TRIGGER data_version_${table}_ai AFTER INSERT ON ${table} BEGIN ${BUMP}; END`,
    `CREATE TRIGGER data_version_${table}_au AFTER UPDATE${of ? ` OF ${of.join(", ")}` : ""} ON ${table} BEGIN ${BUMP}; END`,
    `CREATE TRIGGER data_version_${table}_ad AFTER DELETE ON ${table} BEGIN ${BUMP}; END`,
  ];
}

const STATEMENTS = [
  `CREATE TABLE data_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)`,
  `INSERT INTO data_version (id, version) VALUES (1, 0)`,
  ...TABLES.flatMap(triggers),
];

/**
 * PostgreSQL: one PL/pgSQL function, statement triggers named as on SQLite: one bump per statement
 * (a row trigger would update the counter's row once per row, and PostgreSQL slows down with every
 * version of one row a transaction piles up). The memo only needs a new number for a new state, so
 * a statement that changed no row bumping too is harmless. The counter's row is locked by the first
 * write of a transaction until it commits, so writers to these tables take turns, as SQLite's single
 * writer does (docs/decisions/025-postgresql-engine.md).
 */
function pgTriggers(table: (typeof TABLES)[number]): string[] {
  const of = UPDATE_OF[table];
  return [
    `CREATE TRIGGER data_version_${table}_ai AFTER INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()`,
    `CREATE TRIGGER data_version_${table}_au AFTER UPDATE${of ? ` OF ${of.join(", ")}` : ""} ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()`,
    `CREATE TRIGGER data_version_${table}_ad AFTER DELETE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()`,
  ];
}

const POSTGRES = [
  `CREATE TABLE data_version (id BIGINT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)`,
  `INSERT INTO data_version (id, version) VALUES (1, 0)`,
  `CREATE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN ${BUMP}; RETURN NULL; END $fn$`,
  ...TABLES.flatMap(pgTriggers),
];

export async function up(db: Kysely<any>): Promise<void> {
  await runAll(db, isPostgres(db) ? POSTGRES : STATEMENTS);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
