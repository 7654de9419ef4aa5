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
    const r = await sql<{ number: string; amount: number; shares: number; centers: string; programs: string }>`
      select p.award_number as number, p.amount_cents as amount, sum(a.amount_cents) as shares,
             group_concat(distinct c.code) as centers,
             (select group_concat(program_code) from prime_award_programs pp where pp.prime_award_id = p.id) as programs
        from prime_awards p join awards a on a.prime_award_id = p.id join centers c on c.id = a.center_id
       where p.state = 'TX' and p.fiscal_year = 2024 and p.assistance_listing = '97.067'
       group by p.id`.execute(t.db);
    expect(r.rows).toHaveLength(1);
    const tx = r.rows[0];
    expect(tx.centers.split(",")).toEqual(expect.arrayContaining(["TX", "TX-HOU"]));
    expect(tx.programs.split(",").sort()).toEqual(["SHSP", "UASI"]);
    expect(tx.amount).toBeGreaterThan(tx.shares);
  });

  it("has JAG both through a prime and held directly", async () => {
    const r = await sql<{ through: number; direct: number }>`
      select sum(prime_award_id is not null) as through, sum(prime_award_id is null) as direct from awards where program_code = 'JAG'`.execute(t.db);
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
