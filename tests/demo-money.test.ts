import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { useTestDatabase } from "./helpers/db";
import { loadDemo } from "~/demo/load.server";
import { RECONCILE_STATUSES } from "~/domain/reconcile";
import { reconciliation } from "~/models/reconcile.server";

/**
 * The demo shows money as it really flows (docs/decisions/018, 019): primes held by the SAA with the
 * centers' shares under them, refunds, and a USAspending snapshot giving every reconciliation status.
 */
const t = useTestDatabase();

describe("the demo's primes, refunds and USAspending snapshot", () => {
  beforeAll(async () => {
    await loadDemo(t.db, { referenceDate: "2025-06-30" });
  });

  it("holds each state's HSGP in one prime shared by its centers, larger than their shares", async () => {
    // One row per share, gathered here: the engines name their string aggregates differently.
    const r = await sql<{ id: number; amount: number; share: number; center: string }>`
      select p.id, p.amount_cents as amount, a.amount_cents as share, c.code as center
        from prime_awards p join awards a on a.prime_award_id = p.id join centers c on c.id = a.center_id
       where p.state = 'TX' and p.fiscal_year = 2024 and p.assistance_listing = '97.067'`.execute(t.db);
    const primes = [...new Set(r.rows.map((row) => row.id))];
    expect(primes).toHaveLength(1);
    const programs = await t.db.selectFrom("prime_award_programs").select("program_code").where("prime_award_id", "=", primes[0]).execute();
    const tx = { amount: r.rows[0].amount, shares: r.rows.reduce((sum, row) => sum + row.share, 0) };
    expect(r.rows.map((row) => row.center)).toEqual(expect.arrayContaining(["TX", "TX-HOU"]));
    expect(programs.map((p) => p.program_code).sort()).toEqual(["SHSP", "UASI"]);
    expect(tx.amount).toBeGreaterThan(tx.shares);
  });

  it("has JAG both through a prime and held directly", async () => {
    const r = await sql<{ through: number; direct: number }>`
      select sum(case when prime_award_id is not null then 1 else 0 end) as through, sum(case when prime_award_id is null then 1 else 0 end) as direct
        from awards where program_code = 'JAG'`.execute(t.db);
    expect(r.rows[0].through).toBeGreaterThan(0);
    expect(r.rows[0].direct).toBeGreaterThan(0);
  });

  it("gives every center a distinct UEI", async () => {
    const r = await sql<{ n: number; u: number }>`select count(*) as n, count(distinct uei) as u from centers`.execute(t.db);
    expect(r.rows[0].u).toBe(r.rows[0].n);
  });

  it("has refunds that leave every line's spent at zero or more", async () => {
    const r = await sql<{ refunds: number; negative: number }>`
      select (select count(*) from spending where amount_cents < 0) as refunds,
             (select count(*) from budget_lines where spent_cents < 0) as negative`.execute(t.db);
    expect(r.rows[0].refunds).toBeGreaterThanOrEqual(3);
    expect(r.rows[0].negative).toBe(0);
  });

  it("gives every reconciliation status, with the latest of a sub-award listed twice", async () => {
    const { rows } = await reconciliation(t.db, { kind: "all" });
    expect([...new Set(rows.map((r) => r.status))].sort()).toEqual([...RECONCILE_STATUSES].sort());
    const differs = rows.find((r) => r.status === "amount_differs")!;
    expect(differs.differenceCents).toBe(12_500_00);
    // The download listed one VA sub-award twice; the amended (later) amount is the one stored, and it matches.
    const va = rows.filter((r) => r.center === "VA");
    expect(va.some((r) => r.status === "matched")).toBe(true);
  });
});
