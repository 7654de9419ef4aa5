import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { awardHistory } from "~/models/awards.server";
import { action as awardAction, loader as awardLoader } from "~/routes/awards.$number";
import { loader as listLoader } from "~/routes/awards._index";
import { action as newAwardAction, loader as newAwardLoader } from "~/routes/awards.new";
import { action as programsAction, loader as programsLoader } from "~/routes/admin.programs";
import { loader as centerLoader } from "~/routes/centers.$code._index";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
const cookies: Record<string, string> = {};

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  for (const u of ["demo-admin", "demo-director", "demo-auditor", "demo-state"]) cookies[u] = await cookieFor(t.db, u);
});

/** Records an award through the form as the demo director (center VA) and returns its number. */
async function newAward(number: string, amount: string, program = "SHSP") {
  const res = (await run(
    newAwardAction,
    request("/awards/new", {
      cookie: cookies["demo-director"],
      form: { awardNumber: number, center: "VA", program, fiscalYear: "2026", amount, popStart: "2025-10-01", popEnd: "" },
    }),
  )) as Response;
  expect(res.status, await res.clone().text()).toBe(303);
  return number;
}

function post(number: string, form: Record<string, string>, who = "demo-director") {
  return run(awardAction, request(`/awards/${encodeURIComponent(number)}`, { cookie: cookies[who], form }), { number }) as Promise<Response>;
}

async function page(number: string, who = "demo-director", query = "") {
  return (await run(awardLoader, request(`/awards/${encodeURIComponent(number)}${query}`, { cookie: cookies[who] }), { number })) as any;
}

const addLine = (amount: string, extra: Record<string, string> = {}) => ({ intent: "add-line", capability: "I.D", poete: "training", category: "contractual", amount, description: "Analyst course", ...extra });

async function counts() {
  const r = await sql<{ lines: number; spending: number; awards: number; audit: number }>`
    select (select count(*) from budget_lines) as lines, (select count(*) from spending) as spending,
           (select count(*) from awards) as awards, (select max(id) from audit_log) as audit`.execute(t.db);
  return r.rows[0];
}

async function lineOf(number: string, n: number) {
  return t.db
    .selectFrom("budget_lines")
    .innerJoin("awards", "awards.id", "budget_lines.award_id")
    .selectAll("budget_lines")
    .where("awards.award_number", "=", number)
    .orderBy("budget_lines.id")
    .offset(n)
    .limit(1)
    .executeTakeFirstOrThrow();
}

