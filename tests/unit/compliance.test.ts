import { describe, expect, it } from "vitest";
import type { AssessmentStatus } from "../../db/schema";
import {
  buildCapabilityGraph,
  buildContext,
  complianceStatus,
  evaluateCompliance,
  findingKey,
  findingKeyParts,
  gapFunding,
  parseFindingKey,
  RULE_INFO,
  RULES,
  statusByCenterYear,
  type ComplianceData,
  type Finding,
} from "~/domain/compliance";

/*
 * Small hand-built data sets. Report date 2024-06-15 (FY2024) unless a test says otherwise.
 * The default award ($1,000,000.00, SHSP, FY2024, PoP 2023-10-01..2026-09-30, nothing spent) is
 * clean on every award rule on that date: 259 of 1,096 days elapsed = 23.6% < 25% lag.
 */

type Award = ComplianceData["awards"][number];
type Line = ComplianceData["budgetLines"][number];

const CATALOG: ComplianceData["catalog"] = [
  { id: "I", framework_id: "baseline-2008", parent_id: null, privacy: false },
  { id: "I.A", framework_id: "baseline-2008", parent_id: "I", privacy: false },
  { id: "I.B", framework_id: "baseline-2008", parent_id: "I", privacy: false },
  { id: "II", framework_id: "baseline-2008", parent_id: null, privacy: false },
  { id: "II.A", framework_id: "baseline-2008", parent_id: "II", privacy: false },
  { id: "II.B", framework_id: "baseline-2008", parent_id: "II", privacy: true },
  { id: "COC-4", framework_id: "coc-ec", parent_id: null, privacy: false },
  { id: "EC-1", framework_id: "coc-ec", parent_id: null, privacy: true },
];
// One link each way round, to show direction does not matter.
const LINKS = [
  { from_id: "I.B", to_id: "COC-4" },
  { from_id: "EC-1", to_id: "II.B" },
];
const PROGRAMS: ComplianceData["programs"] = [
  { code: "SHSP", federal: true, maCapPct: 5, matchPct: null },
  { code: "JAG", federal: true, maCapPct: null, matchPct: null },
  { code: "COPS", federal: true, maCapPct: null, matchPct: 25 },
  { code: "STATE", federal: false, maCapPct: null, matchPct: null },
  { code: "STATE5", federal: false, maCapPct: 5, matchPct: null },
];

function makeData(p: Partial<ComplianceData> = {}): ComplianceData {
  return {
    asOf: "2024-06-15",
    programs: PROGRAMS,
    centers: [
      { code: "AZ", state: "AZ" },
      { code: "CA", state: "CA" },
    ],
    catalog: CATALOG,
    links: LINKS,
    awards: [],
    budgetLines: [],
    lineSpendingByFiscalYear: [],
    assessments: [],
    obligations: [],
    ...p,
  };
}

function award(p: Partial<Award> = {}): Award {
  return {
    awardNumber: "A1",
    centerCode: "AZ",
    programCode: "SHSP",
    fiscalYear: 2024,
    amountCents: 1_000_000_00,
    popStart: "2023-10-01",
    popEnd: "2026-09-30",
    spentCents: 0,
    spentBeforeStartCents: 0,
    spentAfterEndCents: 0,
    matchRequiredCents: 0,
    matchProvidedCents: 0,
    ...p,
  };
}

function line(lineId: string, awardNumber: string, capabilityId: string | null, amountCents: number, costCategory = "personnel"): Line {
  return { lineId, awardNumber, capabilityId, costCategory, amountCents };
}

function assess(centerCode: string, fiscalYear: number, statuses: Record<string, AssessmentStatus>): ComplianceData["assessments"] {
  return Object.entries(statuses).map(([capabilityId, status]) => ({ centerCode, fiscalYear, capabilityId, status }));
}

const ALL_ACHIEVED: Record<string, AssessmentStatus> = { "I.A": "achieved", "I.B": "achieved", "II.A": "achieved", "II.B": "achieved" };

function only(findings: Finding[], rule: string): Finding[] {
  return findings.filter((f) => f.rule === rule);
}

function run(p: Partial<ComplianceData>, rule: string, opts?: { fiscalYear?: number }): Finding[] {
  return only(evaluateCompliance(makeData(p), opts), rule);
}

describe("a well-run center", () => {
  it("has no findings and is green", () => {
    const findings = evaluateCompliance(
      makeData({
        awards: [award()],
        budgetLines: [line("L1", "A1", "I.A", 500_000_00), line("L2", "A1", "II.B", 100_000_00)],
        assessments: assess("AZ", 2024, ALL_ACHIEVED),
      }),
    );
    expect(findings).toEqual([]);
    expect(complianceStatus(findings)).toBe("green");
  });
});

