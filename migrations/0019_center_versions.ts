import { Kysely } from "kysely";
import { isPostgres, runAll } from "./engine";
import { UPDATE_OF } from "./0007_data_version";

/**
 * A change counter per center beside the whole-network one (docs/decisions/030-per-center-memo.md).
 *
 * `center_versions` has a row per center whose `version` goes up, in the writing transaction, on
 * every insert, update and delete of that center's rows in a table the compliance engine and the
 * dashboard read per center: its awards, their budget lines, spending, match contributions and
 * reporting obligations, and its assessments. Row 0 is the shared counter: it goes up on every
 * write to the tables every center's figures read (frameworks, capabilities, capability_links,
 * programs, centers). So a center's figures computed while (row 0, its row) read (S, V) are what a
 * fresh computation gives while they still read (S, V), and a save to one budget line leaves every
 * other center's figures valid (app/models/memo.server.ts `perCenter`). data_version (0007) is kept
 * as it is: it still moves on every such write.
 *
 * awards and budget_lines bump on `UPDATE OF` the same columns as 0007 (not their summary columns,
 * which only move when a spending or budget line row moved, which bumped already). A row moved to
 * another award or center bumps both. A center added gets its row; a center without a row is never
 * remembered (the memo treats a missing row as changed).
 */
const SHARED_TABLES = ["frameworks", "capabilities", "capability_links", "programs", "centers"] as const;

/** The center of each table's row, as SQL over `r` (NEW or OLD). */
const CENTER_OF: Record<string, (r: string) => string> = {
  awards: (r) => `${r}.center_id`,
  assessments: (r) => `${r}.center_id`,
  budget_lines: (r) => `(SELECT center_id FROM awards WHERE id = ${r}.award_id)`,
  match_contributions: (r) => `(SELECT center_id FROM awards WHERE id = ${r}.award_id)`,
  reporting_obligations: (r) => `(SELECT center_id FROM awards WHERE id = ${r}.award_id)`,
  spending: (r) => `(SELECT a.center_id FROM budget_lines b JOIN awards a ON a.id = b.award_id WHERE b.id = ${r}.budget_line_id)`,
};
export const CENTER_TABLES = Object.keys(CENTER_OF);

const bump = (where: string) => `UPDATE center_versions SET version = version + 1 WHERE ${where}`;
const SHARED_BUMP = bump("center_id = 0");

/**
 * A center table's three SQLite triggers, `bump(where)` being the UPDATE of center_versions they run (0024 gives
 * some tables one that moves a second counter).
 */
export function sqliteCenterTriggers(table: string, bump: (where: string) => string): string[] {
  const of = UPDATE_OF[table as keyof typeof UPDATE_OF];
  const c = CENTER_OF[table];
  return [
    `CREATE TRIGGER center_version_${table}_ai AFTER INSERT ON ${table} BEGIN ${bump(`center_id = ${c("NEW")}`)}; END`,
    `CREATE TRIGGER center_version_${table}_au AFTER UPDATE${of ? ` OF ${of.join(", ")}` : ""} ON ${table} BEGIN ${bump(`center_id IN (${c("NEW")}, ${c("OLD")})`)}; END`,
    `CREATE TRIGGER center_version_${table}_ad AFTER DELETE ON ${table} BEGIN ${bump(`center_id = ${c("OLD")}`)}; END`,
  ];
}

function sqliteTriggers(): string[] {
  const out: string[] = CENTER_TABLES.flatMap((table) => sqliteCenterTriggers(table, bump));
  for (const table of SHARED_TABLES) {
    const extra = table === "centers" ? `INSERT OR IGNORE INTO center_versions (center_id, version) VALUES (NEW.id, 0); ` : "";
    out.push(
      `CREATE TRIGGER center_version_${table}_ai AFTER INSERT ON ${table} BEGIN ${extra}${SHARED_BUMP}; END`,
      `CREATE TRIGGER center_version_${table}_au AFTER UPDATE ON ${table} BEGIN ${SHARED_BUMP}; END`,
      `CREATE TRIGGER center_version_${table}_ad AFTER DELETE ON ${table} BEGIN ${SHARED_BUMP}; END`,
    );
  }
  return out;
}

const SQLITE = [
  `CREATE TABLE center_versions (center_id INTEGER PRIMARY KEY, version INTEGER NOT NULL)`,
  `INSERT INTO center_versions (center_id, version) VALUES (0, 0)`,
  `INSERT INTO center_versions (center_id, version) SELECT id, 0 FROM centers`,
  ...sqliteTriggers(),
];

