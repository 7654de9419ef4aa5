import { describe, expect, it } from "vitest";
import type { AssessmentStatus } from "../../db/schema";
import { gapOfLine, projectPlan, type PlanInput } from "~/domain/plan";

/*
 * Five assessable capabilities A..E (C has an item C.1):
 *   A achieved · B partial (est. $100,000) · C not achieved (est. $50,000) · D not assessed (no estimate)
 *   E not achieved (est. $10,000)
 * Gaps = B, C, D, E. Score now = (1 achieved + 0.5 × 1 partial) / 5 applicable × 100 = 30.0.
 *
 * Expected awards: SHSP $200,000 and JAG $50,000 (federal), STATE $30,000 → $280,000.
 * Plan lines:
 *   SHSP  B    $100,000   → B fully funded (100,000 ≥ 100,000)
 *   SHSP  C.1   $20,000   → C partly funded, short $30,000 (item counts toward its area's gap)
 *   JAG   —     $40,000   → other need
 *   STATE D     $10,000   → D funded, but no estimate: not fully funded
 *   STATE A      $5,000   → A is not a gap: other need
 * Assigned $175,000, unassigned $105,000. To gaps: 100,000 + 20,000 + 10,000 = $130,000; other $45,000.
 * Federal to gaps: SHSP's $120,000 of $250,000 federal expected = 48%.
 * Projected: B closes → (2 achieved + 0 partial) / 5 × 100 = 40.0.
 */
const statuses = new Map<string, AssessmentStatus>([
  ["A", "achieved"],
  ["B", "partial"],
  ["C", "not_achieved"],
  ["E", "not_achieved"],
]);
const BASE: PlanInput = {
  programs: [
    { code: "SHSP", federal: true },
    { code: "JAG", federal: true },
    { code: "STATE", federal: false },
  ],
  funding: [
    { programCode: "SHSP", amountCents: 200_000_00 },
    { programCode: "JAG", amountCents: 50_000_00 },
    { programCode: "STATE", amountCents: 30_000_00 },
  ],
  lines: [
    { programCode: "SHSP", capabilityId: "B", amountCents: 100_000_00 },
    { programCode: "SHSP", capabilityId: "C.1", amountCents: 20_000_00 },
    { programCode: "JAG", capabilityId: null, amountCents: 40_000_00 },
    { programCode: "STATE", capabilityId: "D", amountCents: 10_000_00 },
    { programCode: "STATE", capabilityId: "A", amountCents: 5_000_00 },
  ],
  leaves: [{ id: "A" }, { id: "B" }, { id: "C" }, { id: "D" }, { id: "E" }],
  statuses,
  estCosts: new Map([
    ["B", 100_000_00],
    ["C", 50_000_00],
    ["D", null],
    ["E", 10_000_00],
  ]),
  parentOf: new Map([
    ["A", null],
    ["B", null],
    ["C", null],
    ["C.1", "C"],
    ["D", null],
    ["E", null],
  ]),
};

