import { Writable } from "node:stream";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/index";
import type { DB } from "../../db/client";
import { loadDemo } from "~/demo/load.server";
import { addDays, addMonths, todayIso } from "~/domain/dates";
import { addSpending, voidSpending } from "~/models/budget.server";
import { findings, findingsForAward } from "~/models/compliance.server";
import { generateAllObligations, listDeadlines, overdueCount, syncAwardObligations } from "~/models/obligations.server";
import { rotateIcsToken } from "~/models/users.server";
import { action as accountAction, loader as accountLoader } from "~/routes/account";
import { loader as awardLoader } from "~/routes/awards.$number";
import { action as amendAction, loader as amendLoader } from "~/routes/awards.$number_.amendments";
import { action as matchAction, loader as matchLoader } from "~/routes/awards.$number_.match";
import { action as periodsAction } from "~/routes/awards.$number_.periods";
import { loader as feedLoader } from "~/routes/calendar.$token[.]ics";
import { action as deadlinesAction, loader as deadlinesLoader } from "~/routes/deadlines";
import { cookieFor, request, run } from "../helpers/auth";
import { freshDatabase, useTestDatabase } from "../helpers/db";
import { isoDateMinusDays } from "../../db/sql";

const t = useTestDatabase();
const REF = "2025-06-30";