describe("recording an award", () => {
  it("fills the period's end from the program's default length and audits the award", async () => {
    await newAward("TEST-SHSP-2026-1", "$1,000,000.00");
    const award = await t.db.selectFrom("awards").selectAll().where("award_number", "=", "TEST-SHSP-2026-1").executeTakeFirstOrThrow();
    // SHSP: 36 months from 2025-10-01, less a day.
    expect([award.amount_cents, award.pop_start, award.pop_end, award.fiscal_year]).toEqual([100_000_000, "2025-10-01", "2028-09-30", 2026]);
    const audit = await t.db.selectFrom("audit_log").selectAll().where("entity", "=", "award").where("entity_id", "=", String(award.id)).execute();
    expect(audit.map((a) => a.action)).toEqual(["create"]);
  });

  it("stores the award's reporting schedule with it (BSIR, SF-425 and the final report for SHSP)", async () => {
    const award = await t.db.selectFrom("awards").select("id").where("award_number", "=", "TEST-SHSP-2026-1").executeTakeFirstOrThrow();
    const rows = await t.db.selectFrom("reporting_obligations").select(["report", "due"]).where("award_id", "=", award.id).execute();
    // 2025-10-01..2028-09-30: BSIR halves 2025H2 … 2028H2 (7), SF-425 quarters Q4-2025 … Q3-2028 (12), one FINAL.
    expect(rows.filter((r) => r.report === "BSIR")).toHaveLength(7);
    expect(rows.filter((r) => r.report === "SF-425")).toHaveLength(12);
    expect(rows.filter((r) => r.report === "FINAL").map((r) => r.due)).toEqual(["2029-01-28"]);
    expect(rows.filter((r) => r.report === "PMT")).toHaveLength(0);
  });

  it("computes the required match from the program (COPS 25%)", async () => {
    await newAward("TEST-COPS-2026-1", "75000", "COPS");
    const award = await t.db.selectFrom("awards").selectAll().where("award_number", "=", "TEST-COPS-2026-1").executeTakeFirstOrThrow();
    expect(award.match_required_cents).toBe(18_750_00);
    expect(award.pop_end).toBe("2030-09-30");
  });

  it("refuses a duplicate number, bad money and a period ending before it starts, at the field", async () => {
    const before = await counts();
    const send = (form: Record<string, string>) =>
      run(newAwardAction, request("/awards/new", { cookie: cookies["demo-director"], form: { awardNumber: "TEST-X", center: "VA", program: "JAG", fiscalYear: "2026", amount: "10", popStart: "2025-10-01", popEnd: "", ...form } })) as Promise<Response>;
    let res = await send({ awardNumber: "TEST-SHSP-2026-1" });
    expect(res.status).toBe(400);
    expect((await res.json()).result.error.awardNumber).toEqual(["Award number TEST-SHSP-2026-1 is already recorded"]);
    res = await send({ amount: "12.345" });
    expect((await res.json()).result.error.amount).toEqual(["Amount has more than two decimals (cents)"]);
    res = await send({ popEnd: "2025-09-30" });
    expect((await res.json()).result.error.popEnd).toEqual(["The period cannot end (2025-09-30) before it starts (2025-10-01)"]);
    expect(await counts()).toEqual(before);
  });

  it("lets a director record awards only for their own center, and refuses auditors and state officials", async () => {
    const before = await counts();
    const form = { awardNumber: "TEST-MD-1", center: "MD", program: "JAG", fiscalYear: "2026", amount: "10", popStart: "2025-10-01", popEnd: "" };
    expect(((await run(newAwardAction, request("/awards/new", { cookie: cookies["demo-director"], form }))) as Response).status).toBe(403);
    for (const who of ["demo-auditor", "demo-state"]) {
      expect(((await run(newAwardAction, request("/awards/new", { cookie: cookies[who], form: { ...form, center: "VA" } }))) as Response).status).toBe(403);
      expect(((await run(newAwardLoader, request("/awards/new", { cookie: cookies[who] }))) as Response).status).toBe(403);
    }
    expect(await counts()).toEqual(before);
    const data = (await run(newAwardLoader, request("/awards/new", { cookie: cookies["demo-director"] }))) as any;
    expect(data.centers.map((c: any) => c.code)).toEqual(["VA"]);
  });
});

