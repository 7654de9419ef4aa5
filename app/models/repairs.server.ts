import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { recordAudit } from "./audit.server";
import { syncObligations } from "./obligations.server";

/**
 * One-time repairs recorded by a migration (migrations/0010) and run after migrating, by the server
 * and the command line alike. Each runs in one transaction with its audit row and the removal of its
 * pending row, so it runs once, and a crash half-way leaves it pending for the next start.
 */
const REPAIRS: Record<string, (trx: Parameters<typeof syncObligations>[0]) => Promise<{ inserted: number; updated: number; deleted: number }>> = {
  // Awards imported before imports wrote their reporting obligations (docs/decisions/013-import-layout.md).
  obligations: (trx) => syncObligations(trx, "all"),
};

/** Runs the pending repairs; returns the names it ran. */
export async function runPendingRepairs(db: Kysely<Database>): Promise<string[]> {
  const pending = await db.selectFrom("pending_repairs").select("name").orderBy("name").execute();
  const ran: string[] = [];
  for (const { name } of pending) {
    const repair = REPAIRS[name];
    if (!repair) continue;
    await db.transaction().execute(async (trx) => {
      const result = await repair(trx);
      // A repair that found nothing to mend leaves no trace (a new database, a test's base copy).
      if (result.inserted + result.updated + result.deleted > 0) {
        await recordAudit(trx, { userId: null, action: "repair", entity: "database", entityId: name, after: result });
      }
      await trx.deleteFrom("pending_repairs").where("name", "=", name).execute();
    });
    ran.push(name);
  }
  return ran;
}