describe("PRIVACY-POLICY", () => {
  const base = { awards: [award()], budgetLines: [line("L1", "A1", "I.A", 250_000_00)] };

  it("fires when the privacy capability is recorded partial, with the federal lines in the message", () => {
    const f = run({ ...base, assessments: assess("AZ", 2024, { ...ALL_ACHIEVED, "II.B": "partial" }) }, "PRIVACY-POLICY");
    expect(f).toEqual([
      {
        rule: "PRIVACY-POLICY",
        severity: "violation",
        centerCode: "AZ",
        awardNumber: null,
        fiscalYear: 2024,
        capabilityId: null,
        amountCents: null,
        message: "FY2024 federal budget lines total $250,000.00, but the FY2024 assessment records II.B as partial",
      },
    ]);
  });

  it("fires when a privacy capability of another framework is not achieved, even with II.B achieved", () => {
    const f = run({ ...base, assessments: assess("AZ", 2024, { ...ALL_ACHIEVED, "EC-1": "not_achieved" }) }, "PRIVACY-POLICY");
    expect(f).toHaveLength(1);
    expect(f[0].message).toContain("EC-1 as not achieved");
  });

  it("fires when no privacy capability is assessed at all", () => {
    const f = run({ ...base, assessments: assess("AZ", 2024, { "I.A": "achieved" }) }, "PRIVACY-POLICY");
    expect(f).toHaveLength(1);
    expect(f[0].message).toBe("FY2024 federal budget lines total $250,000.00, but the FY2024 assessment records no privacy capability as achieved");
  });

  it("fires when the only privacy row is not applicable (none recorded achieved)", () => {
    expect(run({ ...base, assessments: assess("AZ", 2024, { "II.B": "not_applicable" }) }, "PRIVACY-POLICY")).toHaveLength(1);
  });

  it("does not fire when a privacy capability is achieved and the unassessed one (EC-1) is ignored", () => {
    expect(run({ ...base, assessments: assess("AZ", 2024, ALL_ACHIEVED) }, "PRIVACY-POLICY")).toEqual([]);
  });

  it("does not fire without federal budget lines: state lines only, or a federal award with no lines", () => {
    const state = award({ awardNumber: "S1", programCode: "STATE" });
    const assessments = assess("AZ", 2024, { "II.B": "not_achieved" });
    expect(run({ awards: [state], budgetLines: [line("L1", "S1", "I.A", 10_00)], assessments }, "PRIVACY-POLICY")).toEqual([]);
    expect(run({ awards: [award()], assessments }, "PRIVACY-POLICY")).toEqual([]);
  });

  it("treats imported items under II.B as privacy capabilities", () => {
    const catalog = [...CATALOG, { id: "II.B.1", framework_id: "baseline-2008", parent_id: "II.B", privacy: false }];
    const partial = run({ ...base, catalog, assessments: assess("AZ", 2024, { "II.B.1": "partial" }) }, "PRIVACY-POLICY");
    expect(partial[0].message).toContain("II.B.1 as partial");
    expect(run({ ...base, catalog, assessments: assess("AZ", 2024, { "II.B.1": "achieved" }) }, "PRIVACY-POLICY")).toEqual([]);
  });
});

describe("ASSESSMENT-MISSING", () => {
  it("fires for a center with a federal award of the year and no assessment rows", () => {
    // Two federal awards: $1,000,000.00 + $250,000.50 = $1,250,000.50.
    const f = run({ awards: [award(), award({ awardNumber: "A2", programCode: "JAG", amountCents: 250_000_50 })] }, "ASSESSMENT-MISSING");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "violation", centerCode: "AZ", fiscalYear: 2024, awardNumber: null, amountCents: null });
    expect(f[0].message).toBe("2 federal awards of FY2024 total $1,250,000.50, but no FY2024 assessment is recorded");
  });

  it("does not fire once a single assessment row exists for that year", () => {
    expect(run({ awards: [award()], assessments: assess("AZ", 2024, { "I.A": "not_achieved" }) }, "ASSESSMENT-MISSING")).toEqual([]);
  });

  it("fires when the assessment on file is for another year only", () => {
    const f = run({ awards: [award()], assessments: assess("AZ", 2023, ALL_ACHIEVED) }, "ASSESSMENT-MISSING");
    expect(f.map((x) => x.fiscalYear)).toEqual([2024]);
  });

  it("does not fire for state money only", () => {
    expect(run({ awards: [award({ programCode: "STATE" })] }, "ASSESSMENT-MISSING")).toEqual([]);
  });
});