describe("next-year plan projections", () => {
  const p = projectPlan(BASE);

  it("shows funds expected, assigned and unassigned, in total and per program", () => {
    expect(p.expectedCents).toBe(280_000_00);
    expect(p.assignedCents).toBe(175_000_00);
    expect(p.unassignedCents).toBe(105_000_00);
    expect(p.programs.map((r) => [r.programCode, r.expectedCents, r.assignedCents, r.unassignedCents])).toEqual([
      ["SHSP", 200_000_00, 120_000_00, 80_000_00],
      ["JAG", 50_000_00, 40_000_00, 10_000_00],
      ["STATE", 30_000_00, 15_000_00, 15_000_00],
    ]);
  });

  it("sets each gap's estimated cost against what the plan gives it", () => {
    expect(p.gaps).toEqual([
      { capabilityId: "B", framework: "baseline", status: "partial", estCostCents: 100_000_00, plannedCents: 100_000_00, shortfallCents: 0, state: "fully funded" },
      { capabilityId: "C", framework: "baseline", status: "not_achieved", estCostCents: 50_000_00, plannedCents: 20_000_00, shortfallCents: 30_000_00, state: "partly funded" },
      { capabilityId: "D", framework: "baseline", status: undefined, estCostCents: null, plannedCents: 10_000_00, shortfallCents: 0, state: "funded, no estimate" },
      { capabilityId: "E", framework: "baseline", status: "not_achieved", estCostCents: 10_000_00, plannedCents: 0, shortfallCents: 10_000_00, state: "unfunded" },
    ]);
    expect([p.gapsFunded, p.gapsFullyFunded, p.gapsUnfunded]).toEqual([3, 1, 1]);
    expect([p.toGapsCents, p.otherNeedsCents]).toEqual([130_000_00, 45_000_00]);
  });

  it("gives the share of federal funds that goes to baseline gaps", () => {
    expect(p.federalExpectedCents).toBe(250_000_00);
    expect(p.federalToGapsCents).toBe(120_000_00);
    expect(p.federalShareToGaps).toBe(0.48);
  });

  it("projects the score if every fully funded gap were closed", () => {
    expect(p.currentScore).toBe(30);
    expect(p.projectedScore).toBe(40);
    // Give C and E their full estimates too: B, C, E close → (4 achieved) / 5 = 80.0; D (no estimate) stays a gap.
    const more = projectPlan({
      ...BASE,
      lines: [...BASE.lines, { programCode: "SHSP", capabilityId: "C", amountCents: 30_000_00 }, { programCode: "JAG", capabilityId: "E", amountCents: 10_000_00 }],
    });
    expect(more.gaps.map((g) => g.state)).toEqual(["fully funded", "fully funded", "funded, no estimate", "fully funded"]);
    expect(more.projectedScore).toBe(80);
  });

  it("shows over-assignment as negative unassigned funds and caps the federal share at 100%", () => {
    const over = projectPlan({
      ...BASE,
      funding: [{ programCode: "SHSP", amountCents: 10_000_00 }],
      lines: [{ programCode: "SHSP", capabilityId: "E", amountCents: 15_000_00 }],
    });
    expect(over.unassignedCents).toBe(-5_000_00);
    expect(over.programs.find((r) => r.programCode === "SHSP")!.unassignedCents).toBe(-5_000_00);
    // 15,000 to gaps ÷ max(10,000 expected, 15,000 assigned) = 100%.
    expect(over.federalShareToGaps).toBe(1);
  });

  it("handles an empty plan and a center without an assessment", () => {
    const empty = projectPlan({ ...BASE, funding: [], lines: [], statuses: new Map(), estCosts: new Map() });
    expect(empty.unassignedCents).toBe(0);
    expect(empty.federalShareToGaps).toBe(0);
    // Nothing assessed: every leaf is a gap (scores.ts), score 0, and nothing is funded.
    expect(empty.gaps).toHaveLength(5);
    expect([empty.currentScore, empty.projectedScore, empty.gapsUnfunded]).toEqual([0, 0, 5]);
  });

  it("finds the gap a line gives to through the item's parents", () => {
    const gaps = new Set(["C"]);
    expect(gapOfLine("C.1", gaps, BASE.parentOf)).toBe("C");
    expect(gapOfLine("A", gaps, BASE.parentOf)).toBeNull();
    expect(gapOfLine(null, gaps, BASE.parentOf)).toBeNull();
  });

  it("lists COC/EC gaps after the baseline's, funds them like any gap, and keeps them out of the score", () => {
    const withCocEc = projectPlan({
      ...BASE,
      cocEcLeaves: [{ id: "COC-1" }, { id: "EC-4" }, { id: "EC-1" }],
      statuses: new Map([...BASE.statuses, ["COC-1", "not_achieved"], ["EC-4", "partial"], ["EC-1", "achieved"]]),
      estCosts: new Map([...BASE.estCosts, ["COC-1", 245_000_00], ["EC-4", 224_000_00]]),
      lines: [...BASE.lines, { programCode: "SHSP", capabilityId: "EC-4", amountCents: 224_000_00 }],
    });
    expect(withCocEc.gaps.filter((g) => g.framework === "coc-ec").map((g) => [g.capabilityId, g.estCostCents, g.state])).toEqual([
      ["COC-1", 245_000_00, "unfunded"],
      ["EC-4", 224_000_00, "fully funded"],
    ]);
    expect(withCocEc.gaps.map((g) => g.capabilityId)).toEqual(["B", "C", "D", "E", "COC-1", "EC-4"]);
    expect(withCocEc.currentScore).toBe(p.currentScore);
    expect(withCocEc.projectedScore).toBe(p.projectedScore);
    // A center whose assessment records no COC/EC row has no COC/EC gaps to plan for.
    expect(projectPlan({ ...BASE, cocEcLeaves: [{ id: "COC-1" }] }).gaps.some((g) => g.framework === "coc-ec")).toBe(false);
  });
});
