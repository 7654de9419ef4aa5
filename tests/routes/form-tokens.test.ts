import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { FORM_TOKEN_DAYS, newFormToken, writeOnce } from "~/models/form-tokens.server";
import { action as awardAction, loader as awardLoader } from "~/routes/awards.$number";
import { action as amendAction, loader as amendLoader } from "~/routes/awards.$number_.amendments";
import { action as matchAction, loader as matchLoader } from "~/routes/awards.$number_.match";
import { action as periodsAction, loader as periodsLoader } from "~/routes/awards.$number_.periods";
import { action as newAwardAction, loader as newAwardLoader } from "~/routes/awards.new";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

/**
 * Every create form is safe to send twice (docs/decisions/015-form-tokens.md): the page's one-time
 * token is spent with the write, so the second sending writes nothing and is answered "already
 * recorded" on the page the first went to.
 */
const t = useTestDatabase();
let admin = "";
let director = "";
const AWARD = "TEST-ONCE-1";

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  admin = await cookieFor(t.db, "demo-admin");
  director = await cookieFor(t.db, "demo-director");
});

async function counts() {
  const r = await sql<Record<string, number>>`
    select (select count(*) from awards) as awards, (select count(*) from budget_lines) as lines,
           (select count(*) from spending) as spending, (select count(*) from amendments) as amendments,
           (select count(*) from match_contributions) as contributions, (select count(*) from closed_periods) as periods,
           (select count(*) from audit_log) as audit`.execute(t.db);
  return r.rows[0];
}

type Loader = (args: any) => Promise<unknown>;

async function tokenOf(loader: Loader, path: string, params: Record<string, string> = {}, cookie = director): Promise<string> {
  const data = (await run(loader, request(path, { cookie }), params)) as { once: string };
  expect(data.once).toMatch(/\./);
  return data.once;
}

/** Sends the same form twice; returns both answers. */
async function twice(action: Loader, path: string, form: Record<string, string>, params: Record<string, string> = {}, cookie = director) {
  const first = (await run(action, request(path, { cookie, form }), params)) as Response;
  const second = (await run(action, request(path, { cookie, form }), params)) as Response;
  return [first, second] as const;
}