async function centerIdOf(db: DB, code: string): Promise<number> {
  return (await db.selectFrom("centers").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id;
}

/** A test award written directly (fixture), with optional budget lines of the given amounts. */
async function makeAward(
  db: DB,
  a: { number: string; center: string; program: string; amount: number; popStart: string; popEnd: string; matchRequired?: number; lines?: number[] },
): Promise<number> {
  const { id } = await db
    .insertInto("awards")
    .values({
      award_number: a.number,
      center_id: await centerIdOf(db, a.center),
      program_code: a.program,
      fiscal_year: 2025,
      amount_cents: a.amount,
      pop_start: a.popStart,
      pop_end: a.popEnd,
      match_required_cents: a.matchRequired ?? 0,
      created_at: "2025-01-01T00:00:00.000Z",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  for (const [i, cents] of (a.lines ?? []).entries()) {
    await db
      .insertInto("budget_lines")
      .values({ line_id: `${a.number}-L${i + 1}`, award_id: id, capability_id: null, poete: "planning", cost_category: "personnel", amount_cents: cents, created_at: "2025-01-01T00:00:00.000Z" })
      .execute();
  }
  return id;
}

async function obligationsOf(db: DB, awardId: number) {
  return db
    .selectFrom("reporting_obligations")
    .select(["id", "report", "period_start", "period_end", "due", "submitted_on", "reference"])
    .where("award_id", "=", awardId)
    .orderBy("due")
    .orderBy(sql`case report when 'BSIR' then 1 when 'SF-425' then 2 when 'PMT' then 3 else 4 end`)
    .execute();
}

const schedule = (rows: Awaited<ReturnType<typeof obligationsOf>>) => rows.map((r) => `${r.report} ${r.period_start}..${r.period_end} due ${r.due}${r.submitted_on ? ` [${r.reference}]` : ""}`);

async function auditCount(db: DB): Promise<number> {
  return Number((await db.selectFrom("audit_log").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
}

let admin: string;
let director: string;
let auditor: string;
let stateOfficial: string;

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: REF });
  admin = await cookieFor(t.db, "demo-admin");
  director = await cookieFor(t.db, "demo-director");
  auditor = await cookieFor(t.db, "demo-auditor");
  stateOfficial = await cookieFor(t.db, "demo-state");
});

describe("demo reporting calendar", () => {
  it("stores every live federal award's schedule and leaves only the planted awards overdue", async () => {
    const again = await generateAllObligations(t.db);
    expect(again).toMatchObject({ inserted: 0, updated: 0, deleted: 0 });
    expect(again.awards).toBeGreaterThan(1000);
    const overdue = await findings(t.db, { asOf: REF, rule: "REPORT-OVERDUE" });
    expect(overdue.findings.map((f) => f.centerCode).sort()).toEqual(["NM", "TX-HOU", "VA"]);
    expect(await overdueCount(t.db, { asOf: REF, scope: { kind: "all" } })).toBe(
      (await listDeadlines(t.db, { asOf: REF, scope: { kind: "all" }, openOnly: true })).filter((r) => r.status === "overdue").length,
    );
    // Demo submissions are on the due date or up to five days before, with a DEMO reference.
    const late = await t.db
      .selectFrom("reporting_obligations")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("submitted_on", "is not", null)
      .where((eb) => eb.or([eb("submitted_on", ">", eb.ref("due")), eb("submitted_on", "<", isoDateMinusDays(t.db, "due", sql<number>`5`)), eb("reference", "not like", "DEMO-%")]))
      .executeTakeFirstOrThrow();
    expect(Number(late.n)).toBe(0);
  });
});

describe("schedule stored per award and regenerated after an amendment", () => {
  it("keeps the submissions of periods that still exist and drops the period that no longer does", async () => {
    const id = await makeAward(t.db, { number: "T-SHSP-SCHED", center: "VA", program: "SHSP", amount: 500_000_00, popStart: "2024-09-01", popEnd: "2025-08-31" });
    await syncAwardObligations(t.db, id);
    await syncAwardObligations(t.db, id); // idempotent
    expect(schedule(await obligationsOf(t.db, id))).toEqual([
      "SF-425 2024-09-01..2024-09-30 due 2024-10-30",
      "BSIR 2024-09-01..2024-12-31 due 2025-01-30",
      "SF-425 2024-10-01..2024-12-31 due 2025-01-30",
      "SF-425 2025-01-01..2025-03-31 due 2025-04-30",
      "BSIR 2025-01-01..2025-06-30 due 2025-07-30",
      "SF-425 2025-04-01..2025-06-30 due 2025-07-30",
      "SF-425 2025-07-01..2025-08-31 due 2025-10-30",
      // Aug 31 + 120 days: Sep 30 (+30), Oct 31 (+61), Nov 30 (+91), Dec 29 (+120).
      "FINAL 2024-09-01..2025-08-31 due 2025-12-29",
      "BSIR 2025-07-01..2025-08-31 due 2026-01-30",
    ]);

    // The director records three submissions through the deadlines page.
    const rows = await obligationsOf(t.db, id);
    for (const [i, r] of rows.slice(0, 3).entries()) {
      const res = (await run(
        deadlinesAction,
        request("/deadlines?center=VA", { cookie: director, form: { obligationId: String(r.id), version: "1", submittedOn: r.due, reference: `REF-${i + 1}` } }),
      )) as Response;
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe(`/deadlines?center=VA&recorded=${r.id}`);
    }
    const submittedAudit = await t.db.selectFrom("audit_log").select("entity_id").where("entity", "=", "reporting_obligation").where("action", "=", "submit").execute();
    expect(submittedAudit.map((a) => Number(a.entity_id))).toEqual(rows.slice(0, 3).map((r) => r.id));

    // Amendment: the period starts a month later and runs four months longer.
    const form = { version: "1", date: "2025-05-15", reason: "Extension approved by FEMA", popStart: "2024-10-01", popEnd: "2025-12-31" };
    const res = (await run(amendAction, request("/awards/T-SHSP-SCHED/amendments", { cookie: director, form }), { number: "T-SHSP-SCHED" })) as Response;
    expect(res.status).toBe(303);
    expect(schedule(await obligationsOf(t.db, id))).toEqual([
      // SF-425 for Sep 2024 is gone; its submission (REF-1) is kept in the audit trail only.
      "BSIR 2024-10-01..2024-12-31 due 2025-01-30 [REF-2]",
      "SF-425 2024-10-01..2024-12-31 due 2025-01-30 [REF-3]",
      "SF-425 2025-01-01..2025-03-31 due 2025-04-30",
      "BSIR 2025-01-01..2025-06-30 due 2025-07-30",
      "SF-425 2025-04-01..2025-06-30 due 2025-07-30",
      "SF-425 2025-07-01..2025-09-30 due 2025-10-30",
      "BSIR 2025-07-01..2025-12-31 due 2026-01-30",
      "SF-425 2025-10-01..2025-12-31 due 2026-01-30",
      // Dec 31 + 120 days = Apr 30 (2026 is not a leap year).
      "FINAL 2024-10-01..2025-12-31 due 2026-04-30",
    ]);
    const dropped = await t.db.selectFrom("audit_log").select(["before_json"]).where("entity", "=", "reporting_obligation").where("action", "=", "delete").execute();
    expect(dropped.map((d) => JSON.parse(d.before_json!).reference)).toEqual(["REF-1"]);

    const page = (await run(amendLoader, request("/awards/T-SHSP-SCHED/amendments", { cookie: stateOfficial }), { number: "T-SHSP-SCHED" })) as any;
    expect(page.award).toMatchObject({ pop_start: "2024-10-01", pop_end: "2025-12-31", amount_cents: 500_000_00, version: 2 });
    expect(page.amendments).toMatchObject([
      { number: 1, date: "2025-05-15", before_pop_start: "2024-09-01", after_pop_start: "2024-10-01", before_pop_end: "2025-08-31", after_pop_end: "2025-12-31" },
    ]);
    expect(page.canEdit).toBe(false);
  });
});

describe("amendments", () => {
  it("refuses a decrease below what is budgeted, with the figures, and writes nothing", async () => {
    await makeAward(t.db, { number: "T-JAG-CUT", center: "VA", program: "JAG", amount: 1_000_000_00, popStart: "2024-10-01", popEnd: "2028-09-30", lines: [600_000_00, 350_000_00] });
    const before = await t.db.selectFrom("awards").selectAll().where("award_number", "=", "T-JAG-CUT").executeTakeFirstOrThrow();
    const audits = await auditCount(t.db);
    const form = { version: "1", date: "2025-06-01", reason: "Rescission", amount: "900,000.00" };
    const res = (await run(amendAction, request("/awards/T-JAG-CUT/amendments", { cookie: admin, form }), { number: "T-JAG-CUT" })) as Response;
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.result.error.amount[0]).toContain("The award would be $900,000.00 but $950,000.00 is already budgeted");
    expect(body.result.initialValue).toMatchObject({ amount: "900,000.00", reason: "Rescission" });
    expect(await t.db.selectFrom("awards").selectAll().where("award_number", "=", "T-JAG-CUT").executeTakeFirstOrThrow()).toEqual(before);
    expect(await t.db.selectFrom("amendments").select("id").where("award_id", "=", before.id).execute()).toEqual([]);
    expect(await auditCount(t.db)).toBe(audits);

    // Exactly the budgeted figure is allowed; numbers follow per award.
    const ok = (await run(amendAction, request("/awards/T-JAG-CUT/amendments", { cookie: director, form: { ...form, amount: "950000" } }), { number: "T-JAG-CUT" })) as Response;
    expect(ok.status).toBe(303);
    const again = (await run(amendAction, request("/awards/T-JAG-CUT/amendments", { cookie: director, form: { ...form, version: "2", amount: "975000" } }), { number: "T-JAG-CUT" })) as Response;
    expect(again.status).toBe(303);
    const list = await t.db.selectFrom("amendments").select(["number", "before_amount_cents", "after_amount_cents"]).where("award_id", "=", before.id).orderBy("number").execute();
    expect(list).toEqual([
      { number: 1, before_amount_cents: 1_000_000_00, after_amount_cents: 950_000_00 },
      { number: 2, before_amount_cents: 950_000_00, after_amount_cents: 975_000_00 },
    ]);
    const trail = await t.db.selectFrom("audit_log").select(["entity", "action"]).where("id", ">", 0).orderBy("id", "desc").limit(2).execute();
    expect(trail.reverse()).toEqual([
      { entity: "award", action: "update" },
      { entity: "amendment", action: "create" },
    ]);
  });

  it("answers a stale version with the other person's change and keeps the input", async () => {
    const form = { version: "1", date: "2025-06-02", reason: "Supplement", amount: "990000" };
    const res = (await run(amendAction, request("/awards/T-JAG-CUT/amendments", { cookie: admin, form }), { number: "T-JAG-CUT" })) as Response;
    expect(res.status).toBe(409);
    const body = (await res.json()) as any;
    expect(body.currentVersion).toBe(3);
    expect(body.result.error[""][0]).toContain("changed amount: $950,000.00 → $975,000.00");
    expect(body.result.initialValue).toMatchObject({ amount: "990000", reason: "Supplement" });
  });

  it("is refused to a director of another center, a state official and an auditor", async () => {
    const md = await makeAward(t.db, { number: "T-MD-1", center: "MD", program: "JAG", amount: 100_000_00, popStart: "2024-10-01", popEnd: "2028-09-30" });
    const form = { version: "1", date: "2025-06-01", reason: "x", amount: "200000" };
    for (const [cookie, number] of [[director, "T-MD-1"], [stateOfficial, "T-JAG-CUT"], [auditor, "T-JAG-CUT"]] as const) {
      const res = (await run(amendAction, request(`/awards/${number}/amendments`, { cookie, form }), { number })) as Response;
      expect(res.status).toBe(403);
    }
    expect(await t.db.selectFrom("amendments").select("id").where("award_id", "=", md).execute()).toEqual([]);
  });
});

