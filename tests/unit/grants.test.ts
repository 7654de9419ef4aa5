import { describe, expect, it } from "vitest";
import { awardFigures, awardTotals, burnRate, byCapabilityArea, byCostCategory, byPoete, fundingBySource, NO_CAPABILITY, sourcesPresent, sumFundingYears, type LineFact } from "~/domain/grants";

/*
 * A hand-built award: $100,000.00, period of performance 2024-01-01 .. 2024-12-31 (2024 is a leap
 * year: 366 days). Five lines, one voided:
 *
 *   line  capability  POETE         category     budgeted     spent
 *   L1    I.A         planning      personnel    40,000.00    30,000.00
 *   L2    I.A.1       training      travel       10,000.00     2,500.50
 *   L3    II.B        equipment     equipment    25,000.00         0.00
 *   L4    (none)      organization  ma            5,000.00     4,999.99
 *   L5    I.A         planning      personnel     8,000.00         0.00   voided: left out
 *
 *   budgeted   = 40,000 + 10,000 + 25,000 + 5,000           = 80,000.00
 *   unbudgeted = 100,000 − 80,000                            = 20,000.00
 *   spent      = 30,000 + 2,500.50 + 0 + 4,999.99            = 37,500.49
 *   unspent    = 100,000 − 37,500.49                         = 62,499.51
 */
const AWARD = { amountCents: 100_000_00, popStart: "2024-01-01", popEnd: "2024-12-31" };
const line = (capabilityId: string | null, poete: LineFact["poete"], costCategory: LineFact["costCategory"], amountCents: number, spentCents: number, voided = false): LineFact => ({
  capabilityId,
  poete,
  costCategory,
  amountCents,
  spentCents,
  voided,
});
const LINES: LineFact[] = [
  line("I.A", "planning", "personnel", 40_000_00, 30_000_00),
  line("I.A.1", "training", "travel", 10_000_00, 2_500_50),
  line("II.B", "equipment", "equipment", 25_000_00, 0),
  line(null, "organization", "ma", 5_000_00, 4_999_99),
  line("I.A", "planning", "personnel", 8_000_00, 0, true),
];
const CATALOG = [
  { id: "I", framework_id: "baseline-2008", parent_id: null },
  { id: "I.A", framework_id: "baseline-2008", parent_id: "I" },
  { id: "I.A.1", framework_id: "baseline-2008", parent_id: "I.A" },
  { id: "II", framework_id: "baseline-2008", parent_id: null },
  { id: "II.B", framework_id: "baseline-2008", parent_id: "II" },
];

describe("award figures (planned vs spent)", () => {
  it("adds up the live lines to the cent and leaves the voided line out", () => {
    const f = awardFigures(AWARD, LINES, "2024-07-01");
    expect(f.amountCents).toBe(100_000_00);
    expect(f.budgetedCents).toBe(80_000_00);
    expect(f.unbudgetedCents).toBe(20_000_00);
    expect(f.spentCents).toBe(37_500_49);
    expect(f.unspentCents).toBe(62_499_51);
    expect(f.liveLines).toBe(4);
    expect(f.voidedLines).toBe(1);
  });

  it("compares the share of the period elapsed with the share spent", () => {
    // 2024-07-01: Jan 31 + Feb 29 + Mar 31 + Apr 30 + May 31 + Jun 30 = 182 days, plus Jul 1 itself = 183 of 366 = 50%.
    // Spent 37,500.49 of 100,000 = 37.50049%; lag 12.5 points, under the quarter that counts as behind.
    const mid = awardFigures(AWARD, LINES, "2024-07-01").burn;
    expect(mid.elapsedDays).toBe(183);
    expect(mid.totalDays).toBe(366);
    expect(mid.elapsedShare).toBe(0.5);
    expect(mid.spentShare).toBeCloseTo(0.3750049, 10);
    expect(mid.status).toBe("on pace");
    // 2024-10-01: 183 + Jul 31 + Aug 31 + Sep 30 = 275 of 366 = 75.14%; lag 37.6 points > 25: behind.
    const late = awardFigures(AWARD, LINES, "2024-10-01").burn;
    expect(late.elapsedDays).toBe(275);
    expect(late.status).toBe("behind");
  });

  it("clamps the period before its start and after its end", () => {
    expect(burnRate({ ...AWARD, spentCents: 0 }, "2023-12-31")).toMatchObject({ elapsedDays: 0, elapsedShare: 0, status: "not started" });
    expect(burnRate({ ...AWARD, spentCents: 100_000_00 }, "2025-03-01")).toMatchObject({ elapsedDays: 366, elapsedShare: 1, spentShare: 1, status: "ended" });
    // The first day counts as one day elapsed.
    expect(burnRate({ ...AWARD, spentCents: 0 }, "2024-01-01").elapsedDays).toBe(1);
  });

  it("gives zero shares for a zero-dollar award instead of dividing by zero", () => {
    const f = awardFigures({ ...AWARD, amountCents: 0 }, [], "2024-07-01");
    expect(f.burn.spentShare).toBe(0);
    expect(f.unbudgetedCents).toBe(0);
  });
});

