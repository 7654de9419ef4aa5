/**
 * The per-line yearly spending summary (migration 0006) that year-N findings read instead of the
 * spending table: it must follow every write to spending in the same transaction — new payments,
 * changed amounts and dates (across a fiscal-year boundary), voids and un-voids, moves to another
 * line, deletes — and count a zero-cent payment as "had spending".
 */
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
const NOW = "2025-01-01T00:00:00.000Z";
let lineA = 0;
let lineB = 0;

async function summary(): Promise<Array<{ line: number; fy: number; cents: number; payments: number }>> {
  const r = await sql<{ line: number; fy: number; cents: number; payments: number }>`
    select budget_line_id as line, fiscal_year as fy, amount_cents as cents, payments
    from line_spending_years where payments <> 0 or amount_cents <> 0 order by budget_line_id, fiscal_year`.execute(t.db);
  return r.rows;
}

async function pay(spendId: string, line: number, date: string, cents: number): Promise<number> {
  const r = await t.db
    .insertInto("spending")
    .values({ spend_id: spendId, budget_line_id: line, date, amount_cents: cents, description: "", created_at: NOW })
    .returning("id")
    .executeTakeFirstOrThrow();
  return r.id;
}

describe("line_spending_years", () => {
  beforeAll(async () => {
    const center = await t.db
      .insertInto("centers")
      .values({ code: "ZZ", name: "Test center", state: "VA", kind: "state", created_at: NOW })
      .returning("id")
      .executeTakeFirstOrThrow();
    const award = await t.db
      .insertInto("awards")
      .values({
        award_number: "T-1",
        center_id: center.id,
        program_code: "SHSP",
        fiscal_year: 2024,
        amount_cents: 100_000_00,
        pop_start: "2023-10-01",
        pop_end: "2026-09-30",
        created_at: NOW,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const line = (id: string) =>
      t.db
        .insertInto("budget_lines")
        .values({ line_id: id, award_id: award.id, capability_id: "I.A", poete: "planning", cost_category: "personnel", amount_cents: 40_000_00, created_at: NOW })
        .returning("id")
        .executeTakeFirstOrThrow();
    lineA = (await line("L-A")).id;
    lineB = (await line("L-B")).id;
  });

  it("adds each new payment to its line's fiscal year (September is FY2024, October FY2025)", async () => {
    await pay("P1", lineA, "2024-09-30", 1_000_00);
    await pay("P2", lineA, "2024-10-01", 250_00);
    await pay("P3", lineA, "2024-10-15", 50_00);
    expect(await summary()).toEqual([
      { line: lineA, fy: 2024, cents: 1_000_00, payments: 1 },
      { line: lineA, fy: 2025, cents: 300_00, payments: 2 },
    ]);
  });

  it("moves a payment between years when its date changes, and follows amount changes", async () => {
    await t.db.updateTable("spending").set({ date: "2023-12-01" }).where("spend_id", "=", "P3").execute();
    await t.db.updateTable("spending").set({ amount_cents: 900_00 }).where("spend_id", "=", "P1").execute();
    // FY2024: P1 900.00 + P3 50.00; FY2025: P2 250.00.
    expect(await summary()).toEqual([
      { line: lineA, fy: 2024, cents: 950_00, payments: 2 },
      { line: lineA, fy: 2025, cents: 250_00, payments: 1 },
    ]);
  });

  it("leaves voided payments out and puts them back when un-voided", async () => {
    await t.db.updateTable("spending").set({ voided_at: NOW, void_reason: "duplicate" }).where("spend_id", "=", "P2").execute();
    expect(await summary()).toEqual([{ line: lineA, fy: 2024, cents: 950_00, payments: 2 }]);
    await t.db.updateTable("spending").set({ voided_at: null, void_reason: null }).where("spend_id", "=", "P2").execute();
    expect(await summary()).toEqual([
      { line: lineA, fy: 2024, cents: 950_00, payments: 2 },
      { line: lineA, fy: 2025, cents: 250_00, payments: 1 },
    ]);
  });

  it("follows a payment moved to another line, and a deleted one", async () => {
    await t.db.updateTable("spending").set({ budget_line_id: lineB }).where("spend_id", "=", "P1").execute();
    await t.db.deleteFrom("spending").where("spend_id", "=", "P3").execute();
    expect(await summary()).toEqual([
      { line: lineA, fy: 2025, cents: 250_00, payments: 1 },
      { line: lineB, fy: 2024, cents: 900_00, payments: 1 },
    ]);
  });

  it("counts a zero-cent payment as spending in its year", async () => {
    await pay("P4", lineB, "2026-01-05", 0);
    expect((await summary()).find((r) => r.line === lineB && r.fy === 2026)).toEqual({ line: lineB, fy: 2026, cents: 0, payments: 1 });
  });

  it("matches the spending table summed directly", async () => {
    const direct = await sql<{ line: number; fy: number; cents: number; payments: number }>`
      select budget_line_id as line,
             cast(substr(date, 1, 4) as integer) + case when substr(date, 6, 2) >= '10' then 1 else 0 end as fy,
             sum(amount_cents) as cents, count(*) as payments
      from spending where voided_at is null group by 1, 2 order by 1, 2`.execute(t.db);
    expect(await summary()).toEqual(direct.rows);
  });
});
