import { Kysely } from "kysely";
import { isPostgres, runAll } from "./engine";

/**
 * A counter of its own for the two tables pages read that no center's figures read: finding_responses and
 * app_settings (docs/decisions/042-responses-and-settings-counter.md). Row -1 of center_versions (0019) goes up in
 * the writing transaction on every insert, update and delete of either table, beside data_version (0021), which
 * still moves. A save to one center then leaves the responses and the demo flag a page remembered valid: they are
 * checked with the per-center counters, in the one statement that reads them, instead of read again.
 */
const TABLES = ["finding_responses", "app_settings"] as const;

const BUMP = "UPDATE center_versions SET version = version + 1 WHERE center_id = -1";

const SQLITE = [
  `INSERT INTO center_versions (center_id, version) VALUES (-1, 0)`,
  ...TABLES.flatMap((table) => [
    `CREATE TRIGGER responses_version_${table}_ai AFTER INSERT ON ${table} BEGIN ${BUMP}; END`,
    `CREATE TRIGGER responses_version_${table}_au AFTER UPDATE ON ${table} BEGIN ${BUMP}; END`,
    `CREATE TRIGGER responses_version_${table}_ad AFTER DELETE ON ${table} BEGIN ${BUMP}; END`,
  ]),
];

// Statement triggers: an import or a bulk answer moves the counter once per statement, as 0021's do.
const POSTGRES = [
  `INSERT INTO center_versions (center_id, version) VALUES (-1, 0)`,
  `CREATE FUNCTION responses_version_bump() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN ${BUMP}; RETURN NULL; END $fn$`,
  ...TABLES.flatMap((table) => [
    `CREATE TRIGGER responses_version_${table}_ai AFTER INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION responses_version_bump()`,
    `CREATE TRIGGER responses_version_${table}_au AFTER UPDATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION responses_version_bump()`,
    `CREATE TRIGGER responses_version_${table}_ad AFTER DELETE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION responses_version_bump()`,
  ]),
];

export async function up(db: Kysely<any>): Promise<void> {
  await runAll(db, isPostgres(db) ? POSTGRES : SQLITE);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
