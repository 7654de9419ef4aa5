import type { Q } from "../../db/schema";

export async function getSetting(db: Q, key: string): Promise<string | null> {
  const row = await db.selectFrom("app_settings").select("value").where("key", "=", key).executeTakeFirst();
  return row?.value ?? null;
}

export async function setSetting(db: Q, key: string, value: string): Promise<void> {
  await db.insertInto("app_settings").values({ key, value }).onConflict((oc) => oc.column("key").doUpdateSet({ value })).execute();
}

/** True while the synthetic demo data set is loaded: every page shows a banner. */
export async function isDemoLoaded(db: Q): Promise<boolean> {
  return (await getSetting(db, "demo_data")) === "1";
}