describe("GAP-PRIORITY", () => {
  // Gaps FY2024: I.A (not achieved). Other leaves achieved.
  const assessments = assess("AZ", 2024, { ...ALL_ACHIEVED, "I.A": "not_achieved" });

  it("fires with the untagged federal lines as amount", () => {
    // Untagged federal: $40,000.00 + $2,500.50 = $42,500.50 = 4,250,050 cents. The tagged II.B line does not count.
    const f = run(
      {
        awards: [award(), award({ awardNumber: "A2", programCode: "JAG" })],
        budgetLines: [line("L1", "A1", null, 40_000_00), line("L2", "A2", null, 2_500_50), line("L3", "A1", "II.B", 9_999_00)],
        assessments,
      },
      "GAP-PRIORITY",
    );
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "warning", centerCode: "AZ", fiscalYear: 2024, amountCents: 4_250_050 });
    expect(f[0].message).toBe("FY2024 federal budget lines naming no capability total $42,500.50 while 1 gap is unfunded: I.A");
  });

  it("does not fire when every gap is funded, even when the funding line is state money", () => {
    const f = run(
      {
        awards: [award(), award({ awardNumber: "S1", programCode: "STATE" })],
        budgetLines: [line("L1", "A1", null, 40_000_00), line("L2", "S1", "I.A", 1)],
        assessments,
      },
      "GAP-PRIORITY",
    );
    expect(f).toEqual([]);
  });

  it("does not fire when the untagged lines are state money only", () => {
    const f = run(
      { awards: [award(), award({ awardNumber: "S1", programCode: "STATE" })], budgetLines: [line("L1", "S1", null, 40_000_00)], assessments },
      "GAP-PRIORITY",
    );
    expect(f).toEqual([]);
  });

  it("counts unassessed leaves as gaps and skips not-applicable ones", () => {
    const data = { awards: [award()], budgetLines: [line("L1", "A1", null, 1_00)] };
    // I.B not assessed: a gap, unfunded.
    const missing = run({ ...data, assessments: assess("AZ", 2024, { "I.A": "achieved", "II.A": "achieved", "II.B": "achieved" }) }, "GAP-PRIORITY");
    expect(missing[0].message).toContain("1 gap is unfunded: I.B");
    expect(missing[0].amountCents).toBe(1_00);
    // I.B not applicable: no gaps left.
    expect(run({ ...data, assessments: assess("AZ", 2024, { ...ALL_ACHIEVED, "I.B": "not_applicable" }) }, "GAP-PRIORITY")).toEqual([]);
  });

  it("only counts funding lines of the same fiscal year", () => {
    const f = run(
      {
        awards: [award(), award({ awardNumber: "A23", fiscalYear: 2023, popStart: "2022-10-01", popEnd: "2025-09-30", spentCents: 1_000_000_00 })],
        budgetLines: [line("L1", "A1", null, 5_00), line("L2", "A23", "I.A", 5_00)],
        assessments: [...assessments, ...assess("AZ", 2023, ALL_ACHIEVED)],
      },
      "GAP-PRIORITY",
    );
    expect(f.map((x) => [x.fiscalYear, x.amountCents])).toEqual([[2024, 5_00]]);
  });

  it("lists every unfunded gap in catalog order", () => {
    const f = run({ awards: [award()], budgetLines: [line("L1", "A1", null, 1)], assessments: assess("AZ", 2024, {}) }, "GAP-PRIORITY");
    expect(f[0].message).toContain("4 gaps are unfunded: I.A, I.B, II.A, II.B");
  });
});

describe("funded gaps: items and links", () => {
  const graph = buildCapabilityGraph(
    [...CATALOG, { id: "II.B.1", framework_id: "baseline-2008", parent_id: "II.B", privacy: false }, { id: "I.A.1", framework_id: "baseline-2008", parent_id: "I.A", privacy: false }],
    LINKS,
  );

  it("a line naming an item funds its area; naming the area does not fund a single item", () => {
    expect(graph.funds("I.A.1", "I.A")).toBe(true);
    expect(graph.funds("I.A", "I.A.1")).toBe(false);
  });

  it("links count in both directions", () => {
    expect(graph.funds("COC-4", "I.B")).toBe(true); // stored I.B → COC-4
    expect(graph.funds("EC-1", "II.B")).toBe(true); // stored EC-1 → II.B
    expect(graph.funds("II.B", "EC-1")).toBe(true);
    expect(graph.funds("COC-4", "II.B")).toBe(false);
  });

  it("items inherit their area's links", () => {
    expect(graph.funds("EC-1", "II.B.1")).toBe(true);
    expect(graph.funds("II.B.1", "EC-1")).toBe(true);
    expect(graph.funds("COC-4", "II.B.1")).toBe(false);
  });

  it("GAP-PRIORITY sees an item-level gap funded through its area's link", () => {
    const catalog = [...CATALOG, { id: "II.B.1", framework_id: "baseline-2008", parent_id: "II.B", privacy: false }];
    // Leaves are now I.A, I.B, II.A, II.B.1; the only gap is II.B.1 (not assessed).
    const assessments = assess("AZ", 2024, { "I.A": "achieved", "I.B": "achieved", "II.A": "achieved" });
    const untagged = line("L1", "A1", null, 7_00);
    expect(run({ catalog, awards: [award()], budgetLines: [untagged, line("L2", "A1", "EC-1", 1)], assessments }, "GAP-PRIORITY")).toEqual([]);
    const f = run({ catalog, awards: [award()], budgetLines: [untagged, line("L2", "A1", "COC-4", 1)], assessments }, "GAP-PRIORITY");
    expect(f[0].message).toContain("1 gap is unfunded: II.B.1");
  });

  it("gapFunding splits the year's gaps into funded and unfunded", () => {
    const ctx = buildContext(
      makeData({
        awards: [award()],
        budgetLines: [line("L1", "A1", "COC-4", 1), line("L2", "A1", "EC-1", 1)],
        assessments: assess("AZ", 2024, { "I.A": "partial" }),
      }),
    );
    expect(gapFunding(ctx, "AZ", 2024)).toEqual({ gaps: ["I.A", "I.B", "II.A", "II.B"], funded: ["I.B", "II.B"], unfunded: ["I.A", "II.A"] });
  });
});