describe("planned vs spent by group", () => {
  it("groups by capability area: an item counts toward its area, no capability comes last", () => {
    // I.A = L1 + L2 (I.A.1 is under I.A): 40,000 + 10,000 = 50,000 budgeted; 30,000 + 2,500.50 = 32,500.50 spent.
    expect(byCapabilityArea(LINES, CATALOG)).toEqual([
      { area: "I.A", budgetedCents: 50_000_00, spentCents: 32_500_50, remainingCents: 17_499_50, lines: 2 },
      { area: "II.B", budgetedCents: 25_000_00, spentCents: 0, remainingCents: 25_000_00, lines: 1 },
      { area: NO_CAPABILITY, budgetedCents: 5_000_00, spentCents: 4_999_99, remainingCents: 1, lines: 1 },
    ]);
  });

  it("groups by POETE area in POETE order, without the voided line", () => {
    expect(byPoete(LINES).map((r) => [r.poete, r.budgetedCents, r.spentCents])).toEqual([
      ["planning", 40_000_00, 30_000_00],
      ["organization", 5_000_00, 4_999_99],
      ["equipment", 25_000_00, 0],
      ["training", 10_000_00, 2_500_50],
    ]);
  });

  it("groups by cost category in SF-424A order", () => {
    expect(byCostCategory(LINES).map((r) => r.costCategory)).toEqual(["personnel", "travel", "equipment", "ma"]);
    // The groups add back up to the award's budgeted and spent figures.
    const rows = byCostCategory(LINES);
    expect(rows.reduce((s, r) => s + r.budgetedCents, 0)).toBe(80_000_00);
    expect(rows.reduce((s, r) => s + r.spentCents, 0)).toBe(37_500_49);
  });
});

describe("award list totals and funding by source", () => {
  it("totals live awards only", () => {
    const t = awardTotals([
      { amountCents: 1_000_00, budgetedCents: 900_00, spentCents: 450_25, voided: false },
      { amountCents: 2_000_00, budgetedCents: 2_000_00, spentCents: 1_999_99, voided: false },
      { amountCents: 9_999_00, budgetedCents: 0, spentCents: 0, voided: true },
    ]);
    // 1,000 + 2,000 = 3,000 awarded; 900 + 2,000 = 2,900 budgeted; 450.25 + 1,999.99 = 2,450.24 spent.
    expect(t).toEqual({ awards: 2, amountCents: 3_000_00, budgetedCents: 2_900_00, unbudgetedCents: 100_00, spentCents: 2_450_24, unspentCents: 549_76 });
  });

  it("sums award money per fiscal year and source, oldest first, without voided awards", () => {
    const rows = fundingBySource([
      { fiscalYear: 2024, agency: "DHS", amountCents: 100_00, voided: false },
      { fiscalYear: 2024, agency: "DOJ", amountCents: 50_00, voided: false },
      { fiscalYear: 2024, agency: "STATE", amountCents: 30_00, voided: false },
      { fiscalYear: 2024, agency: "DHS", amountCents: 20_00, voided: false },
      { fiscalYear: 2025, agency: "DHS", amountCents: 10_00, voided: true },
      { fiscalYear: 2025, agency: "LOCAL", amountCents: 5_00, voided: false },
      { fiscalYear: 2023, agency: "OTHER", amountCents: 7_00, voided: false },
    ]);
    expect(rows).toEqual([
      { fiscalYear: 2023, totalCents: 7_00, DHS: 0, DOJ: 0, STATE: 0, LOCAL: 0, OTHER: 7_00 },
      { fiscalYear: 2024, totalCents: 200_00, DHS: 120_00, DOJ: 50_00, STATE: 30_00, LOCAL: 0, OTHER: 0 },
      { fiscalYear: 2025, totalCents: 5_00, DHS: 0, DOJ: 0, STATE: 0, LOCAL: 5_00, OTHER: 0 },
    ]);
    expect(sourcesPresent(rows)).toEqual(["DHS", "DOJ", "STATE", "LOCAL", "OTHER"]);
    expect(sourcesPresent(rows.slice(2))).toEqual(["LOCAL"]);
  });

  it("adds several centers' funding year by year, to the cent, as one list of all their awards would", () => {
    const a = [
      { fiscalYear: 2024, agency: "DHS" as const, amountCents: 100_01, voided: false },
      { fiscalYear: 2022, agency: "DOJ" as const, amountCents: 3_33, voided: false },
    ];
    const b = [
      { fiscalYear: 2024, agency: "DHS" as const, amountCents: 20_02, voided: false },
      { fiscalYear: 2024, agency: "LOCAL" as const, amountCents: 7, voided: false },
      { fiscalYear: 2025, agency: "STATE" as const, amountCents: 1_00, voided: false },
      { fiscalYear: 2022, agency: "OTHER" as const, amountCents: 2, voided: false },
    ];
    const [la, lb] = [fundingBySource(a), fundingBySource(b)];
    const summed = sumFundingYears([la, lb, []]);
    expect(summed).toEqual(fundingBySource([...a, ...b]));
    expect(summed.map((r) => [r.fiscalYear, r.totalCents])).toEqual([
      [2022, 3_35],
      [2024, 120_10],
      [2025, 1_00],
    ]);
    // The lists added up are left as they were (a center's figures are shared between pages).
    expect(la[1]).toEqual({ fiscalYear: 2024, totalCents: 100_01, DHS: 100_01, DOJ: 0, STATE: 0, LOCAL: 0, OTHER: 0 });
    expect(lb[1].totalCents).toBe(20_09);
    expect(sumFundingYears([])).toEqual([]);
  });
});
