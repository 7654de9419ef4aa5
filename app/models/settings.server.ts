import type { Q } from "../../db/schema";
import { perResponses } from "./memo.server";

export async function getSetting(db: Q, key: string): Promise<string | null> {
  const row = await db.selectFrom("app_settings").select("value").where("key", "=", key).executeTakeFirst();
  return row?.value ?? null;
}

export async function setSetting(db: Q, key: string, value: string): Promise<void> {
  await db.insertInto("app_settings").values({ key, value }).onConflict((oc) => oc.column("key").doUpdateSet({ value })).execute();
}

/**
 * True while the synthetic demo data set is loaded: every page shows a banner. Remembered under the responses
 * and settings' counter, which every write to app_settings moves (migrations/0023): at an unchanged state a page
 * reads nothing for it, and after a save to a center's rows only the counters it reads anyway.
 */
export async function isDemoLoaded(db: Q): Promise<boolean> {
  return (await perResponses(db, "demo-loaded", null, () => getSetting(db, "demo_data"))) === "1";
}