describe("FUNDED-GAP-STALLED", () => {
  const a23 = award({ awardNumber: "A23", fiscalYear: 2023, popStart: "2022-10-01", popEnd: "2025-09-30", spentCents: 600_000_00 });
  const lines = [line("L1", "A23", "II.A", 100_000_00), line("L2", "A23", "II.A", 50_000_00), line("L3", "A23", "I.B", 10_000_00)];

  it("fires per capability with the previous year's spending as amount", () => {
    // II.A: $12,345.67 (L1) + $100.00 (L2) spent in FY2023 = 1,234,567 + 10,000 = 1,244,567 cents.
    // L1 spending in FY2024 ($999.99) and FY2022 ($5.00) is not the previous year of FY2024.
    const f = run(
      {
        awards: [a23],
        budgetLines: lines,
        lineSpendingByFiscalYear: [
          { lineId: "L1", fiscalYear: 2023, amountCents: 12_345_67 },
          { lineId: "L2", fiscalYear: 2023, amountCents: 100_00 },
          { lineId: "L1", fiscalYear: 2024, amountCents: 999_99 },
          { lineId: "L1", fiscalYear: 2022, amountCents: 5_00 },
        ],
        assessments: assess("AZ", 2024, { ...ALL_ACHIEVED, "II.A": "not_achieved" }),
      },
      "FUNDED-GAP-STALLED",
    );
    expect(f).toEqual([
      {
        rule: "FUNDED-GAP-STALLED",
        severity: "warning",
        centerCode: "AZ",
        awardNumber: null,
        fiscalYear: 2024,
        capabilityId: "II.A",
        amountCents: 1_244_567,
        message: "$12,445.67 spent in FY2023 on federal budget lines naming II.A, but the FY2024 assessment records II.A as not achieved",
      },
    ]);
  });

  it("gives one finding per capability, sorted by capability", () => {
    const f = run(
      {
        awards: [a23],
        budgetLines: lines,
        lineSpendingByFiscalYear: [
          { lineId: "L3", fiscalYear: 2023, amountCents: 1 },
          { lineId: "L1", fiscalYear: 2023, amountCents: 2 },
        ],
        assessments: assess("AZ", 2024, { "I.B": "not_achieved", "II.A": "not_achieved" }),
      },
      "FUNDED-GAP-STALLED",
    );
    expect(f.map((x) => [x.capabilityId, x.amountCents])).toEqual([
      ["I.B", 1],
      ["II.A", 2],
    ]);
  });

  it("does not fire when the capability is partial or not assessed (explicit not achieved only)", () => {
    const spending = [{ lineId: "L1", fiscalYear: 2023, amountCents: 12_345_67 }];
    expect(run({ awards: [a23], budgetLines: lines, lineSpendingByFiscalYear: spending, assessments: assess("AZ", 2024, { "II.A": "partial" }) }, "FUNDED-GAP-STALLED")).toEqual([]);
    expect(run({ awards: [a23], budgetLines: lines, lineSpendingByFiscalYear: spending, assessments: assess("AZ", 2024, { "I.A": "achieved" }) }, "FUNDED-GAP-STALLED")).toEqual([]);
  });

  it("ignores state lines and fires from one cent of federal spending", () => {
    const s23 = award({ awardNumber: "S23", programCode: "STATE", fiscalYear: 2023 });
    const f = run(
      {
        awards: [a23, s23],
        budgetLines: [...lines, line("S1", "S23", "II.A", 50_000_00)],
        lineSpendingByFiscalYear: [
          { lineId: "S1", fiscalYear: 2023, amountCents: 40_000_00 },
          { lineId: "L2", fiscalYear: 2023, amountCents: 1 },
        ],
        assessments: assess("AZ", 2024, { "II.A": "not_achieved" }),
      },
      "FUNDED-GAP-STALLED",
    );
    expect(f.map((x) => x.amountCents)).toEqual([1]);
  });
});