describe("money at the budget line form", () => {
  const AWARD = "TEST-SHSP-2026-1";

  it.each([
    ["-5", "Amount cannot be negative"],
    ["12.345", "Amount has more than two decimals (cents)"],
    ["1000000000000.01", "Amount is over the limit of $1,000,000,000,000"],
    ["12abc", '"12abc" is not an amount in dollars (use 1234.56 or $1,234.56)'],
    ["", "Enter an amount in dollars, like 1234.56"],
  ])("refuses %j with the parser's message, keeps the input and saves nothing", async (typed, message) => {
    const before = await counts();
    const res = await post(AWARD, addLine(typed));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.formId).toBe("add-line");
    expect(body.result.error.amount).toEqual([message]);
    // What was typed comes back to the form (Conform drops an empty field).
    if (typed) expect(body.result.initialValue.amount).toBe(typed);
    expect(body.result.initialValue.description).toBe("Analyst course");
    expect(await counts()).toEqual(before);
  });

  it('accepts "1234.56", "$1,234.56" and "1234" as cents', async () => {
    for (const typed of ["1234.56", "$1,234.56", "1234"]) expect((await post(AWARD, addLine(typed))).status).toBe(303);
    const lines = await t.db
      .selectFrom("budget_lines")
      .innerJoin("awards", "awards.id", "budget_lines.award_id")
      .select(["budget_lines.amount_cents", "budget_lines.line_id"])
      .where("awards.award_number", "=", AWARD)
      .orderBy("budget_lines.id")
      .execute();
    expect(lines.map((l) => l.amount_cents)).toEqual([123_456, 123_456, 123_400]);
    expect(lines.map((l) => l.line_id)).toEqual([`${AWARD}-L1`, `${AWARD}-L2`, `${AWARD}-L3`]);
    const audit = await t.db.selectFrom("audit_log").select("action").where("entity", "=", "budget_line").where("entity_id", "in", (await lineIds(AWARD)).map(String)).execute();
    expect(audit).toHaveLength(3);
  });

  it("refuses a payment dated on a day that does not exist", async () => {
    const line = await lineOf(AWARD, 0);
    const before = await counts();
    const res = await post(AWARD, { intent: "add-spending", line: line.line_id, date: "2026-02-30", amount: "10", description: "x" });
    expect(res.status).toBe(400);
    expect((await res.json()).result.error.date).toEqual(['"2026-02-30" is not a real calendar date']);
    expect(await counts()).toEqual(before);
  });
});

async function lineIds(number: string) {
  const rows = await t.db.selectFrom("budget_lines").innerJoin("awards", "awards.id", "budget_lines.award_id").select("budget_lines.id").where("awards.award_number", "=", number).execute();
  return rows.map((r) => r.id);
}

describe("over-budget and over-spent refusals", () => {
  const AWARD = "TEST-OVER-1";

  beforeAll(async () => {
    await newAward(AWARD, "1000000");
  });

  it("refuses budget lines that would total more than the award, with the figures", async () => {
    expect((await post(AWARD, addLine("950,000"))).status).toBe(303);
    const before = await counts();
    const res = await post(AWARD, addLine("100000"));
    expect(res.status).toBe(400);
    // 950,000 + 100,000 = 1,050,000 against 1,000,000: over by 50,000.
    expect((await res.json()).result.error.amount).toEqual(["Budget lines would total $1,050,000.00, over the award's $1,000,000.00 by $50,000.00"]);
    expect(await counts()).toEqual(before);
    // Exactly the rest fits.
    expect((await post(AWARD, addLine("50000"))).status).toBe(303);
    const award = await t.db.selectFrom("awards").select(["budgeted_cents", "amount_cents"]).where("award_number", "=", AWARD).executeTakeFirstOrThrow();
    expect(award.budgeted_cents).toBe(award.amount_cents);
  });

  it("refuses raising a line past the award, and lowering it below what it has spent", async () => {
    const line = await lineOf(AWARD, 1); // the $50,000 line
    let res = await post(AWARD, { ...addLine("50000.01"), intent: "edit-line", line: line.line_id, version: String(line.version) });
    expect((await res.json()).result.error.amount).toEqual(["Budget lines would total $1,000,000.01, over the award's $1,000,000.00 by $0.01"]);
    expect((await post(AWARD, { intent: "add-spending", line: line.line_id, date: "2026-01-15", amount: "30000", description: "Vendor" })).status).toBe(303);
    res = await post(AWARD, { ...addLine("29999.99"), intent: "edit-line", line: line.line_id, version: String(line.version) });
    expect((await res.json()).result.error.amount).toEqual([`Line ${line.line_id} already has $30,000.00 spent; its amount cannot go below that`]);
  });

  it("refuses spending that would exceed its line, with the figures", async () => {
    const line = await lineOf(AWARD, 1); // $50,000 with $30,000 spent
    const before = await counts();
    const res = await post(AWARD, { intent: "add-spending", line: line.line_id, date: "2026-02-01", amount: "20000.01", description: "Too much" });
    expect(res.status).toBe(400);
    expect((await res.json()).result.error.amount).toEqual([`Spending on line ${line.line_id} would total $50,000.01, over the line's $50,000.00 by $0.01`]);
    expect(await counts()).toEqual(before);
    // Editing the existing payment upward is held to the same limit.
    const pay = await t.db.selectFrom("spending").selectAll().where("budget_line_id", "=", line.id).executeTakeFirstOrThrow();
    const edit = await post(AWARD, { intent: "edit-spending", spend: pay.spend_id, version: String(pay.version), date: pay.date, amount: "50000.50", description: "Vendor" });
    expect((await edit.json()).result.error.amount).toEqual([`Spending on line ${line.line_id} would total $50,000.50, over the line's $50,000.00 by $0.50`]);
  });

  it("will not touch a line of another award through this award's page", async () => {
    const other = await lineOf("TEST-SHSP-2026-1", 0);
    const res = await post(AWARD, { intent: "add-spending", line: other.line_id, date: "2026-02-01", amount: "1", description: "x" });
    expect(res.status).toBe(400);
    expect((await res.json()).result.error).toEqual({ "": [`No budget line ${other.line_id} on this award`] });
  });
});

