import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { createAward } from "~/models/awards.server";
import { action, loader } from "~/routes/centers.$code.plan.$fy";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
const cookies: Record<string, string> = {};
const PATH = "/centers/VA/plan/2026";
const PARAMS = { code: "VA", fy: "2026" };

/*
 * VA's latest assessment (FY2025) is set to a known state for these tests: all twelve baseline areas
 * achieved except
 *   I.B  partial       est. cost $120,000
 *   I.C  not achieved  est. cost  $80,000
 *   II.A not achieved  est. cost  $40,000
 * Score now = (9 achieved + 0.5 × 1 partial) / 12 × 100 = 79.17 → 79.2.
 */
beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  for (const u of ["demo-admin", "demo-director", "demo-auditor", "demo-state"]) cookies[u] = await cookieFor(t.db, u);
  const va = await t.db.selectFrom("centers").select("id").where("code", "=", "VA").executeTakeFirstOrThrow();
  const leaves = ["I.A", "I.B", "I.C", "I.D", "I.E", "I.F", "II.A", "II.B", "II.C", "II.D", "II.E", "II.F"];
  const set: Record<string, [string, number | null]> = { "I.B": ["partial", 120_000_00], "I.C": ["not_achieved", 80_000_00], "II.A": ["not_achieved", 40_000_00] };
  for (const id of leaves) {
    const [status, est] = set[id] ?? ["achieved", null];
    await t.db.updateTable("assessments").set({ status: status as any, est_cost_cents: est }).where("center_id", "=", va.id).where("fiscal_year", "=", 2025).where("capability_id", "=", id).execute();
  }
  // COC/EC all achieved, so the baseline gaps above are the plan's only gaps (one test below adds one).
  await t.db.updateTable("assessments").set({ status: "achieved", est_cost_cents: null }).where("center_id", "=", va.id).where("fiscal_year", "=", 2025).where("capability_id", "like", "%C-%").execute();
});

/** The plan form as the browser sends it: one funding row per program, then the line rows. */
function planForm(lines: Array<[program: string, capability: string, amount: string, description?: string]>, extra: Record<string, string> = {}) {
  const form: Record<string, string> = { intent: "save", notes: "Draft for the FY2026 investment justification" };
  const funding: Array<[string, string]> = [["SHSP", "500,000"], ["UASI", ""], ["JAG", "$100,000.00"], ["COPS", ""], ["OTHER_FED", ""], ["STATE", "50000"], ["LOCAL", ""]];
  funding.forEach(([program, amount], i) => {
    form[`funding[${i}].program`] = program;
    form[`funding[${i}].amount`] = amount;
  });
  [...lines, ["SHSP", "", ""] as [string, string, string]].forEach(([program, capability, amount, description], i) => {
    Object.assign(form, {
      [`lines[${i}].program`]: program,
      [`lines[${i}].capability`]: capability,
      [`lines[${i}].poete`]: "training",
      [`lines[${i}].category`]: "contractual",
      [`lines[${i}].amount`]: amount,
      [`lines[${i}].description`]: description ?? "",
    });
  });
  return Object.assign(form, extra);
}

const GOOD: Array<[string, string, string, string?]> = [
  ["SHSP", "I.B", "120000", "Close I.B: SAR training"],
  ["SHSP", "I.C", "40000", "Half of I.C"],
  ["JAG", "", "30000", "Analyst travel"],
];

async function counts() {
  const r = await sql<{ plans: number; lines: number; budget: number; audit: number }>`
    select (select count(*) from plans) as plans, (select count(*) from plan_lines) as lines,
           (select count(*) from budget_lines) as budget, (select max(id) from audit_log) as audit`.execute(t.db);
  return r.rows[0];
}

const save = (form: Record<string, string>, who = "demo-director") => run(action, request(PATH, { cookie: cookies[who], form }), PARAMS) as Promise<Response>;
const view = async (who = "demo-director") => (await run(loader, request(PATH, { cookie: cookies[who] }), PARAMS)) as any;

