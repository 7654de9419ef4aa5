import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { useTestDatabase } from "./helpers/db";
import { loadDemo } from "~/demo/load.server";
import { evaluateCompliance, RULES, statusByCenterYear, type Finding } from "~/domain/compliance";
import { loadComplianceData } from "~/models/compliance.server";
import { defaultFiscalYear } from "~/models/years.server";
import type { DemoSummary } from "../db/demo";

/**
 * The demo data must show every rule at work , while most centers stay green
 * or amber in the latest year. Loaded and evaluated at one fixed report date.
 */
const REFERENCE_DATE = "2025-06-30";
const t = useTestDatabase();

describe("compliance findings on the demo data", () => {
  let summary: DemoSummary;
  let all: Finding[];
  let obligations = 0;

  beforeAll(async () => {
    summary = await loadDemo(t.db, { referenceDate: REFERENCE_DATE });
    all = evaluateCompliance(await loadComplianceData(t.db, { asOf: REFERENCE_DATE }));
    const r = await t.db.selectFrom("reporting_obligations").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    obligations = Number(r.n);
  });

  it("makes every rule fire at least once", () => {
    const fired = new Set(all.map((f) => f.rule));
    // REPORT-OVERDUE needs reporting obligations, which the lifecycle feature's demo hook writes.
    const expected = RULES.map((r) => r.id).filter((id) => id !== "REPORT-OVERDUE" || obligations > 0);
    expect(expected.filter((id) => !fired.has(id))).toEqual([]);
  });

  it("leaves red centers a minority in the latest fiscal year", async () => {
    const fy = (await defaultFiscalYear(t.db))?.fiscalYear;
    expect(fy).toBe(2025);
    const status = statusByCenterYear(all);
    const centers = await t.db.selectFrom("centers").select("code").execute();
    const red = centers.filter((c) => status.get(`${c.code}|${fy}`) === "red").length;
    expect(red).toBeGreaterThan(0);
    expect(red * 2).toBeLessThan(centers.length);
  });

  it("reports the planted problems on the planted awards and centers", () => {
    const has = (rule: string, pred: (f: Finding) => boolean) => all.some((f) => f.rule === rule && pred(f));
    expect(has("MA-CAP", (f) => f.awardNumber === summary.planted["MA-CAP"])).toBe(true);
    expect(has("OUTSIDE-POP", (f) => f.awardNumber === summary.planted["OUTSIDE-POP"])).toBe(true);
    expect(has("POP-ENDING-UNSPENT", (f) => f.awardNumber === summary.planted["POP-ENDING-UNSPENT"])).toBe(true);
    expect(has("MATCH-SHORT", (f) => f.awardNumber === summary.planted["MATCH-SHORT"])).toBe(true);
    expect(has("ASSESSMENT-MISSING", (f) => f.centerCode === "GU" && f.fiscalYear === 2025)).toBe(true);
    expect(has("PRIVACY-POLICY", (f) => f.centerCode === "NM")).toBe(true);
    expect(has("SLOW-SPENDING", (f) => f.centerCode === "WV")).toBe(true);
  });

  it("gives OUTSIDE-POP and MA-CAP the amounts the raw rows give", async () => {
    const outside = all.find((f) => f.rule === "OUTSIDE-POP")!;
    const spent = await sql<{ cents: number }>`
      select sum(s.amount_cents) as cents from spending s
      join budget_lines l on l.id = s.budget_line_id join awards a on a.id = l.award_id
      where a.award_number = ${outside.awardNumber} and s.voided_at is null
        and (s.date < a.pop_start or s.date > a.pop_end)`.execute(t.db);
    expect(outside.amountCents).toBe(Number(spent.rows[0].cents));
    expect(outside.amountCents).toBeGreaterThan(0);

    const ma = all.find((f) => f.rule === "MA-CAP")!;
    const row = await sql<{ amount: number; ma: number; pct: number }>`
      select a.amount_cents as amount, p.ma_cap_pct as pct,
             (select sum(l.amount_cents) from budget_lines l where l.award_id = a.id and l.cost_category = 'ma' and l.voided_at is null) as ma
      from awards a join programs p on p.code = a.program_code where a.award_number = ${ma.awardNumber}`.execute(t.db);
    const { amount, ma: maCents, pct } = row.rows[0];
    // The planted award budgets 7% for M&A against a 5% cap: excess = M&A − floor(amount × 5 / 100).
    expect(pct).toBe(5);
    expect(ma.amountCents).toBe(maCents - Math.floor((amount * 5) / 100));
    expect(maCents).toBe(Math.floor((amount * 7) / 100));
  });
});