describe("cost share on a COPS award", () => {
  const N = "T-COPS-1";
  const post = (cookie: string, form: Record<string, string>) => run(matchAction, request(`/awards/${N}/match`, { cookie, form }), { number: N }) as Promise<Response>;
  const page = async () => (await run(matchLoader, request(`/awards/${N}/match`, { cookie: director }), { number: N })) as any;
  const matchFindings = async () => (await findingsForAward(t.db, N, { asOf: REF })).findings.filter((f) => f.rule === "MATCH-SHORT");

  it("requires 25% of the award, counts cash and in-kind, and fires MATCH-SHORT until the last cent", async () => {
    // $75,000 × 25% = $18,750.00 (docs/domain.md §3.4).
    await makeAward(t.db, { number: N, center: "VA", program: "COPS", amount: 75_000_00, popStart: "2024-10-01", popEnd: "2029-09-30", matchRequired: 18_750_00 });
    expect((await page()).totals).toEqual({ requiredCents: 18_750_00, providedCents: 0, cashCents: 0, inKindCents: 0, shortfallCents: 18_750_00 });
    expect((await matchFindings()).map((f) => f.amountCents)).toEqual([18_750_00]);

    expect((await post(director, { intent: "add", date: "2025-01-15", kind: "cash", amount: "10,000.00", description: "County cash" })).status).toBe(303);
    expect((await post(director, { intent: "add", date: "2025-02-15", kind: "in_kind", amount: "8749.99", description: "Officer time" })).status).toBe(303);
    let p = await page();
    expect(p.totals).toEqual({ requiredCents: 18_750_00, providedCents: 18_749_99, cashCents: 10_000_00, inKindCents: 8_749_99, shortfallCents: 1 });
    expect((await matchFindings()).map((f) => [f.severity, f.amountCents])).toEqual([["warning", 1]]);

    expect((await post(admin, { intent: "add", date: "2025-03-01", kind: "cash", amount: "0.01" })).status).toBe(303);
    expect((await page()).totals.shortfallCents).toBe(0);
    expect(await matchFindings()).toEqual([]);

    // Voiding a line puts it out of the totals; it stays listed with its reason.
    p = await page();
    const cash = p.lines.find((l: any) => l.amount_cents === 10_000_00);
    expect((await post(director, { intent: "void", id: String(cash.id), version: String(cash.version), reason: "Entered twice" })).status).toBe(303);
    p = await page();
    expect(p.totals).toMatchObject({ providedCents: 8_750_00, shortfallCents: 10_000_00 });
    expect(p.lines.find((l: any) => l.id === cash.id)).toMatchObject({ void_reason: "Entered twice" });
    const audit = await t.db.selectFrom("audit_log").select("action").where("entity", "=", "match_contribution").orderBy("id").execute();
    expect(audit.map((a) => a.action)).toEqual(["create", "create", "create", "void"]);
  });

  it("follows an amendment of the amount unless an administrator set the figure", async () => {
    const amend = (cookie: string, version: number, amount: string) =>
      run(amendAction, request(`/awards/${N}/amendments`, { cookie, form: { version: String(version), date: "2025-04-01", reason: "Supplement", amount } }), { number: N }) as Promise<Response>;
    expect((await amend(director, 1, "100000")).status).toBe(303);
    expect((await page()).totals.requiredCents).toBe(25_000_00);

    expect((await post(director, { intent: "required", version: "2", required: "20000" })).status).toBe(403);
    expect((await post(admin, { intent: "required", version: "2", required: "20000" })).status).toBe(303);
    expect((await amend(director, 3, "120000")).status).toBe(303);
    expect((await page()).totals.requiredCents).toBe(20_000_00);
  });

  it("refuses a negative or empty amount next to the field", async () => {
    const res = await post(director, { intent: "add", date: "2025-01-15", kind: "cash", amount: "-5" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).result.error.amount).toEqual(["Amount cannot be negative"]);
  });
});