describe("the award page adds up", () => {
  it("matches a direct SQL sum over budget_lines and spending to the cent, for a demo award", async () => {
    const pick = await sql<{ award_number: string }>`
      select a.award_number from awards a join centers c on c.id = a.center_id join budget_lines bl on bl.award_id = a.id
      join spending s on s.budget_line_id = bl.id where c.code = 'VA' group by a.id order by count(s.id) desc limit 1`.execute(t.db);
    const number = pick.rows[0].award_number;
    const data = await page(number);
    const direct = await sql<{ amount: number; budgeted: number; spent: number }>`
      select a.amount_cents as amount,
        (select coalesce(sum(amount_cents), 0) from budget_lines where award_id = a.id and voided_at is null) as budgeted,
        (select coalesce(sum(s.amount_cents), 0) from spending s join budget_lines bl on bl.id = s.budget_line_id
          where bl.award_id = a.id and s.voided_at is null and bl.voided_at is null) as spent
      from awards a where a.award_number = ${number}`.execute(t.db);
    const d = direct.rows[0];
    expect(data.figures.amountCents).toBe(d.amount);
    expect(data.figures.budgetedCents).toBe(d.budgeted);
    expect(data.figures.spentCents).toBe(d.spent);
    expect(data.figures.unbudgetedCents).toBe(d.amount - d.budgeted);
    expect(data.figures.unspentCents).toBe(d.amount - d.spent);
    expect(d.spent).toBeGreaterThan(0);
    // Per line, and per group: every breakdown adds back to the award's figures.
    const perLine = await sql<{ line_id: string; spent: number }>`
      select bl.line_id, coalesce(sum(case when s.voided_at is null then s.amount_cents end), 0) as spent
      from budget_lines bl join awards a on a.id = bl.award_id left join spending s on s.budget_line_id = bl.id
      where a.award_number = ${number} group by bl.id order by bl.id`.execute(t.db);
    expect(data.lines.map((l: any) => [l.line_id, l.spent])).toEqual(perLine.rows.map((r) => [r.line_id, r.spent]));
    for (const group of [data.byArea, data.byPoete]) {
      expect(group.reduce((s: number, r: any) => s + r.budgetedCents, 0)).toBe(d.budgeted);
      expect(group.reduce((s: number, r: any) => s + r.spentCents, 0)).toBe(d.spent);
    }
    // The summary columns the list pages use agree with the rows.
    const award = await t.db.selectFrom("awards").select(["budgeted_cents", "spent_cents"]).where("award_number", "=", number).executeTakeFirstOrThrow();
    expect([award.budgeted_cents, award.spent_cents]).toEqual([d.budgeted, d.spent]);
  });
});

