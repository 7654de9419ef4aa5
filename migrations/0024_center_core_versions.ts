import { Kysely } from "kysely";
import { isPostgres, runAll } from "./engine";
import { CENTER_TABLES, pgCenterFunctions, sqliteCenterTriggers } from "./0019_center_versions";

/**
 * A second counter on each center's row of center_versions (0019): `core_version` goes up, in the writing
 * transaction, on every write to that center's rows *except* its budget lines and spending — its awards (the
 * columns 0007 watches), assessments, match contributions and reporting obligations. `version` keeps moving on
 * all of them. Figures that read none of a center's budget lines or payments (the dashboard's scores, money and
 * overdue reports; the years a center has rows in) are remembered against `core_version`, so the save a director
 * makes most — a budget line or a payment — leaves them valid (docs/decisions/045-figures-without-budget-lines.md).
 * Starts at 0: a remembered value is only ever compared with a reading of the same column.
 */
const CORE_TABLES = CENTER_TABLES.filter((t) => t !== "budget_lines" && t !== "spending");

const bumpBoth = (where: string) => `UPDATE center_versions SET version = version + 1, core_version = core_version + 1 WHERE ${where}`;

const SQLITE = [
  `ALTER TABLE center_versions ADD COLUMN core_version INTEGER NOT NULL DEFAULT 0`,
  ...CORE_TABLES.flatMap((table) => [
    ...["ai", "au", "ad"].map((e) => `DROP TRIGGER center_version_${table}_${e}`),
    ...sqliteCenterTriggers(table, bumpBoth),
  ]),
];

// The triggers stay; their functions are replaced.
const POSTGRES = [`ALTER TABLE center_versions ADD COLUMN core_version BIGINT NOT NULL DEFAULT 0`, ...CORE_TABLES.flatMap((table) => pgCenterFunctions(table, bumpBoth))];

export async function up(db: Kysely<any>): Promise<void> {
  await runAll(db, isPostgres(db) ? POSTGRES : SQLITE);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
