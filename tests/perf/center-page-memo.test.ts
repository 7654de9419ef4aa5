/**
 * The center page and the award report remember their figures per committed state
 * (docs/decisions/031-center-page-and-award-report-memo.md): after a payment, a budget line change,
 * an award voided or a finding answered, the next view shows the new figures, exactly as a fresh
 * computation (inside a transaction nothing is remembered) shows them; and a reader without access
 * to the center is refused even when the page is remembered.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { findingKeyParts } from "~/domain/compliance";
import { todayIso } from "~/domain/dates";
import { awardReport, findingsSummary } from "~/models/award-report.server";
import { createAward, getAwardByNumber, voidAward } from "~/models/awards.server";
import { addSpending, editBudgetLine } from "~/models/budget.server";
import { centerPage } from "~/models/center-page.server";
import { applyReviewStep, type ReviewStep } from "~/models/assessment-reviews.server";
import { saveDisposition } from "~/models/findings.server";
import { loader as centerLoader } from "~/routes/centers.$code._index";
import { loader as reportLoader } from "~/routes/awards.$number_.report";
import { loader as reportCsvLoader } from "~/routes/awards.$number_.report[.]csv";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";
import { lineWithRoom } from "../helpers/grants";

const t = useTestDatabase();
const FY = 2025;
let adminId = 0;
let planted = "";
const ids: Record<string, number> = {};

async function centerView(code: string, who = "demo-admin"): Promise<any> {
  return run(centerLoader, request(`/centers/${code}`, { cookie: await cookieFor(t.db, who) }), { code });
}

async function reportView(number: string, who = "demo-admin", loader: (args: any) => Promise<unknown> = reportLoader): Promise<any> {
  return run(loader, request(`/awards/${encodeURIComponent(number)}/report`, { cookie: await cookieFor(t.db, who) }), { number });
}

/** Fresh computations: inside a transaction nothing is read from or kept in the memo (memo.server.ts). */
const freshCenter = (code: string) =>
  t.db.transaction().execute((trx) => centerPage(trx, ids[code], { gapYear: null, asOf: todayIso() }));
const freshReport = (number: string) =>
  t.db.transaction().execute(async (trx) => {
    const r = (await awardReport(trx, (await getAwardByNumber(trx, number))!, todayIso()))!;
    return { ...r, findingsText: findingsSummary(r) };
  });

/** Both pages as a reader sees them (the second view served from the memo), checked against fresh computations. */
async function views(code: string, number: string) {
  const [center, report] = [await centerView(code), await reportView(number)];
  expect(await centerView(code)).toEqual(center);
  expect(await reportView(number)).toEqual(report);
  const { center: _c, planYear: _p, canEdit: _e, ...figures } = center;
  expect(figures).toEqual(await freshCenter(code));
  expect(report).toEqual(await freshReport(number));
  return { center, report };
}

/** A live FY2025 award of the center with a live line that has room for a payment. */
const awardOf = (code: string) => lineWithRoom(t.db, ids[code], FY);

const row = (center: any, number: string) => center.awards.find((a: any) => a.award_number === number);

beforeAll(async () => {
  planted = (await loadDemo(t.db, { referenceDate: "2025-06-30" })).planted["OUTSIDE-POP"];
  adminId = (await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow()).id;
  for (const c of await t.db.selectFrom("centers").select(["id", "code"]).where("code", "in", ["VA", "MD"]).execute()) ids[c.code] = c.id;
});