describe("REPORT-OVERDUE through the compliance loader", () => {
  it("fires from the day after the due date, and not once the report is submitted", async () => {
    const id = await makeAward(t.db, { number: "T-OF-DUE", center: "VA", program: "OTHER_FED", amount: 50_000_00, popStart: "2025-01-01", popEnd: "2025-12-31" });
    await syncAwardObligations(t.db, id);
    const at = async (asOf: string) => (await findingsForAward(t.db, "T-OF-DUE", { asOf })).findings.filter((f) => f.rule === "REPORT-OVERDUE");
    // First SF-425 (Jan–Mar 2025) is due Apr 30.
    expect(await at("2025-04-30")).toEqual([]);
    const hit = await at("2025-05-01");
    expect(hit.map((f) => [f.severity, f.message])).toEqual([["violation", "1 report overdue (SF-425); the oldest was due 2025-04-30"]]);
    const first = (await obligationsOf(t.db, id))[0];
    const res = (await run(deadlinesAction, request("/deadlines", { cookie: admin, form: { obligationId: String(first.id), version: "1", submittedOn: "2025-05-02", reference: "FFR-77" } }))) as Response;
    expect(res.status).toBe(303);
    expect(await at("2025-05-01")).toEqual([]);

    // The award page lists the schedule with the submission.
    const page = (await run(awardLoader, request("/awards/T-OF-DUE", { cookie: stateOfficial }), { number: "T-OF-DUE" })) as any;
    expect(page.lifecycle.obligations.map((o: any) => [o.report, o.due, o.submittedOn])).toEqual([
      ["SF-425", "2025-04-30", "2025-05-02"],
      ["SF-425", "2025-07-30", null],
      ["SF-425", "2025-10-30", null],
      ["SF-425", "2026-01-30", null],
      ["FINAL", "2026-04-30", null],
    ]);
  });
});

