import { Kysely } from "kysely";
import { isPostgres, runAll } from "./engine";

/**
 * The change counter (0007) also moves on every write to finding_responses and app_settings, so what pages read
 * from them is remembered with the rest (docs/decisions/040-responses-and-settings-under-the-counter.md): every
 * dashboard and findings page read the responses, and every page the demo flag, with a statement of its own.
 * Neither table is compliance input: the per-center counters (0019) do not move, so a response saved costs the
 * pages' own rebuild, not any center's.
 */
const TABLES = ["finding_responses", "app_settings"] as const;

const BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1";

const SQLITE = TABLES.flatMap((table) => [
  `CREATE TRIGGER data_version_${table}_ai AFTER INSERT ON ${table} BEGIN ${BUMP}; END`,
  `CREATE TRIGGER data_version_${table}_au AFTER UPDATE ON ${table} BEGIN ${BUMP}; END`,
  `CREATE TRIGGER data_version_${table}_ad AFTER DELETE ON ${table} BEGIN ${BUMP}; END`,
]);

// Statement triggers through 0007's function, named as on SQLite.
const POSTGRES = TABLES.flatMap((table) => [
  `CREATE TRIGGER data_version_${table}_ai AFTER INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()`,
  `CREATE TRIGGER data_version_${table}_au AFTER UPDATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()`,
  `CREATE TRIGGER data_version_${table}_ad AFTER DELETE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()`,
]);

export async function up(db: Kysely<any>): Promise<void> {
  await runAll(db, isPostgres(db) ? POSTGRES : SQLITE);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
