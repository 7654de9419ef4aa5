/**
 * `npm run -s cli -- scores --fy 2024 [--framework baseline-2008] [--format csv|json]`,
 * against a hand-built database whose scores are worked out below.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli";
import { useTestDatabase } from "./helpers/db";

const t = useTestDatabase();
const savedPath = process.env.DATABASE_PATH;

const cli = runCli;

beforeAll(async () => {
  process.env.DATABASE_PATH = t.file;
  const now = "2024-09-01T00:00:00.000Z";
  // Inserted out of code order: the output is sorted by code.
  const ids: Record<string, number> = {};
  for (const [code, state] of [["ZB", "ZB"], ["AA", "AA"], ["MM", "MM"]] as const) {
    ids[code] = (await t.db.insertInto("centers").values({ code, name: `Center ${code}`, state, kind: "state", created_at: now }).returning("id").executeTakeFirstOrThrow()).id;
  }
  const add = (center: string, fiscal_year: number, capability_id: string, status: "achieved" | "partial" | "not_achieved" | "not_applicable") =>
    t.db.insertInto("assessments").values({ center_id: ids[center], fiscal_year, capability_id, status, updated_at: now }).execute();
  // AA FY2024: 1 achieved, 1 partial, 1 not achieved, 1 not applicable, 8 of the 12 areas not assessed.
  await add("AA", 2024, "I.A", "achieved");
  await add("AA", 2024, "I.B", "partial");
  await add("AA", 2024, "I.C", "not_achieved");
  await add("AA", 2024, "II.E", "not_applicable");
  // Other years and frameworks do not count toward FY2024 baseline-2008.
  await add("AA", 2023, "I.D", "achieved");
  await add("AA", 2024, "COC-1", "achieved");
  await add("AA", 2024, "COC-2", "partial");
  // MM FY2024: all twelve areas not applicable.
  for (const id of ["I.A", "I.B", "I.C", "I.D", "I.E", "I.F", "II.A", "II.B", "II.C", "II.D", "II.E", "II.F"]) await add("MM", 2024, id, "not_applicable");
  // ZB: no FY2024 rows at all.
});

afterAll(() => {
  if (savedPath === undefined) delete process.env.DATABASE_PATH;
  else process.env.DATABASE_PATH = savedPath;
});

describe("cli scores", () => {
  it("prints one CSV row per center, sorted by code, with the score to one decimal", async () => {
    const r = await cli(["scores", "--fy", "2024"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    // AA: applicable 11, (1 + 0.5 × 1) / 11 × 100 = 13.636… → 13.6; gaps = 11 − 1 achieved = 10.
    // MM: nothing applicable → empty score, no gaps. ZB: 12 not assessed → 0.0, 12 gaps.
    expect(r.out).toBe(
      [
        "center,fiscal_year,framework,score,achieved,partial,not_achieved,not_applicable,not_assessed,gaps",
        "AA,2024,baseline-2008,13.6,1,1,1,1,8,10",
        "MM,2024,baseline-2008,,0,0,0,12,0,0",
        "ZB,2024,baseline-2008,0.0,0,0,0,0,12,12",
        "",
      ].join("\n"),
    );
  });

  it("scores another framework, rounding half up at one decimal", async () => {
    const r = await cli(["scores", "--fy", "2024", "--framework", "coc-ec"]);
    // AA: 8 COC/EC, 1 achieved + 1 partial → 1.5 / 8 × 100 = 18.75 → 18.8.
    expect(r.out.split("\n").slice(0, 2)).toEqual([
      "center,fiscal_year,framework,score,achieved,partial,not_achieved,not_applicable,not_assessed,gaps",
      "AA,2024,coc-ec,18.8,1,1,0,0,6,7",
    ]);
  });

  it("prints JSON with the same keys, and null for no score", async () => {
    const r = await cli(["scores", "--fy", "2024", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([
      { center: "AA", fiscal_year: 2024, framework: "baseline-2008", score: 13.6, achieved: 1, partial: 1, not_achieved: 1, not_applicable: 1, not_assessed: 8, gaps: 10 },
      { center: "MM", fiscal_year: 2024, framework: "baseline-2008", score: null, achieved: 0, partial: 0, not_achieved: 0, not_applicable: 12, not_assessed: 0, gaps: 0 },
      { center: "ZB", fiscal_year: 2024, framework: "baseline-2008", score: 0, achieved: 0, partial: 0, not_achieved: 0, not_applicable: 0, not_assessed: 12, gaps: 12 },
    ]);
  });

  it("lists every center even for a year nobody assessed", async () => {
    const r = await cli(["scores", "--fy", "2030"]);
    expect(r.out.trim().split("\n").slice(1)).toEqual([
      "AA,2030,baseline-2008,0.0,0,0,0,0,12,12",
      "MM,2030,baseline-2008,0.0,0,0,0,0,12,12",
      "ZB,2030,baseline-2008,0.0,0,0,0,0,12,12",
    ]);
  });

  it("exits 2 with the usage for bad arguments", async () => {
    for (const argv of [
      ["scores"],
      ["scores", "--fy", "1999"],
      ["scores", "--fy", "24"],
      ["scores", "--fy", "2024", "--format", "xml"],
      ["scores", "--fy", "2024", "--framework", "nope"],
    ]) {
      const r = await cli(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toContain("Usage: npm run -s cli -- scores --fy 2024");
    }
    expect((await cli(["scores", "--fy", "2024", "--framework", "nope"])).err).toContain('Unknown framework "nope"; one of baseline-2008, coc-ec, guidelines-2006');
  });
});