describe("closed periods", () => {
  const N = "T-CLOSE-1";
  let awardId: number;
  const periods = (cookie: string, form: Record<string, string>) => run(periodsAction, request(`/awards/${N}/periods`, { cookie, form }), { number: N }) as Promise<Response>;
  const spentCents = async () => (await t.db.selectFrom("awards").select("spent_cents").where("id", "=", awardId).executeTakeFirstOrThrow()).spent_cents;
  const spendCount = async () => Number((await t.db.selectFrom("spending").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  let userId: number;

  beforeAll(async () => {
    awardId = await makeAward(t.db, { number: N, center: "VA", program: "JAG", amount: 200_000_00, popStart: "2024-10-01", popEnd: "2028-09-30", lines: [100_000_00] });
    userId = (await t.db.selectFrom("users").select("id").where("username", "=", "demo-director").executeTakeFirstOrThrow()).id;
    const r = await addSpending(t.db, userId, awardId, `${N}-L1`, { date: "2025-02-10", amountCents: 1_000_00, description: "Before close" });
    expect(r.ok).toBe(true);
  });

  it("only an admin closes; then spending dated inside is refused and nothing changes; after reopen it succeeds", async () => {
    const close = { intent: "close", start: "2025-01-01", end: "2025-03-31" };
    for (const cookie of [director, auditor, stateOfficial]) expect((await periods(cookie, close)).status).toBe(403);
    expect(await t.db.selectFrom("closed_periods").select("id").where("award_id", "=", awardId).execute()).toEqual([]);
    expect((await periods(admin, close)).status).toBe(303);

    const count = await spendCount();
    const refused = await addSpending(t.db, userId, awardId, `${N}-L1`, { date: "2025-03-31", amountCents: 500_00, description: "Late invoice" });
    expect(refused).toMatchObject({ ok: false, kind: "refused", field: "date" });
    expect((refused as any).message).toContain("closed reporting period");
    expect(await spendCount()).toBe(count);
    expect(await spentCents()).toBe(1_000_00);
    // Whatever path writes (import, CLI, SQL), the database refuses it too.
    const line = await t.db.selectFrom("budget_lines").select("id").where("line_id", "=", `${N}-L1`).executeTakeFirstOrThrow();
    await expect(
      t.db.insertInto("spending").values({ spend_id: "RAW-1", budget_line_id: line.id, date: "2025-01-01", amount_cents: 1, created_at: "x" }).execute(),
    ).rejects.toThrow(/BASELINE_PERIOD_CLOSED/);
    // Nor can a payment from outside be moved into the period.
    const april = await addSpending(t.db, userId, awardId, `${N}-L1`, { date: "2025-05-05", amountCents: 100_00, description: "May" });
    expect(april.ok).toBe(true);
    await expect(t.db.updateTable("spending").set({ date: "2025-02-01" }).where("spend_id", "=", (april as any).value.spend_id).execute()).rejects.toThrow(
      /BASELINE_PERIOD_CLOSED/,
    );
    // Existing spending inside the period cannot be voided either.
    const existing = await t.db.selectFrom("spending").select(["spend_id", "version"]).where("budget_line_id", "=", line.id).executeTakeFirstOrThrow();
    expect(await voidSpending(t.db, userId, awardId, existing.spend_id, existing.version, "oops")).toMatchObject({ ok: false, kind: "refused" });
    // The day after the period is open.
    expect((await addSpending(t.db, userId, awardId, `${N}-L1`, { date: "2025-04-01", amountCents: 200_00, description: "April" })).ok).toBe(true);

    const period = await t.db.selectFrom("closed_periods").select("id").where("award_id", "=", awardId).executeTakeFirstOrThrow();
    const reopen = { intent: "reopen", id: String(period.id) };
    for (const cookie of [director, auditor, stateOfficial]) expect((await periods(cookie, reopen)).status).toBe(403);
    expect((await addSpending(t.db, userId, awardId, `${N}-L1`, { date: "2025-03-31", amountCents: 500_00, description: "Late invoice" })).ok).toBe(false);
    expect((await periods(admin, reopen)).status).toBe(303);
    expect((await addSpending(t.db, userId, awardId, `${N}-L1`, { date: "2025-03-31", amountCents: 500_00, description: "Late invoice" })).ok).toBe(true);
    expect(await spentCents()).toBe(1_800_00);

    const trail = await t.db.selectFrom("audit_log").select(["action", "entity_id"]).where("entity", "=", "closed_period").orderBy("id").execute();
    expect(trail).toEqual([
      { action: "close", entity_id: String(period.id) },
      { action: "reopen", entity_id: String(period.id) },
    ]);
    // Reopening twice is refused.
    expect((await periods(admin, reopen)).status).toBe(409);
  });
});

describe("deadlines page", () => {
  it("puts overdue first, then the next 30 days, then months, scoped to the user's centers", async () => {
    const data = (await run(deadlinesLoader, request(`/deadlines?as-of=${REF}`, { cookie: director }))) as any;
    expect(data.center).toBe("VA");
    const all = [...data.overdue.rows, ...data.soon.rows, ...data.months.flatMap((m: any) => m.rows)];
    expect(new Set(all.map((r: any) => r.centerCode))).toEqual(new Set(["VA"]));
    expect(data.overdue.rows.every((r: any) => r.status === "overdue" && r.due < REF)).toBe(true);
    expect(data.overdue.rows.some((r: any) => r.awardNumber.endsWith("-JAGX") && r.suspension === addDays(r.due, 15))).toBe(true);
    expect(data.soon.rows.every((r: any) => r.due >= REF && r.due <= "2025-07-30")).toBe(true);
    // Reports fall due on Jul 30 and Oct 30 (and final reports in between): the months start after the 30 days.
    expect(data.months.length).toBeGreaterThan(0);
    expect(data.months.every((m: any) => m.rows.every((r: any) => r.due > "2025-07-30" && r.due.startsWith(m.ym)))).toBe(true);
    expect(data.overdue.rows.every((r: any) => r.canRecord)).toBe(true);

    const official = (await run(deadlinesLoader, request(`/deadlines?as-of=${REF}&center=MD`, { cookie: stateOfficial }))) as Response;
    expect(official.status).toBe(403);
    const audit = (await run(deadlinesLoader, request(`/deadlines?as-of=${REF}&center=VA`, { cookie: auditor }))) as any;
    expect(audit.overdue.rows.every((r: any) => r.canRecord === false)).toBe(true);
  });

  it("refuses a submission dated in the future, next to the field", async () => {
    const o = await t.db.selectFrom("reporting_obligations").select(["id", "version"]).where("submitted_on", "is", null).orderBy("id").executeTakeFirstOrThrow();
    const res = (await run(
      deadlinesAction,
      request("/deadlines", { cookie: admin, form: { obligationId: String(o.id), version: String(o.version), submittedOn: addDays(todayIso(), 1), reference: "X" } }),
    )) as Response;
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).result.error.submittedOn).toEqual(["The submission date cannot be in the future"]);
  });
});