function expectReplayOf(first: Response, second: Response) {
  expect(first.status, first.headers.get("Location") ?? "").toBe(303);
  expect(second.status).toBe(303);
  const location = first.headers.get("Location")!;
  // The second answer goes to the first one's page, saying the form came twice.
  const [path, hash] = location.split("#");
  expect(second.headers.get("Location")).toBe(`${path}&again=1${hash ? `#${hash}` : ""}`);
}

describe("a create form sent twice writes once", () => {
  it("records one award", async () => {
    const once = await tokenOf(newAwardLoader, "/awards/new");
    const before = await counts();
    const form = { once, awardNumber: AWARD, center: "VA", program: "SHSP", fiscalYear: "2026", amount: "1000000", popStart: "2025-10-01", popEnd: "" };
    const [first, second] = await twice(newAwardAction, "/awards/new", form);
    expectReplayOf(first, second);
    expect(await counts()).toMatchObject({ awards: before.awards + 1 });
    const award = await t.db.selectFrom("awards").select("id").where("award_number", "=", AWARD).executeTakeFirstOrThrow();
    const audited = await t.db.selectFrom("audit_log").select("id").where("entity", "=", "award").where("entity_id", "=", String(award.id)).execute();
    expect(audited).toHaveLength(1);
  });

  it("records one budget line and one payment: one row each in the table and in the audit log", async () => {
    const path = `/awards/${AWARD}`;
    let once = await tokenOf(awardLoader, path, { number: AWARD });
    let before = await counts();
    const line = { once, intent: "add-line", capability: "I.D", poete: "training", category: "contractual", amount: "5000", description: "Analyst course" };
    let [first, second] = await twice(awardAction, path, line, { number: AWARD });
    expectReplayOf(first, second);
    expect(await counts()).toMatchObject({ lines: before.lines + 1, audit: before.audit + 1 });

    const lineId = (await t.db.selectFrom("budget_lines").select("line_id").orderBy("id", "desc").limit(1).executeTakeFirstOrThrow()).line_id;
    once = await tokenOf(awardLoader, `${path}?line=${lineId}`, { number: AWARD });
    before = await counts();
    const payment = { once, intent: "add-spending", line: lineId, date: "2025-11-02", amount: "1250.00", description: "Course fee" };
    [first, second] = await twice(awardAction, `${path}?line=${lineId}`, payment, { number: AWARD });
    expectReplayOf(first, second);
    expect(first.headers.get("Location")).toContain("done=spending-added");
    expect(await counts()).toMatchObject({ spending: before.spending + 1, audit: before.audit + 1 });
    const payments = await t.db.selectFrom("spending").select("amount_cents").where("description", "=", "Course fee").execute();
    expect(payments).toEqual([{ amount_cents: 125_000 }]);
  });

  it("records one amendment, one match contribution and one closed period", async () => {
    const params = { number: AWARD };
    const award = await t.db.selectFrom("awards").select("version").where("award_number", "=", AWARD).executeTakeFirstOrThrow();
    let before = await counts();
    const amend = { once: await tokenOf(amendLoader, `/awards/${AWARD}/amendments`, params), version: String(award.version), date: "2025-12-01", reason: "Supplement", amount: "1100000" };
    let [first, second] = await twice(amendAction, `/awards/${AWARD}/amendments`, amend, params);
    expectReplayOf(first, second);
    expect(await counts()).toMatchObject({ amendments: before.amendments + 1 });

    before = await counts();
    const match = { once: await tokenOf(matchLoader, `/awards/${AWARD}/match`, params), intent: "add", date: "2025-12-01", kind: "cash", amount: "300", description: "County share" };
    [first, second] = await twice(matchAction, `/awards/${AWARD}/match`, match, params);
    expectReplayOf(first, second);
    expect(await counts()).toMatchObject({ contributions: before.contributions + 1, audit: before.audit + 1 });

    before = await counts();
    const period = { once: await tokenOf(periodsLoader, `/awards/${AWARD}/periods`, params, admin), intent: "close", start: "2025-10-01", end: "2025-10-31" };
    [first, second] = await twice(periodsAction, `/awards/${AWARD}/periods`, period, params, admin);
    expectReplayOf(first, second);
    expect(await counts()).toMatchObject({ periods: before.periods + 1, audit: before.audit + 1 });
  });

  it("spends no token on a refused form: corrected and sent again with the same token, it is recorded", async () => {
    const path = `/awards/${AWARD}`;
    const lineId = (await t.db.selectFrom("budget_lines").select("line_id").orderBy("id", "desc").limit(1).executeTakeFirstOrThrow()).line_id;
    const once = await tokenOf(awardLoader, `${path}?line=${lineId}`, { number: AWARD });
    const before = await counts();
    const over = { once, intent: "add-spending", line: lineId, date: "2025-11-03", amount: "999999", description: "Too much" };
    const refused = (await run(awardAction, request(path, { cookie: director, form: over }), { number: AWARD })) as Response;
    expect(refused.status).toBe(400);
    expect(await counts()).toEqual(before);
    const ok = (await run(awardAction, request(path, { cookie: director, form: { ...over, amount: "10" } }), { number: AWARD })) as Response;
    expect(ok.status).toBe(303);
    expect(ok.headers.get("Location")).not.toContain("again=1");
    expect(await counts()).toMatchObject({ spending: before.spending + 1 });
  });

  it("refuses a token older than its lifetime with a message, keeps the input and writes nothing", async () => {
    const old = newFormToken(Date.now() - (FORM_TOKEN_DAYS + 1) * 86_400_000);
    const before = await counts();
    const form = { once: old, awardNumber: "TEST-ONCE-OLD", center: "VA", program: "SHSP", fiscalYear: "2026", amount: "10", popStart: "2025-10-01", popEnd: "" };
    const res = (await run(newAwardAction, request("/awards/new", { cookie: director, form }))) as Response;
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.result.error[""][0]).toMatch(/reload the page/);
    expect(body.result.initialValue.awardNumber).toBe("TEST-ONCE-OLD");
    expect(await counts()).toEqual(before);
  });
});

describe("the table of spent tokens", () => {
  it("keeps a spent token only for its lifetime", async () => {
    const day = 86_400_000;
    const now = Date.parse("2030-01-10T00:00:00Z");
    const old = newFormToken(now - 3 * day);
    expect((await writeOnce(t.db, old, async () => "first", undefined, now - 3 * day)).kind).toBe("done");
    expect((await writeOnce(t.db, old, async () => "again", undefined, now - 2 * day)).kind).toBe("replay");
    // A write FORM_TOKEN_DAYS later drops the expired row; the old token itself is refused from then on.
    const later = now + FORM_TOKEN_DAYS * day;
    expect((await writeOnce(t.db, newFormToken(later), async () => "new", undefined, later)).kind).toBe("done");
    expect(await t.db.selectFrom("form_tokens").select("token").where("token", "=", old).execute()).toEqual([]);
    expect((await writeOnce(t.db, old, async () => "again", undefined, later)).kind).toBe("expired");
  });
});