describe("MA-CAP", () => {
  it("fires with the excess over the 5% cap", () => {
    // Cap = floor($1,000,000.00 × 5 / 100) = $50,000.00; M&A lines $45,000 + $15,000 = $60,000.00; excess $10,000.00.
    const f = run(
      {
        awards: [award()],
        budgetLines: [line("L1", "A1", null, 45_000_00, "ma"), line("L2", "A1", null, 15_000_00, "ma"), line("L3", "A1", null, 200_000_00, "personnel")],
      },
      "MA-CAP",
    );
    expect(f).toEqual([
      {
        rule: "MA-CAP",
        severity: "violation",
        centerCode: "AZ",
        awardNumber: "A1",
        fiscalYear: 2024,
        capabilityId: null,
        amountCents: 10_000_00,
        message: "M&A lines total $60,000.00, over the 5% cap of $50,000.00 by $10,000.00",
      },
    ]);
  });

  it("does not fire at exactly the cap and fires one cent over it", () => {
    expect(run({ awards: [award()], budgetLines: [line("L1", "A1", null, 50_000_00, "ma")] }, "MA-CAP")).toEqual([]);
    const f = run({ awards: [award()], budgetLines: [line("L1", "A1", null, 50_000_01, "ma")] }, "MA-CAP");
    expect(f.map((x) => x.amountCents)).toEqual([1]);
  });

  it("rounds the cap down to the cent", () => {
    // $1,000.10 × 5% = 5,000.5 cents → cap 5,000 cents ($50.00). 5,000 passes, 5,001 exceeds by 1.
    const a = award({ amountCents: 1_000_10 });
    expect(run({ awards: [a], budgetLines: [line("L1", "A1", null, 50_00, "ma")] }, "MA-CAP")).toEqual([]);
    const f = run({ awards: [a], budgetLines: [line("L1", "A1", null, 50_01, "ma")] }, "MA-CAP");
    expect(f[0].amountCents).toBe(1);
    expect(f[0].message).toBe("M&A lines total $50.01, over the 5% cap of $50.00 by $0.01");
  });

  it("skips programs without a cap and non-federal awards", () => {
    const big = (n: string) => line("L" + n, n, null, 900_000_00, "ma");
    const f = run(
      { awards: [award({ awardNumber: "J", programCode: "JAG" }), award({ awardNumber: "S", programCode: "STATE5" })], budgetLines: [big("J"), big("S")] },
      "MA-CAP",
    );
    expect(f).toEqual([]);
  });
});

describe("OUTSIDE-POP", () => {
  it("fires with spending before the start plus after the end", () => {
    // $10.00 before + $25.50 after = $35.50.
    const f = run({ awards: [award({ spentCents: 3_550, spentBeforeStartCents: 1_000, spentAfterEndCents: 2_550 })] }, "OUTSIDE-POP");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "violation", awardNumber: "A1", fiscalYear: 2024, amountCents: 3_550 });
    expect(f[0].message).toBe("$35.50 spent outside the period of performance 2023-10-01 to 2026-09-30 ($10.00 before the start, $25.50 after the end)");
  });

  it("does not fire with nothing outside and fires from one cent", () => {
    expect(run({ awards: [award({ spentCents: 500_00 })] }, "OUTSIDE-POP")).toEqual([]);
    expect(run({ awards: [award({ spentCents: 1, spentAfterEndCents: 1 })] }, "OUTSIDE-POP").map((f) => f.amountCents)).toEqual([1]);
  });

  it("skips non-federal awards", () => {
    expect(run({ awards: [award({ programCode: "STATE", spentBeforeStartCents: 100 })] }, "OUTSIDE-POP")).toEqual([]);
  });
});

describe("POP-ENDING-UNSPENT", () => {
  // asOf 2024-06-15; +90 days: 15 (to Jun 30) + 31 + 31 + 13 = 90 → 2024-09-13.
  const ending = (p: Partial<Award>) => award({ amountCents: 100_000_00, popStart: "2021-10-01", popEnd: "2024-09-13", ...p });

  it("fires when unspent is just over 10%", () => {
    // Spent 8,999,999 of 10,000,000 → unspent 1,000,001; ×10 = 10,000,010 > 10,000,000.
    const f = run({ awards: [ending({ spentCents: 8_999_999 })] }, "POP-ENDING-UNSPENT");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "warning", amountCents: 1_000_001 });
    expect(f[0].message).toBe("Period of performance ends 2024-09-13 (in 90 days) with $10,000.01 unspent, 10.0% of $100,000.00");
  });

  it("does not fire at exactly 10% unspent", () => {
    expect(run({ awards: [ending({ spentCents: 9_000_000 })] }, "POP-ENDING-UNSPENT")).toEqual([]);
  });

  it("window is asOf..asOf+90 inclusive", () => {
    expect(run({ awards: [ending({ popEnd: "2024-09-14" })] }, "POP-ENDING-UNSPENT")).toEqual([]);
    expect(run({ awards: [ending({ popEnd: "2024-06-15" })] }, "POP-ENDING-UNSPENT")).toHaveLength(1);
    expect(run({ awards: [ending({ popEnd: "2024-06-14" })] }, "POP-ENDING-UNSPENT")).toEqual([]);
  });

  it("skips non-federal awards", () => {
    expect(run({ awards: [ending({ programCode: "STATE" })] }, "POP-ENDING-UNSPENT")).toEqual([]);
  });
});