describe("personal calendar feed", () => {
  it("serves the director's open reports as RFC 5545 events, and 404 once revoked", async () => {
    const start = todayIso();
    const id = await makeAward(t.db, { number: "T-FEED-1", center: "VA", program: "JAG", amount: 10_000_00, popStart: start, popEnd: addDays(addMonths(start, 12), -1) });
    await syncAwardObligations(t.db, id);
    const final = (await obligationsOf(t.db, id)).find((o) => o.report === "FINAL")!;

    expect((await run(accountAction, request("/account", { cookie: director, form: { intent: "rotate" } }))) as Response).toMatchObject({ status: 303 });
    const page = (await run(accountLoader, request("/account", { cookie: director }))) as any;
    // The link names the configured address (PUBLIC_URL; http://localhost:3000 by default), not the request's host.
    const m = /^http:\/\/localhost:3000\/calendar\/([\w-]+)\.ics$/.exec(page.feed);
    expect(m).not.toBeNull();
    const token = m![1];

    const res = (await run(feedLoader, request(`/calendar/${token}.ics`), { token })) as Response;
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/calendar; charset=utf-8");
    const text = await res.text();
    expect(text.startsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")).toBe(true);
    expect(text.endsWith("END:VCALENDAR\r\n")).toBe(true);
    const events = text.split("BEGIN:VEVENT").slice(1);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e).toMatch(/\r\nUID:reporting-obligation-\d+@baseline\r\n/);
      expect(e).toMatch(/\r\nDTSTAMP:\d{8}T\d{6}Z\r\n/);
      expect(e).toMatch(/\r\nDTSTART;VALUE=DATE:\d{8}\r\n/);
      expect(e).toMatch(/\r\nSUMMARY:/);
      expect(e).toContain("END:VEVENT");
    }
    const mine = events.find((e) => e.includes(`UID:reporting-obligation-${final.id}@baseline`))!;
    expect(mine).toContain(`DTSTART;VALUE=DATE:${final.due.replace(/-/g, "")}`);
    expect(mine).toContain("SUMMARY:FINAL due: T-FEED-1 (VA)");
    // Only the director's own center.
    expect(events.every((e) => e.includes("(VA)"))).toBe(true);

    // Rotating makes the old link stop working; revoking leaves none.
    await run(accountAction, request("/account", { cookie: director, form: { intent: "rotate" } }));
    expect(((await run(feedLoader, request(`/calendar/${token}.ics`), { token })) as Response).status).toBe(404);
    await run(accountAction, request("/account", { cookie: director, form: { intent: "revoke" } }));
    expect(((await run(accountLoader, request("/account", { cookie: director }))) as any).feed).toBeNull();
    expect(await t.db.selectFrom("users").select("ics_token").where("username", "=", "demo-director").executeTakeFirstOrThrow()).toEqual({ ics_token: null });
    expect(((await run(feedLoader, request("/calendar/unknown-token-unknown-token.ics"), { token: "unknown-token-unknown-token" })) as Response).status).toBe(404);
  });

  it("stops serving a deactivated user's feed", async () => {
    const user = await t.db.selectFrom("users").select("id").where("username", "=", "demo-state").executeTakeFirstOrThrow();
    const token = (await t.db.transaction().execute((trx) => rotateIcsToken(trx, user.id)))!;
    expect(((await run(feedLoader, request(`/calendar/${token}.ics`), { token })) as Response).status).toBe(200);
    await t.db.updateTable("users").set({ active: 0 }).where("id", "=", user.id).execute();
    expect(((await run(feedLoader, request(`/calendar/${token}.ics`), { token })) as Response).status).toBe(404);
    await t.db.updateTable("users").set({ active: 1 }).where("id", "=", user.id).execute();
  });
});