/**
 * PostgreSQL: statement triggers with transition tables where a statement may write many rows
 * (an import writes spending 100 rows a statement): each center's row goes up once per statement,
 * not once per row (a row updated thousands of times in one transaction slows PostgreSQL down, see
 * 0007). UPDATE OF a column list cannot have transition tables, so awards and budget_lines updates
 * are row triggers (those are single edits, or a void of one award's lines).
 */
function pgFunction(name: string, body: string): string {
  return `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN ${body}; RETURN NULL; END $fn$`;
}

/** The center ids of a transition table's rows, as a subquery over `t`. */
const CENTERS_OF_ROWS: Record<string, (t: string) => string> = {
  awards: (t) => `SELECT center_id FROM ${t}`,
  assessments: (t) => `SELECT center_id FROM ${t}`,
  budget_lines: (t) => `SELECT a.center_id FROM ${t} x JOIN awards a ON a.id = x.award_id`,
  match_contributions: (t) => `SELECT a.center_id FROM ${t} x JOIN awards a ON a.id = x.award_id`,
  reporting_obligations: (t) => `SELECT a.center_id FROM ${t} x JOIN awards a ON a.id = x.award_id`,
  spending: (t) => `SELECT a.center_id FROM ${t} x JOIN budget_lines b ON b.id = x.budget_line_id JOIN awards a ON a.id = b.award_id`,
};

/**
 * A center table's three PL/pgSQL functions, `bump(where)` being the UPDATE of center_versions they run, as
 * `CREATE OR REPLACE`: 0024 replaces some tables' with one that moves a second counter, under the same triggers.
 */
export function pgCenterFunctions(table: string, bump: (where: string) => string): string[] {
  const rows = CENTERS_OF_ROWS[table];
  const c = CENTER_OF[table];
  const byRow = UPDATE_OF[table as keyof typeof UPDATE_OF] !== undefined;
  return [
    pgFunction(`center_version_${table}_ins`, bump(`center_id IN (${rows("new_rows")})`)),
    pgFunction(`center_version_${table}_del`, bump(`center_id IN (${rows("old_rows")})`)),
    pgFunction(`center_version_${table}_upd`, bump(byRow ? `center_id IN (${c("NEW")}, ${c("OLD")})` : `center_id IN (${rows("new_rows")} UNION ${rows("old_rows")})`)),
  ];
}

function pgTriggers(): string[] {
  const out: string[] = [pgFunction("center_version_shared_bump", SHARED_BUMP)];
  for (const table of CENTER_TABLES) {
    const of = UPDATE_OF[table as keyof typeof UPDATE_OF];
    out.push(
      ...pgCenterFunctions(table, bump),
      `CREATE TRIGGER center_version_${table}_ai AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION center_version_${table}_ins()`,
      `CREATE TRIGGER center_version_${table}_ad AFTER DELETE ON ${table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION center_version_${table}_del()`,
      of
        ? `CREATE TRIGGER center_version_${table}_au AFTER UPDATE OF ${of.join(", ")} ON ${table} FOR EACH ROW EXECUTE FUNCTION center_version_${table}_upd()`
        : `CREATE TRIGGER center_version_${table}_au AFTER UPDATE ON ${table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION center_version_${table}_upd()`,
    );
  }
  for (const table of SHARED_TABLES) {
    if (table === "centers") {
      out.push(
        pgFunction(
          "center_version_centers_ins",
          `INSERT INTO center_versions (center_id, version) SELECT id, 0 FROM new_rows ON CONFLICT (center_id) DO NOTHING; ${SHARED_BUMP}`,
        ),
        `CREATE TRIGGER center_version_centers_ai AFTER INSERT ON centers REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION center_version_centers_ins()`,
      );
    } else {
      out.push(`CREATE TRIGGER center_version_${table}_ai AFTER INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION center_version_shared_bump()`);
    }
    out.push(
      `CREATE TRIGGER center_version_${table}_au AFTER UPDATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION center_version_shared_bump()`,
      `CREATE TRIGGER center_version_${table}_ad AFTER DELETE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION center_version_shared_bump()`,
    );
  }
  return out;
}

const POSTGRES = [
  `CREATE TABLE center_versions (center_id BIGINT PRIMARY KEY, version BIGINT NOT NULL)`,
  `INSERT INTO center_versions (center_id, version) VALUES (0, 0)`,
  `INSERT INTO center_versions (center_id, version) SELECT id, 0 FROM centers`,
  ...pgTriggers(),
];

export async function up(db: Kysely<any>): Promise<void> {
  await runAll(db, isPostgres(db) ? POSTGRES : SQLITE);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