describe("center page and award report after a write", () => {
  it("a payment shows at once: the award's spent figure on the center page, the report's payments, lines and totals", async () => {
    const a = await awardOf("VA");
    const before = await views("VA", a.award_number);
    const added = await addSpending(t.db, adminId, a.id, a.line_id, { date: "2025-01-15", amountCents: 1_234_56, description: "memo test payment" });
    expect(added.ok).toBe(true);
    const after = await views("VA", a.award_number);
    expect(row(after.center, a.award_number).spent_cents - row(before.center, a.award_number).spent_cents).toBe(1_234_56);
    expect(after.center.totals[0].spent_cents - before.center.totals[0].spent_cents).toBe(1_234_56);
    expect(after.report.spendingTotals).toEqual({ payments: before.report.spendingTotals.payments + 1, amountCents: before.report.spendingTotals.amountCents + 1_234_56 });
    expect(after.report.spending.some((s: any) => s.description === "memo test payment")).toBe(true);
    expect(after.report.lineTotals.spentCents - before.report.lineTotals.spentCents).toBe(1_234_56);
    // The rows drawn once are keyed by the rows themselves: new rows, new key.
    expect(after.center.awardsKey).not.toBe(before.center.awardsKey);
    expect(after.report.spendingKey).not.toBe(before.report.spendingKey);
  });

  it("a budget line's amount changed shows in the report's lines and the center's budgeted total", async () => {
    const a = await awardOf("VA");
    const before = await views("VA", a.award_number);
    const input = { capabilityId: a.capability_id, poete: a.poete, costCategory: a.cost_category, amountCents: a.amount_cents + 500_00, description: a.description };
    expect((await editBudgetLine(t.db, adminId, a.id, a.line_id, a.version, input)).ok).toBe(true);
    const after = await views("VA", a.award_number);
    expect(after.report.lineTotals.budgetedCents - before.report.lineTotals.budgetedCents).toBe(500_00);
    expect(after.report.lines.find((l: any) => l.lineId === a.line_id).budgetedCents).toBe(a.amount_cents + 500_00);
    expect(row(after.center, a.award_number).budgeted_cents - row(before.center, a.award_number).budgeted_cents).toBe(500_00);
  });

  it("a finding answered shows its response on the report at once (responses are read on every view)", async () => {
    // The demo plants an award with a payment outside its period of performance: it carries a finding.
    const number = planted;
    await reportView(number);
    const finding = (await reportView(number)).findings.find((f: any) => !f.response);
    expect(finding, "the planted award has a finding").toBeTruthy();
    const saved = await saveDisposition(t.db, adminId, { key: findingKeyParts(finding), version: 0, disposition: "resolved", note: "memo test", firesNow: true });
    expect(saved.ok).toBe(true);
    const after = await reportView(number);
    expect(after.findings.find((f: any) => f.key === finding.key).response.disposition).toBe("resolved");
    expect(after).toEqual(await freshReport(number));
  });

  it("an award added shows at once; voided, it leaves the center's totals and is struck through, its report shows the void and no findings", async () => {
    const number = "TEST-CP-25";
    const before = await views("VA", (await awardOf("VA")).award_number);
    const input = { awardNumber: number, centerId: ids.VA, programCode: "SHSP", fiscalYear: FY, amountCents: 250_000_00, popStart: "2024-10-01", popEnd: null };
    expect((await createAward(t.db, adminId, input)).ok).toBe(true);
    const fy = (c: any) => c.totals.find((x: any) => x.fiscal_year === FY);
    const added = await views("VA", number);
    expect(row(added.center, number).voided_at).toBeNull();
    expect(fy(added.center).amount_cents - fy(before.center).amount_cents).toBe(250_000_00);
    const award = await t.db.selectFrom("awards").select(["id", "version"]).where("award_number", "=", number).executeTakeFirstOrThrow();
    expect((await voidAward(t.db, adminId, award.id, award.version, "entered twice")).ok).toBe(true);
    const after = await views("VA", number);
    expect(row(after.center, number).voided_at).not.toBeNull();
    expect(fy(after.center).amount_cents).toBe(fy(before.center).amount_cents);
    expect(after.report.award.voided_at).not.toBeNull();
    expect(after.report.findings).toEqual([]);
  });

  it("a sign-off step shows on the next view of the center page and the gap view, and a reopened year loses its badge", async () => {
    const center = await centerView("MD");
    const year = center.latest.fiscalYear as number;
    let version = center.gapView.review?.version ?? null;
    const step = async (s: ReviewStep) => {
      const done = await applyReviewStep(t.db, { centerId: ids.MD, fiscalYear: year, userId: adminId, step: s, version });
      expect(done.ok, JSON.stringify(done)).toBe(true);
      if (done.ok) version = done.review.version;
    };
    if (center.gapView.review?.locked) await step("reopen");
    await step("submit");
    const submitted = await centerView("MD");
    expect(submitted.latestReviewText).toMatch(/^submitted on /);
    expect(submitted.gapView.review.state).toBe("submitted");
    await step("validate");
    const validated = await centerView("MD");
    expect(validated.latestReviewText).toMatch(/^validated on .* by /);
    const { center: _c, planYear: _p, canEdit: _e, ...figures } = validated;
    expect(figures).toEqual(await freshCenter("MD"));
    await step("reopen");
    expect((await centerView("MD")).latestReviewText).toBeNull();
  });
});

describe("permissions come before the memo", () => {
  it("a state official outside the center's state is refused the remembered center page and award report", async () => {
    const md = await awardOf("MD");
    // Remembered by an administrator's views first.
    await views("MD", md.award_number);
    expect(((await centerView("MD", "demo-state")) as Response).status).toBe(403);
    expect(((await reportView(md.award_number, "demo-state")) as Response).status).toBe(403);
    expect(((await reportView(md.award_number, "demo-state", reportCsvLoader)) as Response).status).toBe(403);
    // Their own state's center still opens.
    expect((await centerView("VA", "demo-state")).center.code).toBe("VA");
  });
});