describe("FUNDS-LAPSED", () => {
  const ended = (p: Partial<Award>) => award({ amountCents: 100_000_00, popStart: "2021-10-01", popEnd: "2024-06-14", ...p });

  it("fires from one cent unspent after the period ended", () => {
    const f = run({ awards: [ended({ spentCents: 9_999_999 })] }, "FUNDS-LAPSED");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "warning", amountCents: 1 });
    expect(f[0].message).toBe("Period of performance ended 2024-06-14 with $0.01 of $100,000.00 unspent");
  });

  it("does not fire when fully spent, on the last day itself, or for state money", () => {
    expect(run({ awards: [ended({ spentCents: 10_000_000 })] }, "FUNDS-LAPSED")).toEqual([]);
    expect(run({ awards: [ended({ popEnd: "2024-06-15" })] }, "FUNDS-LAPSED")).toEqual([]);
    expect(run({ awards: [ended({ programCode: "STATE" })] }, "FUNDS-LAPSED")).toEqual([]);
  });
});

describe("SLOW-SPENDING", () => {
  // PoP 2024-01-01..2024-04-09 = 31 + 29 + 31 + 9 = 100 days inclusive.
  // asOf 2024-02-19: elapsed 31 + 19 = 50 days (inclusive) → 50%.
  const slow = (spentCents: number, asOf = "2024-02-19", p: Partial<Award> = {}) =>
    run({ asOf, awards: [award({ amountCents: 10_000_000, popStart: "2024-01-01", popEnd: "2024-04-09", spentCents, ...p })] }, "SLOW-SPENDING");

  it("does not fire when the lag is exactly 25 points", () => {
    // 50% − 2,500,000/10,000,000 = 50% − 25% = 25%: not more than 25.
    expect(slow(2_500_000)).toEqual([]);
  });

  it("fires one cent under, with unspent as amount", () => {
    // 50% − 24.99999% > 25%; unspent 10,000,000 − 2,499,999 = 7,500,001.
    const f = slow(2_499_999);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "warning", awardNumber: "A1", amountCents: 7_500_001 });
    expect(f[0].message).toBe("50.0% of the period of performance has elapsed (50 of 100 days) but only 25.0% of $100,000.00 is spent; $75,000.01 unspent");
  });

  it("counts the last day as the whole period elapsed", () => {
    // asOf = popEnd: 100/100 = 100%; spent 75% → lag 25%, no finding; one cent less → finding.
    expect(slow(7_500_000, "2024-04-09")).toEqual([]);
    expect(slow(7_499_999, "2024-04-09").map((f) => f.amountCents)).toEqual([2_500_001]);
  });

  it("only runs during the period, and skips zero-amount and state awards", () => {
    expect(slow(0, "2023-12-31")).toEqual([]);
    expect(slow(0, "2024-04-10")).toEqual([]);
    expect(slow(0, "2024-02-19", { amountCents: 0 })).toEqual([]);
    expect(slow(0, "2024-02-19", { programCode: "STATE" })).toEqual([]);
  });
});

describe("REPORT-OVERDUE", () => {
  const ob = (report: string, due: string, submittedOn: string | null = null) => ({
    awardNumber: "A1",
    report,
    periodStart: "2023-10-01",
    periodEnd: "2023-12-31",
    due,
    submittedOn,
  });

  it("gives one finding per award counting the unsubmitted reports past due", () => {
    const f = run(
      {
        awards: [award()],
        obligations: [ob("SF-425", "2024-04-30"), ob("BSIR", "2024-01-30"), ob("SF-425", "2024-01-30", "2024-01-29"), ob("BSIR", "2024-07-30")],
      },
      "REPORT-OVERDUE",
    );
    expect(f).toEqual([
      {
        rule: "REPORT-OVERDUE",
        severity: "violation",
        centerCode: "AZ",
        awardNumber: "A1",
        fiscalYear: 2024,
        capabilityId: null,
        amountCents: null,
        message: "2 reports overdue (BSIR, SF-425); the oldest was due 2024-01-30",
      },
    ]);
  });

  it("a report due on the report date is not yet overdue; the day before is", () => {
    expect(run({ awards: [award()], obligations: [ob("SF-425", "2024-06-15")] }, "REPORT-OVERDUE")).toEqual([]);
    const f = run({ awards: [award()], obligations: [ob("SF-425", "2024-06-14")] }, "REPORT-OVERDUE");
    expect(f[0].message).toBe("1 report overdue (SF-425); the oldest was due 2024-06-14");
  });

  it("skips non-federal awards", () => {
    expect(run({ awards: [award({ programCode: "STATE" })], obligations: [ob("SF-425", "2024-01-30")] }, "REPORT-OVERDUE")).toEqual([]);
  });
});

