import { sql } from "kysely";
import { getDb } from "~/db.server";
import { schemaVersion } from "../../db/migrate";

/** Liveness and readiness: answers 200 only after a real database query. */
export async function loader() {
  try {
    const db = getDb();
    const r = await sql<{ n: number }>`select count(*) as n from centers`.execute(db);
    return Response.json({ ok: true, centers: Number(r.rows[0].n), schema: await schemaVersion(db) }, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return Response.json({ ok: false, error: (error as Error).message }, { status: 503 });
  }
}
