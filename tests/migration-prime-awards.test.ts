import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { open } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { migrations } from "../migrations/index";

/**
 * Migration 0015 rebuilds the spending table (SQLite cannot drop its non-negative check): a database
 * holding money before the upgrade must come out with every payment, id, index and trigger intact.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baseline-m15-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("upgrading a database with spending to prime awards and refunds", () => {
  it("keeps the payments, their ids and the summaries, keeps the spending triggers, and then accepts refunds down to zero only", async () => {
    const { db, sqlite } = open(path.join(dir, "old.sqlite"));
    await sql`create table schema_migrations (name text primary key, executed_at text not null)`.execute(db);
    const older = Object.keys(migrations).sort().filter((n) => n < "0015");
    for (const name of older) {
      await db.transaction().execute(async (trx) => {
        await migrations[name].up(trx);
        await sql`insert into schema_migrations (name, executed_at) values (${name}, ${"x"})`.execute(trx);
      });
    }
    const now = "2024-01-01T00:00:00Z";
    const c = await db.insertInto("centers").values({ code: "VA", name: "Virginia", state: "VA", kind: "state", created_at: now }).returning("id").executeTakeFirstOrThrow();
    const a = await db
      .insertInto("awards")
      .values({ award_number: "A1", center_id: c.id, program_code: "SHSP", fiscal_year: 2024, amount_cents: 100_00, pop_start: "2023-10-01", pop_end: "2026-09-30", created_at: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    const l = await db
      .insertInto("budget_lines")
      .values({ line_id: "A1-L1", award_id: a.id, poete: "equipment", cost_category: "equipment", amount_cents: 100_00, created_at: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    for (let i = 1; i <= 3; i++) await db.insertInto("spending").values({ spend_id: `S${i}`, budget_line_id: l.id, date: "2024-01-0" + i, amount_cents: 10_00, created_at: now }).execute();
    await db.deleteFrom("spending").where("spend_id", "=", "S3").execute();
    const triggersBefore = sqlite.prepare("select name from sqlite_master where type = 'trigger' and tbl_name = 'spending' order by name").pluck().all();
    const rowsBefore = await db.selectFrom("spending").selectAll().orderBy("id").execute();

    expect(await migrateToLatest(db)).toContain("0015_prime_awards");

    expect(await db.selectFrom("spending").selectAll().orderBy("id").execute()).toEqual(rowsBefore);
    // Every trigger survives 0015's rebuild of the table; later migrations may add their own (0019's center counters).
    const triggersAfter = sqlite.prepare("select name from sqlite_master where type = 'trigger' and tbl_name = 'spending' order by name").pluck().all();
    expect(triggersAfter).toEqual(expect.arrayContaining(triggersBefore));
    expect(triggersAfter.filter((t) => !triggersBefore.includes(t)).every((t) => /^center_version_/.test(String(t)))).toBe(true);
    expect(sqlite.prepare("pragma integrity_check").pluck().get()).toBe("ok");
    expect(sqlite.prepare("pragma foreign_key_check").all()).toEqual([]);
    // AUTOINCREMENT still never reuses the id of the deleted payment.
    const next = await db.insertInto("spending").values({ spend_id: "S4", budget_line_id: l.id, date: "2024-02-01", amount_cents: -20_00, created_at: now }).returning("id").executeTakeFirstOrThrow();
    expect(next.id).toBe(4);
    const sums = await db.selectFrom("awards").innerJoin("budget_lines", "budget_lines.award_id", "awards.id").select(["awards.spent_cents as award", "budget_lines.spent_cents as line"]).executeTakeFirstOrThrow();
    expect(sums).toEqual({ award: 0, line: 0 });
    const years = await db.selectFrom("line_spending_years").select(["amount_cents", "payments"]).execute();
    expect(years).toEqual([{ amount_cents: 0, payments: 3 }]);
    await expect(db.insertInto("spending").values({ spend_id: "S5", budget_line_id: l.id, date: "2024-02-02", amount_cents: -1, created_at: now }).execute()).rejects.toThrow(
      /BASELINE_SPENT_NEGATIVE/,
    );
    expect(await db.selectFrom("programs").select(["code", "agency", "federal", "pop_months", "ma_cap_pct", "personnel_cap_pct"]).where("code", "in", ["SHSP", "OPSG"]).orderBy("code").execute()).toEqual([
      { code: "OPSG", agency: "DHS", federal: 1, pop_months: 36, ma_cap_pct: 5, personnel_cap_pct: 50 },
      { code: "SHSP", agency: "DHS", federal: 1, pop_months: 36, ma_cap_pct: 5, personnel_cap_pct: 50 },
    ]);
    await db.destroy();
  });
});