describe("MATCH-SHORT", () => {
  // COPS $400,000.00 with 25% match required = $100,000.00 (docs/domain.md §3.4).
  const cops = (matchProvidedCents: number, p: Partial<Award> = {}) =>
    award({ programCode: "COPS", amountCents: 400_000_00, matchRequiredCents: 100_000_00, matchProvidedCents, ...p });

  it("fires with the shortfall", () => {
    const f = run({ awards: [cops(75_000_00)] }, "MATCH-SHORT");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: "warning", awardNumber: "A1", amountCents: 25_000_00 });
    expect(f[0].message).toBe("Match provided $75,000.00 of $100,000.00 required; short by $25,000.00");
  });

  it("does not fire when the match is met exactly and fires one cent short", () => {
    expect(run({ awards: [cops(100_000_00)] }, "MATCH-SHORT")).toEqual([]);
    expect(run({ awards: [cops(99_999_99)] }, "MATCH-SHORT").map((f) => f.amountCents)).toEqual([1]);
  });

  it("applies to non-federal awards with a required match, and not when no match is required", () => {
    expect(run({ awards: [cops(0, { programCode: "STATE" })] }, "MATCH-SHORT").map((f) => f.amountCents)).toEqual([100_000_00]);
    expect(run({ awards: [award({ matchRequiredCents: 0 })] }, "MATCH-SHORT")).toEqual([]);
  });
});

describe("fiscal year filter", () => {
  const data = makeData({
    awards: [
      award({ awardNumber: "A23", fiscalYear: 2023, popStart: "2022-10-01", popEnd: "2025-09-30", spentCents: 600_000_00, matchRequiredCents: 1 }),
      award({ awardNumber: "A24", matchRequiredCents: 2 }),
    ],
    budgetLines: [line("L1", "A23", "II.A", 100_000_00)],
    lineSpendingByFiscalYear: [{ lineId: "L1", fiscalYear: 2023, amountCents: 7_00 }],
    assessments: [...assess("AZ", 2023, ALL_ACHIEVED), ...assess("AZ", 2024, { ...ALL_ACHIEVED, "II.A": "not_achieved" })],
  });

  it("without it, reports every year", () => {
    expect(evaluateCompliance(data).map((f) => [f.rule, f.fiscalYear, f.awardNumber])).toEqual([
      ["FUNDED-GAP-STALLED", 2024, null],
      ["MATCH-SHORT", 2023, "A23"],
      ["MATCH-SHORT", 2024, "A24"],
    ]);
  });

  it("keeps center-year findings of the year and award findings of awards of the year", () => {
    // FUNDED-GAP-STALLED for FY2024 still reads FY2023 spending ($7.00).
    expect(evaluateCompliance(data, { fiscalYear: 2024 }).map((f) => [f.rule, f.fiscalYear, f.awardNumber, f.amountCents])).toEqual([
      ["FUNDED-GAP-STALLED", 2024, null, 7_00],
      ["MATCH-SHORT", 2024, "A24", 2], // 2 required − 0 provided
    ]);
    expect(evaluateCompliance(data, { fiscalYear: 2023 }).map((f) => [f.rule, f.awardNumber])).toEqual([["MATCH-SHORT", "A23"]]);
    expect(evaluateCompliance(data, { fiscalYear: 2022 })).toEqual([]);
  });
});

describe("sort order", () => {
  it("sorts by center, rule, award (center-year findings first), capability", () => {
    const data = makeData({
      // CA listed first on purpose; C-2 before C-1.
      awards: [
        award({ awardNumber: "C-2", centerCode: "CA", spentCents: 100, spentAfterEndCents: 100 }),
        award({ awardNumber: "C-1", centerCode: "CA", spentCents: 100, spentBeforeStartCents: 100, matchRequiredCents: 5 }),
        // AZ FY2023: 624 of 1,096 days elapsed (56.9%), 60% spent → not slow.
        award({ awardNumber: "A23", fiscalYear: 2023, popStart: "2022-10-01", popEnd: "2025-09-30", spentCents: 600_000_00 }),
      ],
      budgetLines: [line("L2", "A23", "II.A", 10_00), line("L1", "A23", "I.A", 10_00)],
      lineSpendingByFiscalYear: [
        { lineId: "L2", fiscalYear: 2023, amountCents: 3 },
        { lineId: "L1", fiscalYear: 2023, amountCents: 4 },
      ],
      assessments: assess("AZ", 2024, { "I.A": "not_achieved", "I.B": "achieved", "II.A": "not_achieved", "II.B": "achieved" }),
    });
    expect(evaluateCompliance(data).map((f) => [f.centerCode, f.rule, f.awardNumber, f.capabilityId, f.fiscalYear])).toEqual([
      ["AZ", "ASSESSMENT-MISSING", null, null, 2023],
      ["AZ", "FUNDED-GAP-STALLED", null, "I.A", 2024],
      ["AZ", "FUNDED-GAP-STALLED", null, "II.A", 2024],
      ["AZ", "PRIVACY-POLICY", null, null, 2023],
      ["CA", "ASSESSMENT-MISSING", null, null, 2024],
      ["CA", "MATCH-SHORT", "C-1", null, 2024],
      ["CA", "OUTSIDE-POP", "C-1", null, 2024],
      ["CA", "OUTSIDE-POP", "C-2", null, 2024],
    ]);
  });

  it("breaks remaining ties by fiscal year", () => {
    const data = makeData({
      awards: [award({ fiscalYear: 2024, awardNumber: "X" }), award({ fiscalYear: 2023, awardNumber: "Y", popStart: "2022-10-01", popEnd: "2025-09-30", spentCents: 600_000_00 })],
    });
    expect(only(evaluateCompliance(data), "ASSESSMENT-MISSING").map((f) => f.fiscalYear)).toEqual([2023, 2024]);
  });
});