describe("voiding", () => {
  const AWARD = "TEST-VOID-1";

  beforeAll(async () => {
    await newAward(AWARD, "10000");
    await post(AWARD, addLine("6000"));
    await post(AWARD, addLine("4000"));
    const line = await lineOf(AWARD, 0);
    await post(AWARD, { intent: "add-spending", line: line.line_id, date: "2026-01-10", amount: "1500.25", description: "First" });
    await post(AWARD, { intent: "add-spending", line: line.line_id, date: "2026-01-20", amount: "499.75", description: "Second" });
  });

  it("needs a reason", async () => {
    const pay = await t.db.selectFrom("spending").selectAll().where("spend_id", "=", `${AWARD}-L1-S1`).executeTakeFirstOrThrow();
    const res = await post(AWARD, { intent: "void-spending", spend: pay.spend_id, version: String(pay.version), reason: "" });
    expect(res.status).toBe(400);
    expect((await res.json()).result.error.reason).toEqual(["Give a reason for voiding"]);
  });

  it("keeps the payment, struck through, and leaves it out of the totals", async () => {
    expect((await page(AWARD)).figures.spentCents).toBe(2_000_00);
    const pay = await t.db.selectFrom("spending").selectAll().where("spend_id", "=", `${AWARD}-L1-S1`).executeTakeFirstOrThrow();
    expect((await post(AWARD, { intent: "void-spending", spend: pay.spend_id, version: String(pay.version), reason: "Duplicate invoice" })).status).toBe(303);
    const data = await page(AWARD);
    // 1,500.25 + 499.75 = 2,000.00 spent; voiding 1,500.25 leaves 499.75.
    expect(data.figures.spentCents).toBe(499_75);
    expect(data.figures.unspentCents).toBe(10_000_00 - 499_75);
    expect(data.lines[0].spent).toBe(499_75);
    const kept = data.spending.find((s: any) => s.spend_id === pay.spend_id);
    expect(kept.void_reason).toBe("Duplicate invoice");
    expect(kept.voided_at).not.toBeNull();
    const award = await t.db.selectFrom("awards").select("spent_cents").where("award_number", "=", AWARD).executeTakeFirstOrThrow();
    expect(award.spent_cents).toBe(499_75);
  });

  it("refuses to void a line with live spending until that spending is voided", async () => {
    const line = await lineOf(AWARD, 0);
    let res = await post(AWARD, { intent: "void-line", line: line.line_id, version: String(line.version), reason: "Wrong award" });
    expect(res.status).toBe(400);
    expect((await res.json()).result.error.reason).toEqual([`Line ${line.line_id} has 1 live payment totalling $499.75; void that spending first`]);
    const pay = await t.db.selectFrom("spending").selectAll().where("spend_id", "=", `${AWARD}-L1-S2`).executeTakeFirstOrThrow();
    await post(AWARD, { intent: "void-spending", spend: pay.spend_id, version: String(pay.version), reason: "Moved" });
    res = await post(AWARD, { intent: "void-line", line: line.line_id, version: String(line.version), reason: "Wrong award" });
    expect(res.status).toBe(303);
    const data = await page(AWARD);
    expect(data.figures).toMatchObject({ budgetedCents: 4_000_00, unbudgetedCents: 6_000_00, spentCents: 0, liveLines: 1, voidedLines: 1 });
    expect(data.lines[0].voided_at).not.toBeNull();
    // The freed room can be budgeted again.
    expect((await post(AWARD, addLine("6000"))).status).toBe(303);
  });

  it("refuses to void an award with live lines, then voids it once they are voided", async () => {
    const award = await t.db.selectFrom("awards").selectAll().where("award_number", "=", AWARD).executeTakeFirstOrThrow();
    let res = await post(AWARD, { intent: "void-award", version: String(award.version), reason: "Entered twice" });
    expect((await res.json()).result.error.reason).toEqual(["This award still has 2 live budget lines totalling $10,000.00; void them (and their spending) first"]);
    for (const n of [1, 2]) {
      const line = await lineOf(AWARD, n);
      expect((await post(AWARD, { intent: "void-line", line: line.line_id, version: String(line.version), reason: "Entered twice" })).status).toBe(303);
    }
    res = await post(AWARD, { intent: "void-award", version: String(award.version), reason: "Entered twice" });
    expect(res.status).toBe(303);
    const list = (await run(listLoader, request("/awards?center=VA&fy=2026", { cookie: cookies["demo-director"] }))) as any;
    const row = list.awards.find((a: any) => a.award_number === AWARD);
    expect(row.voided_at).not.toBeNull();
    // The totals row leaves the voided award out.
    const direct = await sql<{ total: number }>`select sum(a.amount_cents) as total from awards a join centers c on c.id = a.center_id
      where c.code = 'VA' and a.fiscal_year = 2026 and a.voided_at is null`.execute(t.db);
    expect(list.totals.amountCents).toBe(direct.rows[0].total);
    const audit = await t.db.selectFrom("audit_log").select("action").where("entity", "=", "award").where("entity_id", "=", String(award.id)).orderBy("id").execute();
    expect(audit.map((a) => a.action)).toEqual(["create", "void"]);
  });
});

