import { Kysely } from "kysely";
import { isPostgres, runAll } from "./engine";

/**
 * Assessment sign-offs join the responses and the settings (0021, 0023): every write to assessment_reviews moves
 * data_version and the responses counter (row -1 of center_versions) in the writing transaction, so a sign-off a
 * page read is remembered under row -1 instead of read on every view (docs/decisions/046-one-list-of-centers.md).
 * No center's counter moves: no center's figures read a sign-off.
 */
const TABLE = "assessment_reviews";
const OPS = [
  ["ai", "INSERT"],
  ["au", "UPDATE"],
  ["ad", "DELETE"],
] as const;

const DATA_VERSION = "UPDATE data_version SET version = version + 1 WHERE id = 1";
const RESPONSES = "UPDATE center_versions SET version = version + 1 WHERE center_id = -1";

const SQLITE = OPS.flatMap(([suffix, op]) => [
  `CREATE TRIGGER data_version_${TABLE}_${suffix} AFTER ${op} ON ${TABLE} BEGIN ${DATA_VERSION}; END`,
  `CREATE TRIGGER responses_version_${TABLE}_${suffix} AFTER ${op} ON ${TABLE} BEGIN ${RESPONSES}; END`,
]);

// Statement triggers through the functions 0007 and 0023 created, named as on SQLite.
const POSTGRES = OPS.flatMap(([suffix, op]) => [
  `CREATE TRIGGER data_version_${TABLE}_${suffix} AFTER ${op} ON ${TABLE} FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()`,
  `CREATE TRIGGER responses_version_${TABLE}_${suffix} AFTER ${op} ON ${TABLE} FOR EACH STATEMENT EXECUTE FUNCTION responses_version_bump()`,
]);

export async function up(db: Kysely<any>): Promise<void> {
  await runAll(db, isPostgres(db) ? POSTGRES : SQLITE);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
