import { sql, type Kysely } from "kysely";
import { schemaVersion } from "../../db/migrate";
import type { Q } from "../../db/schema";
import { engineOf, type Engine } from "../../db/client";

/** "sqlite" or "postgres" (docs/decisions/025-postgresql-engine.md). */
export function databaseEngine(db: Q): Engine {
  return engineOf(db as Kysely<any>);
}

/** What /healthz reports of the database: a real query (the center count) and the schema version. */
export async function databaseHealth(db: Q): Promise<{ schema: string | null; centers: number }> {
  const r = await sql<{ n: number }>`select count(*) as n from centers`.execute(db);
  return { schema: await schemaVersion(db as Kysely<any>), centers: Number(r.rows[0].n) };
}
