/**
 * The responses and settings' counter (row -1 of center_versions, migrations/0023), on whichever engine the
 * suite runs: every write to finding_responses, app_settings or assessment_reviews (0025) moves it (once a row on SQLite, once a statement
 * on PostgreSQL), in the writing transaction; a write to a center's rows does not (docs/decisions/042-responses-and-settings-counter.md).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { isDemoLoaded, setSetting } from "~/models/settings.server";
import { useTestDatabase } from "./helpers/db";

const t = useTestDatabase();
const NOW = "2025-06-30T12:00:00.000Z";

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
});

const counter = async () => Number((await t.db.selectFrom("center_versions").select("version").where("center_id", "=", -1).executeTakeFirstOrThrow()).version);

async function moves(write: () => Promise<unknown>): Promise<number> {
  const before = await counter();
  await write();
  return (await counter()) - before;
}

describe("the responses and settings' counter", () => {
  it("moves on every write to the settings or the responses, several rows at a time included", async () => {
    expect(await moves(() => t.db.insertInto("app_settings").values({ key: "test_a", value: "1" }).execute())).toBe(1);
    expect(await moves(() => t.db.updateTable("app_settings").set({ value: "2" }).where("key", "=", "test_a").execute())).toBe(1);
    expect(await moves(() => t.db.deleteFrom("app_settings").where("key", "=", "test_a").execute())).toBe(1);
    const response = (n: number) => ({ rule: "MA-CAP", center_code: `ZZ${n}`, award_number: `ZZ-${n}`, fiscal_year: 2025, updated_at: NOW });
    expect(await moves(() => t.db.insertInto("finding_responses").values([response(1), response(2)]).execute())).toBeGreaterThanOrEqual(1);
    expect(await moves(() => t.db.updateTable("finding_responses").set({ response: "noted" }).where("center_code", "like", "ZZ%").execute())).toBeGreaterThanOrEqual(1);
    expect(await moves(() => t.db.deleteFrom("finding_responses").where("center_code", "like", "ZZ%").execute())).toBeGreaterThanOrEqual(1);
  });

  it("moves, with the change counter, on every write to a sign-off, and a center's counters stand still", async () => {
    const center = await t.db.selectFrom("centers").select("id").where("code", "=", "VA").executeTakeFirstOrThrow();
    const dataVersion = async () => Number((await t.db.selectFrom("data_version").select("version").executeTakeFirstOrThrow()).version);
    const own = async () => Number((await t.db.selectFrom("center_versions").select("version").where("center_id", "=", center.id).executeTakeFirstOrThrow()).version);
    const [data, mine] = [await dataVersion(), await own()];
    expect(await moves(() => t.db.insertInto("assessment_reviews").values({ center_id: center.id, fiscal_year: 2031 }).execute())).toBe(1);
    expect(await moves(() => t.db.updateTable("assessment_reviews").set({ state: "submitted" }).where("fiscal_year", "=", 2031).execute())).toBe(1);
    expect(await moves(() => t.db.deleteFrom("assessment_reviews").where("fiscal_year", "=", 2031).execute())).toBe(1);
    expect(await dataVersion()).toBe(data + 3);
    expect(await own()).toBe(mine);
  });

  it("stands still when a center's rows or a shared table are written", async () => {
    const line = await t.db.selectFrom("budget_lines").select(["id", "description"]).orderBy("id").executeTakeFirstOrThrow();
    expect(await moves(() => t.db.updateTable("budget_lines").set({ description: `${line.description} (moved)` }).where("id", "=", line.id).execute())).toBe(0);
    const program = await t.db.selectFrom("programs").select(["code", "name"]).orderBy("code").executeTakeFirstOrThrow();
    expect(await moves(() => t.db.updateTable("programs").set({ name: program.name }).where("code", "=", program.code).execute())).toBe(0);
  });

  it("rolls back with the transaction that moved it, and the flag read before shows the write after", async () => {
    expect(await isDemoLoaded(t.db)).toBe(true);
    const before = await counter();
    await expect(
      t.db.transaction().execute(async (trx) => {
        await setSetting(trx, "demo_data", "0");
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await counter()).toBe(before);
    expect(await isDemoLoaded(t.db)).toBe(true);
    await setSetting(t.db, "demo_data", "0");
    try {
      expect(await isDemoLoaded(t.db)).toBe(false);
    } finally {
      await setSetting(t.db, "demo_data", "1");
    }
    expect(await isDemoLoaded(t.db)).toBe(true);
  });
});