describe("next-year plan", () => {
  it("starts from the latest assessment's gaps and their estimated costs", async () => {
    const data = await view();
    expect(data.plan).toBeNull();
    expect(data.basis.assessmentYear).toBe(2025);
    expect(data.projection.gaps.map((g: any) => [g.capabilityId, g.estCostCents, g.state])).toEqual([
      ["I.B", 120_000_00, "unfunded"],
      ["I.C", 80_000_00, "unfunded"],
      ["II.A", 40_000_00, "unfunded"],
    ]);
    expect(data.projection.currentScore).toBe(79.2);
    expect(data.canEdit).toBe(true);
  });

  it("lists a COC/EC gap of the assessment beside the area gaps, with its estimate", async () => {
    const va = await t.db.selectFrom("centers").select("id").where("code", "=", "VA").executeTakeFirstOrThrow();
    const ec4 = () => t.db.updateTable("assessments").where("center_id", "=", va.id).where("fiscal_year", "=", 2025).where("capability_id", "=", "EC-4");
    await ec4().set({ status: "not_achieved", est_cost_cents: 224_000_00 }).execute();
    try {
      const data = await view();
      expect(data.projection.gaps.map((g: any) => [g.capabilityId, g.framework, g.estCostCents])).toEqual([
        ["I.B", "baseline", 120_000_00],
        ["I.C", "baseline", 80_000_00],
        ["II.A", "baseline", 40_000_00],
        ["EC-4", "coc-ec", 224_000_00],
      ]);
      expect(data.projection.currentScore).toBe(79.2); // the baseline score alone
    } finally {
      await ec4().set({ status: "achieved", est_cost_cents: null }).execute();
    }
  });

  it("refuses a bad amount at its field and saves nothing", async () => {
    const before = await counts();
    const res = await save(planForm([...GOOD.slice(0, 2), ["JAG", "", "30,00.5", "Analyst travel"]]));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.result.error["lines[2].amount"]).toEqual(['"30,00.5" is not an amount in dollars (use 1234.56 or $1,234.56)']);
    expect(body.result.initialValue.lines[2].amount).toBe("30,00.5");
    const res2 = await save(planForm(GOOD, { "funding[0].amount": "-1" }));
    expect((await res2.json()).result.error["funding[0].amount"]).toEqual(["Amount cannot be negative"]);
    expect(await counts()).toEqual(before);
  });

  it("saves a draft and shows the projections worked out by hand", async () => {
    expect((await save(planForm(GOOD))).status).toBe(303);
    const data = await view();
    expect(data.plan).toMatchObject({ status: "draft", version: 1 });
    // Blank rows are dropped: three lines, three funded programs.
    expect(data.saved.lines).toHaveLength(3);
    expect(data.saved.funding).toEqual([
      { programCode: "SHSP", amountCents: 500_000_00 },
      { programCode: "JAG", amountCents: 100_000_00 },
      { programCode: "STATE", amountCents: 50_000_00 },
    ]);
    const p = data.projection;
    // Expected 500,000 + 100,000 + 50,000 = 650,000; assigned 120,000 + 40,000 + 30,000 = 190,000; unassigned 460,000.
    expect([p.expectedCents, p.assignedCents, p.unassignedCents]).toEqual([650_000_00, 190_000_00, 460_000_00]);
    // I.B gets its full 120,000; I.C gets 40,000 of 80,000 (short 40,000); II.A nothing.
    expect(p.gaps.map((g: any) => [g.capabilityId, g.plannedCents, g.shortfallCents, g.state])).toEqual([
      ["I.B", 120_000_00, 0, "fully funded"],
      ["I.C", 40_000_00, 40_000_00, "partly funded"],
      ["II.A", 0, 40_000_00, "unfunded"],
    ]);
    expect([p.gapsFunded, p.gapsFullyFunded, p.gapsUnfunded]).toEqual([2, 1, 1]);
    // Federal (SHSP + JAG) expected 600,000; federal money on gaps 160,000 → 26.67%.
    expect(p.federalExpectedCents).toBe(600_000_00);
    expect(p.federalToGapsCents).toBe(160_000_00);
    expect(p.federalShareToGaps).toBeCloseTo(160 / 600, 12);
    // I.B closed: 10 achieved of 12 → 83.3.
    expect(p.projectedScore).toBe(83.3);
    const audit = await t.db.selectFrom("audit_log").select(["action", "after_json"]).where("entity", "=", "plan").execute();
    expect(audit.map((a) => a.action)).toEqual(["create"]);
    expect(JSON.parse(audit[0].after_json!).lines).toHaveLength(3);
  });

  it("refuses a stale version with the other person's change and keeps the input", async () => {
    // The admin saves over version 1 first.
    expect((await save(planForm([...GOOD, ["SHSP", "II.A", "40000", "Governance"]], { version: "1" }), "demo-admin")).status).toBe(303);
    const before = await counts();
    const res = await save(planForm(GOOD, { version: "1", notes: "Director's notes" }));
    expect(res.status).toBe(409);
    const body = await res.json();
    expect(body.result.error[""][0]).toMatch(/it is now at version 2/);
    expect(body.conflict).toEqual(expect.arrayContaining([expect.stringMatching(/^demo-admin at .* changed lines: /)]));
    expect(body.result.initialValue.notes).toBe("Director's notes");
    expect(await counts()).toEqual(before);
    // The director saves again on the new version: their lines replace the admin's.
    expect((await save(planForm(GOOD, { version: "2" }))).status).toBe(303);
    expect((await view()).saved.lines).toHaveLength(3);
  });

  it("lets others read the plan but refuses auditors and state officials any change", async () => {
    const before = await counts();
    for (const who of ["demo-auditor", "demo-state"]) {
      expect((await save(planForm(GOOD, { version: "3" }), who)).status).toBe(403);
      const data = await view(who);
      expect(data.canEdit).toBe(false);
      expect(data.saved.lines).toHaveLength(3);
    }
    expect(await counts()).toEqual(before);
  });

  it("turns the plan into budget lines in one go, or not at all", async () => {
    const va = await t.db.selectFrom("centers").select("id").where("code", "=", "VA").executeTakeFirstOrThrow();
    const admin = await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
    const make = (awardNumber: string, programCode: string, amountCents: number) =>
      createAward(t.db, admin.id, { awardNumber, centerId: va.id, programCode, fiscalYear: 2026, amountCents, popStart: "2025-10-01", popEnd: null });
    await make("PLAN-SHSP-2026", "SHSP", 500_000_00);
    await make("PLAN-JAG-2026-SMALL", "JAG", 20_000_00);
    await make("PLAN-JAG-2026", "JAG", 100_000_00);

    const before = await counts();
    // The JAG line (30,000) does not fit the small JAG award (20,000): nothing at all is created.
    let res = await save({ intent: "apply", version: "3", "award.SHSP": "PLAN-SHSP-2026", "award.JAG": "PLAN-JAG-2026-SMALL" });
    expect(res.status).toBe(400);
    expect((await res.json()).result.error["award.JAG"]).toEqual([
      "PLAN-JAG-2026-SMALL: Budget lines would total $30,000.00, over the award's $20,000.00 by $10,000.00",
    ]);
    res = await save({ intent: "apply", version: "3", "award.SHSP": "PLAN-SHSP-2026" });
    expect((await res.json()).result.error["award.JAG"]).toEqual(["Choose the JAG award for the plan's 1 JAG line(s) totalling $30,000.00"]);
    // An award of another year is refused: the FY2026 plan goes on FY2026 awards.
    const older = await t.db.selectFrom("awards").select("award_number").where("center_id", "=", va.id).where("program_code", "=", "JAG").where("fiscal_year", "=", 2025).where("voided_at", "is", null).executeTakeFirstOrThrow();
    res = await save({ intent: "apply", version: "3", "award.SHSP": "PLAN-SHSP-2026", "award.JAG": older.award_number });
    expect((await res.json()).result.error["award.JAG"]).toEqual([`Award ${older.award_number} is an FY2025 award; the FY2026 plan goes on FY2026 awards`]);
    expect((await view()).awards.every((a: any) => a.fiscalYear === 2026)).toBe(true);
    res = await save({ intent: "apply", version: "3", "award.SHSP": "PLAN-JAG-2026", "award.JAG": "PLAN-JAG-2026" });
    expect((await res.json()).result.error["award.SHSP"]).toEqual(["Award PLAN-JAG-2026 is a JAG award, not SHSP"]);
    expect(await counts()).toEqual(before);

    res = await save({ intent: "apply", version: "3", "award.SHSP": "PLAN-SHSP-2026", "award.JAG": "PLAN-JAG-2026" });
    expect(res.status).toBe(303);
    const awards = await t.db.selectFrom("awards").select(["award_number", "budgeted_cents"]).where("award_number", "in", ["PLAN-SHSP-2026", "PLAN-JAG-2026"]).orderBy("award_number").execute();
    // SHSP gets 120,000 + 40,000; JAG 30,000.
    expect(awards.map((a) => [a.award_number, a.budgeted_cents])).toEqual([
      ["PLAN-JAG-2026", 30_000_00],
      ["PLAN-SHSP-2026", 160_000_00],
    ]);
    const lines = await t.db
      .selectFrom("budget_lines")
      .innerJoin("awards", "awards.id", "budget_lines.award_id")
      .select(["budget_lines.id", "budget_lines.capability_id", "budget_lines.amount_cents", "budget_lines.description"])
      .where("awards.award_number", "in", ["PLAN-SHSP-2026", "PLAN-JAG-2026"])
      .orderBy("budget_lines.id")
      .execute();
    expect(lines.map((l) => [l.capability_id, l.amount_cents, l.description])).toEqual([
      ["I.B", 120_000_00, "Close I.B: SAR training"],
      ["I.C", 40_000_00, "Half of I.C"],
      [null, 30_000_00, "Analyst travel"],
    ]);
    const audit = await t.db.selectFrom("audit_log").select(["entity", "action"]).where("id", ">", before.audit).orderBy("id").execute();
    expect(audit.map((a) => `${a.entity}:${a.action}`)).toEqual(["budget_line:create", "budget_line:create", "budget_line:create", "plan:update"]);
    const data = await view();
    expect(data.plan.status).toBe("applied");

    // An applied plan neither changes nor applies twice.
    const again = await counts();
    res = await save({ intent: "apply", version: String(data.plan.version), "award.SHSP": "PLAN-SHSP-2026", "award.JAG": "PLAN-JAG-2026" });
    expect((await res.json()).result.error[""][0]).toMatch(/^This plan was already turned into budget lines on /);
    res = await save(planForm(GOOD, { version: String(data.plan.version) }));
    expect((await res.json()).result.error[""][0]).toMatch(/^This plan was turned into budget lines on .*; it can no longer change$/);
    expect(await counts()).toEqual(again);
  });

  it("answers 404 for a year that is not a fiscal year and for an unknown center", async () => {
    expect(((await run(loader, request("/centers/VA/plan/20x6", { cookie: cookies["demo-director"] }), { code: "VA", fy: "20x6" })) as Response).status).toBe(404);
    expect(((await run(loader, request("/centers/ZZ/plan/2026", { cookie: cookies["demo-director"] }), { code: "ZZ", fy: "2026" })) as Response).status).toBe(404);
  });
});
