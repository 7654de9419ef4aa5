import { describe, expect, it } from "vitest";
import { assessableCapabilities, baselineStatus, computeScore, scoreFromMap, scoresByArea } from "~/domain/scores";

const catalog = [
  { id: "I", framework_id: "baseline-2008", parent_id: null },
  { id: "I.A", framework_id: "baseline-2008", parent_id: "I" },
  { id: "I.B", framework_id: "baseline-2008", parent_id: "I" },
  { id: "II", framework_id: "baseline-2008", parent_id: null },
  { id: "II.A", framework_id: "baseline-2008", parent_id: "II" },
  { id: "II.B", framework_id: "baseline-2008", parent_id: "II" },
  { id: "COC-1", framework_id: "coc-ec", parent_id: null },
];

describe("assessable capabilities", () => {
  it("are the leaves of the framework's tree", () => {
    expect(assessableCapabilities(catalog, "baseline-2008").map((c) => c.id)).toEqual(["I.A", "I.B", "II.A", "II.B"]);
    expect(assessableCapabilities(catalog, "coc-ec").map((c) => c.id)).toEqual(["COC-1"]);
  });
  it("become the items once items are imported under an area", () => {
    const withItems = [...catalog, { id: "I.A.1", framework_id: "baseline-2008", parent_id: "I.A" }, { id: "I.A.2", framework_id: "baseline-2008", parent_id: "I.A" }];
    expect(assessableCapabilities(withItems, "baseline-2008").map((c) => c.id)).toEqual(["I.B", "II.A", "II.B", "I.A.1", "I.A.2"]);
  });
});

describe("computeScore", () => {
  const leaves = assessableCapabilities(catalog, "baseline-2008");
  it("scores achieved + half of partial over applicable, one decimal", () => {
    const r = scoreFromMap(leaves, { "I.A": "achieved", "I.B": "partial", "II.A": "not_achieved", "II.B": "achieved" });
    expect(r.score).toBe(62.5);
    expect(r).toMatchObject({ achieved: 2, partial: 1, notAchieved: 1, notApplicable: 0, notAssessed: 0, applicable: 4 });
    expect(r.gaps).toEqual(["I.B", "II.A"]);
  });
  it("counts unassessed capabilities as not achieved gaps", () => {
    const r = scoreFromMap(leaves, { "I.A": "achieved" });
    expect(r.score).toBe(25);
    expect(r.notAssessed).toBe(3);
    expect(r.gaps).toEqual(["I.B", "II.A", "II.B"]);
    expect(baselineStatus(r).label).toBe("gaps: 3");
  });
  it("has no score when nothing is applicable, and then meets baseline", () => {
    const r = scoreFromMap(leaves, { "I.A": "not_applicable", "I.B": "not_applicable", "II.A": "not_applicable", "II.B": "not_applicable" });
    expect(r.score).toBeNull();
    expect(r.gaps).toEqual([]);
    expect(baselineStatus(r)).toEqual({ meetsBaseline: true, label: "meets baseline" });
  });
  it("gives 0 with no assessment at all", () => {
    const r = computeScore(leaves, () => undefined);
    expect(r.score).toBe(0);
    expect(r.gaps.length).toBe(4);
  });
  it("gives 50 when everything is partial, and every partial is a gap", () => {
    const r = computeScore(leaves, () => "partial");
    expect(r.score).toBe(50);
    expect(r.gaps.length).toBe(4);
  });
  it("rounds to one decimal (1 of 3 = 33.3, 2 of 3 = 66.7)", () => {
    const three = leaves.slice(0, 3);
    expect(scoreFromMap(three, { "I.A": "achieved", "I.B": "not_achieved", "II.A": "not_achieved" }).score).toBe(33.3);
    expect(scoreFromMap(three, { "I.A": "achieved", "I.B": "achieved", "II.A": "not_achieved" }).score).toBe(66.7);
  });
  it("scores by area", () => {
    const byArea = scoresByArea(catalog, "baseline-2008", (id) => (id === "I.A" ? "achieved" : "partial"));
    expect(byArea.get("I.A")!.score).toBe(100);
    expect(byArea.get("II.B")!.score).toBe(50);
  });
});