describe("findingKey", () => {
  const f: Finding = {
    rule: "MA-CAP",
    severity: "violation",
    centerCode: "AZ",
    awardNumber: "EMW-2024-SS-00001",
    fiscalYear: 2024,
    capabilityId: null,
    amountCents: 10_000_00,
    message: "M&A lines total …",
  };

  it("stays the same when the amount and message change", () => {
    const changed: Finding = { ...f, amountCents: 1, message: "other" };
    expect(findingKey(changed)).toBe(findingKey(f));
  });

  it("differs by rule, center, award, year and capability", () => {
    const keys = new Set([
      findingKey(f),
      findingKey({ ...f, rule: "OUTSIDE-POP" }),
      findingKey({ ...f, centerCode: "CA" }),
      findingKey({ ...f, awardNumber: null }),
      findingKey({ ...f, fiscalYear: 2023 }),
      findingKey({ ...f, capabilityId: "I.A" }),
    ]);
    expect(keys.size).toBe(6);
  });

  it("maps to finding_responses' key columns, absent parts as empty text, and parses back", () => {
    const parts = findingKeyParts({ ...f, awardNumber: null, capabilityId: "II.A", rule: "FUNDED-GAP-STALLED" });
    expect(parts).toEqual({ rule: "FUNDED-GAP-STALLED", center_code: "AZ", award_number: "", fiscal_year: 2024, capability_id: "II.A" });
    expect(parseFindingKey(findingKey(f))).toEqual(findingKeyParts(f));
    expect(parseFindingKey("not a key")).toBeNull();
    expect(parseFindingKey('["MA-CAP","AZ","",2024]')).toBeNull();
  });

  it("is the same for the same finding across two evaluations", () => {
    const data = makeData({ awards: [award()], budgetLines: [line("L1", "A1", null, 60_000_00, "ma")], assessments: assess("AZ", 2024, ALL_ACHIEVED) });
    const once = evaluateCompliance(data).map(findingKey);
    const twice = evaluateCompliance({ ...data, budgetLines: [line("L1", "A1", null, 70_000_00, "ma")] }).map(findingKey);
    expect(once).toEqual(['["MA-CAP","AZ","A1",2024,""]']);
    expect(twice).toEqual(once);
  });
});

describe("complianceStatus", () => {
  const v = { severity: "violation" as const };
  const w = { severity: "warning" as const };
  it("is red with any violation, amber with warnings only, green with none", () => {
    expect(complianceStatus([w, v, w])).toBe("red");
    expect(complianceStatus([w, w])).toBe("amber");
    expect(complianceStatus([])).toBe("green");
  });

  it("groups findings per center-year", () => {
    const data = makeData({
      awards: [award({ matchRequiredCents: 1 }), award({ awardNumber: "C1", centerCode: "CA" })],
      assessments: assess("AZ", 2024, ALL_ACHIEVED),
    });
    // AZ: MATCH-SHORT only (warning) → amber. CA: ASSESSMENT-MISSING (violation) → red.
    const s = statusByCenterYear(evaluateCompliance(data));
    expect(s.get("AZ|2024")).toBe("amber");
    expect(s.get("CA|2024")).toBe("red");
  });
});

describe("rules table", () => {
  it("has eleven rules with unique ids, each citing domain.md", () => {
    expect(RULES.map((r) => r.id)).toEqual([
      "PRIVACY-POLICY",
      "ASSESSMENT-MISSING",
      "GAP-PRIORITY",
      "FUNDED-GAP-STALLED",
      "MA-CAP",
      "OUTSIDE-POP",
      "POP-ENDING-UNSPENT",
      "FUNDS-LAPSED",
      "SLOW-SPENDING",
      "REPORT-OVERDUE",
      "MATCH-SHORT",
    ]);
    for (const r of RULE_INFO) {
      expect(r.source).toMatch(/domain\.md §\d/);
      expect(r.description.length).toBeGreaterThan(20);
    }
  });

  it("says in the description which award rules are federal only", () => {
    for (const r of RULES) {
      if (r.scope !== "award") continue;
      expect(r.description.startsWith("Federal awards only")).toBe(r.federalOnly);
    }
  });
});