describe("editing with a stale version", () => {
  it("refuses with the other person's change and keeps what was typed", async () => {
    const AWARD = "TEST-SHSP-2026-1";
    const line = await lineOf(AWARD, 0);
    // The admin saves first, from the same version the director loaded.
    const first = await post(AWARD, { ...addLine("2000"), intent: "edit-line", line: line.line_id, version: String(line.version), description: "Admin's change" }, "demo-admin");
    expect(first.status).toBe(303);
    const res = await post(AWARD, { ...addLine("3000"), intent: "edit-line", line: line.line_id, version: String(line.version), description: "Director's change" });
    expect(res.status).toBe(409);
    const body = await res.json();
    expect(body.result.error[""][0]).toMatch(/^Someone else changed this record while you were editing \(it is now at version 2\)/);
    expect(body.conflict).toEqual(
      expect.arrayContaining([expect.stringMatching(/^demo-admin at .* changed amount: \$1,234\.56 → \$2,000\.00$/), expect.stringMatching(/changed description: Analyst course → Admin's change$/)]),
    );
    expect(body.result.initialValue).toMatchObject({ amount: "3000", description: "Director's change" });
    const now = await t.db.selectFrom("budget_lines").selectAll().where("id", "=", line.id).executeTakeFirstOrThrow();
    expect([now.amount_cents, now.description, now.version]).toEqual([2_000_00, "Admin's change", 2]);
  });
});

describe("who may write", () => {
  it("refuses auditors, state officials and other centers' directors with 403 and changes nothing", async () => {
    const va = "TEST-SHSP-2026-1";
    const line = await lineOf(va, 0);
    const forms: Array<Record<string, string>> = [
      addLine("10"),
      { intent: "add-spending", line: line.line_id, date: "2026-01-05", amount: "1", description: "x" },
      { intent: "void-line", line: line.line_id, version: String(line.version), reason: "no" },
    ];
    const before = await counts();
    for (const who of ["demo-auditor", "demo-state"]) for (const form of forms) expect((await post(va, form, who)).status).toBe(403);
    const md = await sql<{ award_number: string }>`select a.award_number from awards a join centers c on c.id = a.center_id where c.code = 'MD' limit 1`.execute(t.db);
    expect((await post(md.rows[0].award_number, addLine("10"))).status).toBe(403);
    expect(await counts()).toEqual(before);
    // They still read what they may see: the auditor reads MD's award, the state official (VA) does not.
    expect((await page(md.rows[0].award_number, "demo-auditor")).award.award_number).toBe(md.rows[0].award_number);
    expect(((await page(md.rows[0].award_number, "demo-state")) as Response).status).toBe(403);
    expect((await page(va, "demo-state")).canEdit).toBe(false);
  });

  it("answers 404 for an unknown award number", async () => {
    expect(((await page("NO-SUCH-AWARD")) as Response).status).toBe(404);
  });
});

describe("the award list", () => {
  it("shows a state official only their state's awards, filtered from the URL, with a totals row", async () => {
    const data = (await run(listLoader, request("/awards?program=JAG&fy=2024", { cookie: cookies["demo-state"] }))) as any;
    expect(data.count).toBeGreaterThan(0);
    const states = (await t.db.selectFrom("users").select("states").where("username", "=", "demo-state").executeTakeFirstOrThrow()).states.split(",");
    expect(states).toContain("VA");
    expect(states).not.toContain("MD");
    for (const a of data.awards) expect(states).toContain(a.center_state);
    expect(new Set(data.awards.map((a: any) => a.program_code))).toEqual(new Set(["JAG"]));
    const direct = await sql<{ n: number; total: number; spent: number }>`
      select count(*) as n, sum(a.amount_cents) as total, sum(a.spent_cents) as spent from awards a join centers c on c.id = a.center_id
      where c.state in (${sql.join(states)}) and a.program_code = 'JAG' and a.fiscal_year = 2024 and a.voided_at is null`.execute(t.db);
    expect([data.totals.awards, data.totals.amountCents, data.totals.spentCents]).toEqual([direct.rows[0].n, direct.rows[0].total, direct.rows[0].spent]);
  });

  it("filters by agency for an auditor across all centers", async () => {
    const data = (await run(listLoader, request("/awards?agency=DOJ&fy=2025", { cookie: cookies["demo-auditor"] }))) as any;
    expect(new Set(data.awards.map((a: any) => a.agency))).toEqual(new Set(["DOJ"]));
    const direct = await sql<{ total: number }>`select sum(a.amount_cents) as total from awards a join programs p on p.code = a.program_code
      where p.agency = 'DOJ' and a.fiscal_year = 2025 and a.voided_at is null`.execute(t.db);
    expect(data.totals.amountCents).toBe(direct.rows[0].total);
  });
});

describe("the center page's funding by source", () => {
  it("stacks each year's award money by source, adding up to the year's total", async () => {
    const data = (await run(centerLoader, request("/centers/VA", { cookie: cookies["demo-director"] }), { code: "VA" })) as any;
    const direct = await sql<{ fy: number; agency: string; total: number }>`
      select a.fiscal_year as fy, p.agency, sum(a.amount_cents) as total from awards a join programs p on p.code = a.program_code
      join centers c on c.id = a.center_id where c.code = 'VA' and a.voided_at is null group by a.fiscal_year, p.agency`.execute(t.db);
    for (const r of direct.rows) expect(data.fundingBySource.find((y: any) => y.fiscalYear === r.fy)[r.agency]).toBe(r.total);
    for (const y of data.fundingBySource) expect(y.DHS + y.DOJ + y.STATE + y.LOCAL + y.OTHER).toBe(y.totalCents);
    expect(typeof data.planYear).toBe("number");
  });
});

describe("program parameters", () => {
  it("lets an admin change them (audited) and refuses everyone else", async () => {
    const program = await t.db.selectFrom("programs").selectAll().where("code", "=", "JAG").executeTakeFirstOrThrow();
    const form = { code: "JAG", version: String(program.version), name: program.name, popMonths: "36", maCapPct: "10", personnelCapPct: "", matchPct: "", reports: "sf-425, pmt, final" };
    for (const who of ["demo-director", "demo-auditor", "demo-state"]) {
      expect(((await run(programsAction, request("/admin/programs", { cookie: cookies[who], form }))) as Response).status).toBe(403);
      expect(((await run(programsLoader, request("/admin/programs", { cookie: cookies[who] }))) as Response).status).toBe(403);
    }
    let res = (await run(programsAction, request("/admin/programs", { cookie: cookies["demo-admin"], form: { ...form, maCapPct: "101" } }))) as Response;
    expect((await res.json()).result.error.maCapPct).toEqual(["M&A cap cannot be over 100%"]);
    res = (await run(programsAction, request("/admin/programs", { cookie: cookies["demo-admin"], form }))) as Response;
    expect(res.status).toBe(303);
    const after = await t.db.selectFrom("programs").selectAll().where("code", "=", "JAG").executeTakeFirstOrThrow();
    expect([after.pop_months, after.ma_cap_pct, after.reports, after.version]).toEqual([36, 10, "SF-425,PMT,FINAL", program.version + 1]);
    const audit = await t.db.selectFrom("audit_log").select("action").where("entity", "=", "program").where("entity_id", "=", "JAG").execute();
    expect(audit).toHaveLength(1);
    // The same (now stale) form again: a conflict naming the change.
    res = (await run(programsAction, request("/admin/programs", { cookie: cookies["demo-admin"], form: { ...form, popMonths: "40" } }))) as Response;
    expect(res.status).toBe(409);
    expect((await res.json()).conflict).toEqual(expect.arrayContaining([expect.stringMatching(/changed period \(months\): 48 → 36$/)]));
  });
});

describe("an award with many payments", () => {
  const NUMBER = "VA-MANY-PAYMENTS";
  let total = 0;

  beforeAll(async () => {
    await newAward(NUMBER, "500000");
    expect((await post(NUMBER, addLine("100000"))).status).toBe(303);
    const line = (await page(NUMBER)).lines[0];
    // 230 payments of $1.00 … $2.30, one a day from the start of the period.
    for (let i = 1; i <= 230; i++) {
      const date = new Date(Date.UTC(2025, 9, 1) + (i - 1) * 86_400_000).toISOString().slice(0, 10);
      const res = await post(NUMBER, { intent: "add-spending", line: line.line_id, date, amount: (i / 100 + 1).toFixed(2), description: `Invoice ${i}` });
      expect(res.status).toBe(303);
      total += 100 + i;
    }
  });

  it("lists them 100 a page, newest first, with totals and line figures over all of them", async () => {
    const first = await page(NUMBER);
    expect(first.spending).toHaveLength(100);
    expect(first.spending[0].description).toBe("Invoice 230");
    expect(first.spending[99].description).toBe("Invoice 131");
    expect(first.payments).toMatchObject({ page: 1, pageCount: 3, total: 230, from: 1, to: 100, label: "Showing 1–100 of 230" });
    expect(first.payments.nextHref).toBe("?payments=2#spending");
    expect(first.figures.spentCents).toBe(total);
    expect(first.lines[0].spent).toBe(total);

    const last = await page(NUMBER, "demo-director", "?payments=3");
    expect(last.spending.map((s: any) => s.description)).toEqual(Array.from({ length: 30 }, (_, i) => `Invoice ${30 - i}`));
    expect(last.payments).toMatchObject({ page: 3, from: 201, to: 230, prevHref: "?payments=2#spending", nextHref: null });
    // A page past the end shows the last one; a malformed page number the first.
    expect((await page(NUMBER, "demo-director", "?payments=9")).payments.page).toBe(3);
    expect((await page(NUMBER, "demo-director", "?payments=abc")).payments.page).toBe(1);
  });

  it("opens the payment panel for a payment on another page; the page shows the latest 100 changes, the report's history all", async () => {
    const oldest = await t.db.selectFrom("spending").select(["spend_id", "id"]).where("description", "=", "Invoice 1").executeTakeFirstOrThrow();
    const newest = await t.db.selectFrom("spending").select("id").where("description", "=", "Invoice 230").executeTakeFirstOrThrow();
    const data = await page(NUMBER, "demo-director", `?spend=${encodeURIComponent(oldest.spend_id)}`);
    expect(data.spending.some((s: any) => s.spend_id === oldest.spend_id)).toBe(false);
    expect(data.selectedPayment.spend_id).toBe(oldest.spend_id);
    expect(data.history).toHaveLength(100);
    expect(data.history[0]).toMatchObject({ entity: "spending", entity_id: String(newest.id), action: "create" });
    // The payments' history is found through SQL, whatever their number (230 here, plus the award and its line).
    const all = await awardHistory(t.db, data.award.id, data.lines.map((l: any) => l.id));
    expect(all).toHaveLength(232);
    expect(all.some((h) => h.entity === "spending" && h.entity_id === String(oldest.id))).toBe(true);
  });
});