describe("deadlines command", () => {
  function sink() {
    let text = "";
    const stream = new Writable({
      write(chunk, _enc, cb) {
        text += chunk;
        cb();
      },
    });
    return { stream, text: () => text };
  }

  async function cli(file: string, args: string[]) {
    const out = sink();
    const err = sink();
    const previous = process.env.DATABASE_PATH;
    process.env.DATABASE_PATH = file;
    try {
      const code = await main(args, { out: out.stream as any, err: err.stream as any, stdin: process.stdin });
      return { code, out: out.text(), err: err.text() };
    } finally {
      if (previous === undefined) delete process.env.DATABASE_PATH;
      else process.env.DATABASE_PATH = previous;
    }
  }

  it("prints each obligation with its status at the edges of the due date", async () => {
    const fresh = freshDatabase();
    try {
      const db = fresh.db;
      for (const [code, state] of [["TS", "VA"], ["UB", "MD"]] as const) {
        await db.insertInto("centers").values({ code, name: `${code} center`, state, kind: "state", created_at: "2024-01-01" }).execute();
      }
      // JAG, Jan–Jun 2024: SF-425 and PMT per quarter, final 120 days after Jun 30 (Oct 28).
      const jag = await makeAward(db, { number: "T-JAG-1", center: "TS", program: "JAG", amount: 100_000_00, popStart: "2024-01-01", popEnd: "2024-06-30" });
      const other = await makeAward(db, { number: "U-OF-1", center: "UB", program: "OTHER_FED", amount: 10_000_00, popStart: "2024-05-15", popEnd: "2024-06-30" });
      await makeAward(db, { number: "T-ST-1", center: "TS", program: "STATE", amount: 10_000_00, popStart: "2024-01-01", popEnd: "2024-06-30" });
      const voided = await makeAward(db, { number: "T-JAG-VOID", center: "TS", program: "JAG", amount: 10_000_00, popStart: "2024-01-01", popEnd: "2024-06-30" });
      expect(await generateAllObligations(db)).toMatchObject({ awards: 3 });
      await db.updateTable("awards").set({ voided_at: "2024-02-01", void_reason: "duplicate" }).where("id", "=", voided).execute();
      await db
        .updateTable("reporting_obligations")
        .set({ submitted_on: "2024-04-29", reference: "FFR-1" })
        .where("award_id", "=", jag)
        .where("report", "=", "SF-425")
        .where("due", "=", "2024-04-30")
        .execute();
      expect(other).toBeGreaterThan(0);

      const onDue = await cli(fresh.file, ["deadlines", "--as-of", "2024-07-30", "--center", "TS"]);
      expect(onDue).toEqual({
        code: 0,
        err: "",
        out: [
          "center,award,report,period_start,period_end,due,status",
          "TS,T-JAG-1,SF-425,2024-01-01,2024-03-31,2024-04-30,submitted",
          "TS,T-JAG-1,PMT,2024-01-01,2024-03-31,2024-04-30,overdue",
          "TS,T-JAG-1,SF-425,2024-04-01,2024-06-30,2024-07-30,upcoming",
          "TS,T-JAG-1,PMT,2024-04-01,2024-06-30,2024-07-30,upcoming",
          "TS,T-JAG-1,FINAL,2024-01-01,2024-06-30,2024-10-28,upcoming",
          "",
        ].join("\n"),
      });

      const dayAfter = await cli(fresh.file, ["deadlines", "--as-of", "2024-07-31", "--format", "json"]);
      expect(dayAfter.code).toBe(0);
      expect(JSON.parse(dayAfter.out)).toEqual([
        { center: "TS", award: "T-JAG-1", report: "SF-425", period_start: "2024-01-01", period_end: "2024-03-31", due: "2024-04-30", status: "submitted" },
        { center: "TS", award: "T-JAG-1", report: "PMT", period_start: "2024-01-01", period_end: "2024-03-31", due: "2024-04-30", status: "overdue" },
        { center: "TS", award: "T-JAG-1", report: "SF-425", period_start: "2024-04-01", period_end: "2024-06-30", due: "2024-07-30", status: "overdue" },
        { center: "TS", award: "T-JAG-1", report: "PMT", period_start: "2024-04-01", period_end: "2024-06-30", due: "2024-07-30", status: "overdue" },
        { center: "UB", award: "U-OF-1", report: "SF-425", period_start: "2024-05-15", period_end: "2024-06-30", due: "2024-07-30", status: "overdue" },
        { center: "TS", award: "T-JAG-1", report: "FINAL", period_start: "2024-01-01", period_end: "2024-06-30", due: "2024-10-28", status: "upcoming" },
        { center: "UB", award: "U-OF-1", report: "FINAL", period_start: "2024-05-15", period_end: "2024-06-30", due: "2024-10-28", status: "upcoming" },
      ]);

      for (const bad of [["--as-of", "2024-13-01"], ["--format", "xml"], ["--center", "NOPE"], ["extra"]]) {
        const r = await cli(fresh.file, ["deadlines", ...bad]);
        expect(r.code, bad.join(" ")).toBe(2);
        expect(r.err).toContain("Usage: npm run -s cli -- deadlines");
        expect(r.out).toBe("");
      }
    } finally {
      await fresh.close();
    }
  });
});
