import { sql } from "kysely";
import type { DB } from "../../db/client";
import { engineOf, sqliteHandle } from "../../db/client";
import { buildInSqliteThenCopy } from "../../db/copy";
import { generateDemo, type DemoSummary, type Scale } from "../../db/demo";
import { todayIso } from "../domain/dates";
import { recordSealedBatch } from "../models/audit-seals.server";
import { setSetting } from "../models/settings.server";
import { createUser } from "../models/users.server";
import { afterDemoLoadHooks } from "./hooks.server";

export const DEMO_PASSWORD = "baseline-demo";
export const DEMO_DIRECTOR_CENTER = "VA";
/** Second state of the demo state official (six centers in the demo network). */
export const DEMO_STATE_EXTRA = "TX";

/** The audited records the generator writes without audit rows of their own (db/demo.ts, db/demo-money.ts). */
const DEMO_SEALED = ["award", "budget_line", "spending", "assessment", "match_contribution", "prime_award"];

export class DatabaseNotEmptyError extends Error {}

export async function isDatabaseEmpty(db: DB): Promise<boolean> {
  const r = await sql<{ n: number }>`select (select count(*) from centers) + (select count(*) from users) as n`.execute(db);
  return Number(r.rows[0].n) === 0;
}

/**
 * Loads the synthetic demo network and its four demo accounts into an empty database.
 * `referenceDate` (default today) is the date spending runs up to.
 */
export async function loadDemo(
  db: DB,
  options: { scale?: Scale; seed?: number; referenceDate?: string; withUsers?: boolean } = {},
): Promise<DemoSummary> {
  if (!(await isDatabaseEmpty(db))) throw new DatabaseNotEmptyError("The database already holds centers or users; demo data loads only into an empty database.");
  const referenceDate = options.referenceDate ?? todayIso();
  const demo = { scale: options.scale ?? "small", seed: options.seed ?? 2008, referenceDate };
  // The generator writes through SQLite's statements; on PostgreSQL it runs in a scratch SQLite database that is then copied.
  const summary = engineOf(db) === "postgres" ? await buildInSqliteThenCopy(db, (sqlite) => generateDemo(sqlite, demo)) : generateDemo(sqliteHandle(db), demo);
  await db.transaction().execute(async (trx) => {
    await setSetting(trx, "demo_data", "1");
    await setSetting(trx, "demo_reference_date", referenceDate);
    if (options.withUsers !== false) {
      const va = await trx.selectFrom("centers").select(["id", "state"]).where("code", "=", DEMO_DIRECTOR_CENTER).executeTakeFirstOrThrow();
      await createUser(trx, null, { username: "demo-admin", displayName: "Dana Admin (demo)", role: "admin", password: DEMO_PASSWORD, demo: true });
      await createUser(trx, null, { username: "demo-auditor", displayName: "Avery Auditor (demo)", role: "auditor", password: DEMO_PASSWORD, demo: true });
      await createUser(trx, null, { username: "demo-director", displayName: "Drew Director (demo)", role: "director", centerId: va.id, password: DEMO_PASSWORD, demo: true });
      // VA (the director's state) plus TX, whose six centers let the demo compare several centers.
      await createUser(trx, null, { username: "demo-state", displayName: "Sam State (demo)", role: "state_official", states: [va.state, DEMO_STATE_EXTRA], password: DEMO_PASSWORD, demo: true });
    }
    for (const hook of afterDemoLoadHooks) await hook(trx, { referenceDate, summary });
    // One audit row for the network, every row the generator wrote sealed under it (docs/decisions/022-audit-seals.md).
    await recordSealedBatch(
      db,
      trx,
      { userId: null, action: "import", entity: "demo", entityId: `${options.scale ?? "small"}:${options.seed ?? 2008}`, after: { ...summary, referenceDate } },
      DEMO_SEALED.map((entity) => ({ entity })),
    );
  });
  return summary;
}
