import { Kysely } from "kysely";
import { runAll } from "./engine";

/**
 * Open obligations by award: the dashboard's overdue count for one center (rebuilt after every save to it,
 * docs/decisions/041-a-saved-centers-rebuild.md) reads that center's awards and then only their unsubmitted
 * obligations. With 0006's index on the due date alone, PostgreSQL read every open obligation due before the day
 * in the network (about 7,600 at national scale) and kept the center's; with this one it reads a few per award,
 * from the index alone. Same statement on both engines.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runAll(db, [`CREATE INDEX reporting_obligations_open_award ON reporting_obligations (award_id, due) WHERE submitted_on IS NULL`]);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
