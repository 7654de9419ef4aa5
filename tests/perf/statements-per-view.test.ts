/**
 * Statements a repeated view sends. Each is a round trip on PostgreSQL, so the few every request
 * makes are counted here: signing the request in (session, user and change counter in one statement,
 * once for the root's and the page's loaders), the national dashboard and the demo flag at an unchanged
 * state (nothing more; the change counter outside a page request), a saved budget line, and the pages after it.
 */
import { Kysely, SqliteDialect } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { sqliteHandle } from "../../db/client";
import type { Database } from "../../db/schema";
import { loadDemo } from "~/demo/load.server";
import { parseFiscalYear } from "~/domain/fiscal-year";
import { getDashboard, parseDashboardParams } from "~/models/dashboard.server";
import { editBudgetLine } from "~/models/budget.server";
import { saveAssessments } from "~/models/assessments.server";
import { createSession } from "~/models/sessions.server";
import { sessionPrincipal } from "~/models/users.server";
import { asReadRequest, memoized } from "~/models/memo.server";
import { isDemoLoaded, setSetting } from "~/models/settings.server";
import { saveResponse } from "~/models/findings.server";
import { findings } from "~/models/compliance.server";
import { findingKeyParts } from "~/domain/compliance";
import { currentUser } from "~/auth/guard.server";
import { getCenterByCode, listCenters, listStates } from "~/models/centers.server";
import { centerPage } from "~/models/center-page.server";
import { cookieFor, request } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
const AS_OF = "2025-06-30";

/** A second handle on the test's connection that records every statement (its own memo, same data). */
function logged(): { db: Kysely<Database>; seen: string[] } {
  const seen: string[] = [];
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqliteHandle(t.db) }),
    log: (e) => {
      if (e.level === "query") seen.push(e.query.sql);
    },
  });
  return { db, seen };
}

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: AS_OF });
});

describe("statements per view", () => {
  it("signing a request in reads the session and its user in one statement", async () => {
    const admin = await t.db.selectFrom("users").select(["id", "username"]).where("username", "=", "demo-admin").executeTakeFirstOrThrow();
    const token = await createSession(t.db, { userId: admin.id, clientAddress: "198.51.100.7", userAgent: "test" });
    const { db, seen } = logged();
    const user = await sessionPrincipal(db, token);
    expect(user).toMatchObject({ id: admin.id, username: "demo-admin", role: "admin" });
    expect(user?.sessionId).toBeGreaterThan(0);
    expect(seen).toHaveLength(1);
    expect(await sessionPrincipal(db, `${token}x`)).toBeNull();
    await t.db.updateTable("users").set({ active: 0 }).where("id", "=", admin.id).execute();
    expect(await sessionPrincipal(db, token)).toBeNull();
    await t.db.updateTable("users").set({ active: 1 }).where("id", "=", admin.id).execute();
  });

  it("the national dashboard at an unchanged state sends the change counter, nothing else", async () => {
    const { db, seen } = logged();
    const params = new URLSearchParams("fy=2025");
    const view = () => getDashboard(db, { kind: "all" }, parseDashboardParams(params, parseFiscalYear(params.get("fy")) ?? undefined), { asOf: AS_OF });
    const first = await view();
    expect(seen.some((q) => q.includes('"awards"'))).toBe(true);
    seen.length = 0;
    expect(await view()).toEqual(first);
    // Once for the page's figures and once for the responses, remembered apart (a page request reads it once, below).
    expect(seen).toHaveLength(2);
    for (const q of seen) expect(q).toContain('"data_version"');
  });

  it("in a page request the change counter comes with the session, so the dashboard and the demo flag at an unchanged state send nothing more", async () => {
    const admin = await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
    const token = await createSession(t.db, { userId: admin.id, clientAddress: "198.51.100.7", userAgent: "test" });
    const { db, seen } = logged();
    const params = new URLSearchParams("fy=2025");
    const view = () => getDashboard(db, { kind: "all" }, parseDashboardParams(params, parseFiscalYear(params.get("fy")) ?? undefined), { asOf: AS_OF });
    const first = await view();
    seen.length = 0;
    expect(await isDemoLoaded(db)).toBe(true);
    seen.length = 0;
    const again = await asReadRequest(async () => {
      expect(await sessionPrincipal(db, token)).toMatchObject({ id: admin.id });
      expect(await isDemoLoaded(db)).toBe(true);
      return view();
    });
    expect(again).toEqual(first);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('"sessions"');
    expect(seen[0]).toContain('"data_version"');
  });

  it("in a page request the center page, a center found by its code, the list of centers and their states send nothing but the session; a renamed or added center shows on the next request", async () => {
    const admin = await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
    const token = await createSession(t.db, { userId: admin.id, clientAddress: "198.51.100.7", userAgent: "test" });
    const { db, seen } = logged();
    const page = () =>
      asReadRequest(async () => {
        await sessionPrincipal(db, token);
        const [center, centers, states] = await Promise.all([getCenterByCode(db, "VA"), listCenters(db, { kind: "all" }), listStates(db, { kind: "states", states: ["VA", "MD"] })]);
        // The page's figures with the year's sign-off (remembered under the responses counter, migrations/0025).
        const figures = await centerPage(db, center!.id, { gapYear: null, asOf: AS_OF });
        return { center, centers, states, figures };
      });
    const first = await page();
    expect(first.center).toMatchObject({ code: "VA", state: "VA" });
    expect(first.states).toEqual(["MD", "VA"]);
    seen.length = 0;
    expect(await page()).toEqual(first);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('"sessions"');

    const name = first.center!.name;
    await t.db.updateTable("centers").set({ name: "Virginia Fusion Center (renamed)" }).where("code", "=", "VA").execute();
    try {
      const renamed = await page();
      expect(renamed.center?.name).toBe("Virginia Fusion Center (renamed)");
      expect(renamed.centers.find((c) => c.code === "VA")?.name).toBe("Virginia Fusion Center (renamed)");
      await t.db.insertInto("centers").values({ code: "ZZ", name: "Test center", state: "ZZ", kind: "state", created_at: "2025-01-01T00:00:00Z" }).execute();
      const added = await page();
      expect(added.centers.at(-1)?.code).toBe("ZZ");
      expect(await listStates(db, { kind: "all" })).toContain("ZZ");
    } finally {
      await t.db.deleteFrom("centers").where("code", "=", "ZZ").execute();
      await t.db.updateTable("centers").set({ name }).where("code", "=", "VA").execute();
    }
  });

  it("a response saved, or the demo flag changed, from another handle shows on the very next view", async () => {
    const { db } = logged();
    const admin = await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
    const options = { asOf: AS_OF, fiscalYear: 2025 };
    const finding = (await findings(db, options)).findings.find((f) => !f.response);
    expect(finding, "the demo's FY2025 has findings nobody answered").toBeTruthy();
    expect(await isDemoLoaded(db)).toBe(true);
    const saved = await saveResponse(t.db, admin.id, { key: findingKeyParts(finding!), version: 0, response: "Corrected on the award's next amendment.", firesNow: true });
    expect(saved.ok).toBe(true);
    const again = (await findings(db, options)).findings.find((f) => f.key === finding!.key);
    expect(again?.response?.response).toBe("Corrected on the award's next amendment.");
    await setSetting(t.db, "demo_data", "0");
    try {
      expect(await isDemoLoaded(db)).toBe(false);
    } finally {
      await setSetting(t.db, "demo_data", "1");
    }
    expect(await isDemoLoaded(db)).toBe(true);
  });

  it("the root's and the page's loaders share one sign-in lookup per page request", async () => {
    const cookie = await cookieFor(t.db, "demo-admin");
    // Remix hands each loader a Request of its own.
    const [root, page] = await asReadRequest(() => [currentUser(request("/dashboard", { cookie })), currentUser(request("/dashboard", { cookie }))]);
    expect(await root).toMatchObject({ username: "demo-admin" });
    expect(await page).toBe(await root);
    expect(await currentUser(request("/dashboard", { cookie }))).not.toBe(await root);
  });

  it("a page request that writes reads the counter again, so it never sees what it remembered from before its write", async () => {
    const admin = await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
    const token = await createSession(t.db, { userId: admin.id, clientAddress: "198.51.100.7", userAgent: "test" });
    const count = () => memoized(t.db, "test-line-count", null, async () => (await t.db.selectFrom("budget_lines").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
    await asReadRequest(async () => {
      await sessionPrincipal(t.db, token);
      const before = Number(await count());
      const line = await t.db.selectFrom("budget_lines").selectAll().orderBy("id").executeTakeFirstOrThrow();
      await t.db.transaction().execute(async (trx) => {
        const { id: _id, line_id, spent_cents: _spent, ...rest } = line;
        await trx.insertInto("budget_lines").values({ ...rest, line_id: `${line_id}-copy`, amount_cents: 0 }).execute();
      });
      expect(Number(await count())).toBe(before + 1);
    });
  });

  it("another request's write does not make a page request read the counter again: it answers from its own reading, the next request from the write", async () => {
    const admin = await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
    const token = await createSession(t.db, { userId: admin.id, clientAddress: "198.51.100.7", userAgent: "test" });
    const { db, seen } = logged();
    const count = () => memoized(db, "test-line-count-others", null, async () => Number((await db.selectFrom("budget_lines").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n));
    const line = await t.db.selectFrom("budget_lines").selectAll().orderBy("id").executeTakeFirstOrThrow();
    const { id: _id, line_id, spent_cents: _spent, ...rest } = line;
    const before = await asReadRequest(async () => {
      await sessionPrincipal(db, token);
      const n = await count();
      // Another request, at the same time, saves a line (in a transaction of its own).
      await asReadRequest(() => t.db.transaction().execute((trx) => trx.insertInto("budget_lines").values({ ...rest, line_id: `${line_id}-other`, amount_cents: 0 }).execute()));
      seen.length = 0;
      expect(await count()).toBe(n);
      expect(seen).toEqual([]);
      return n;
    });
    await asReadRequest(async () => {
      await sessionPrincipal(db, token);
      expect(await count()).toBe(before + 1);
    });
  });

  it("after a save to one center's budget line, the next dashboard reads that center's rows again and not the tables every center shares", async () => {
    const { db, seen } = logged();
    const params = new URLSearchParams("fy=2025");
    const view = () => getDashboard(db, { kind: "all" }, parseDashboardParams(params, parseFiscalYear(params.get("fy")) ?? undefined), { asOf: AS_OF });
    await view();
    expect(await isDemoLoaded(db)).toBe(true);
    const row = await t.db
      .selectFrom("budget_lines as b")
      .innerJoin("awards as a", "a.id", "b.award_id")
      .select(["a.id as award_id", "a.center_id", "b.line_id", "b.version", "b.capability_id", "b.poete", "b.cost_category", "b.amount_cents", "b.spent_cents", "b.description"])
      .where("b.voided_at", "is", null)
      .where("a.voided_at", "is", null)
      .where("a.fiscal_year", "=", 2025)
      .where((eb) => eb(eb("b.amount_cents", "-", eb.ref("b.spent_cents")), ">=", 100))
      .orderBy("b.id")
      .executeTakeFirstOrThrow();
    const admin = await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
    const input = { capabilityId: row.capability_id, poete: row.poete, costCategory: row.cost_category, amountCents: row.amount_cents - 100, description: row.description };
    expect((await editBudgetLine(t.db, admin.id, row.award_id, row.line_id, row.version, input)).ok).toBe(true);
    seen.length = 0;
    const after = await view();
    expect(await isDemoLoaded(db)).toBe(true);
    expect(after).toEqual(await t.db.transaction().execute((trx) => getDashboard(trx, { kind: "all" }, parseDashboardParams(params, 2025), { asOf: AS_OF })));
    // The catalog, the programs and the list of centers did not change: none is read again.
    expect(seen.filter((q) => /from "(programs|capabilities|capability_links|frameworks)"/.test(q) || /from "centers"(?! where "id" in \(\?\))/.test(q))).toEqual([]);
    // Nor did the findings' responses or the settings (the demo flag): their own counter stood still (migrations/0023).
    expect(seen.filter((q) => /from "(finding_responses|app_settings)"/.test(q))).toEqual([]);
    // Every statement that reads per-center rows reads one center's.
    const perCenterReads = seen.filter((q) => /center_id" in \(/.test(q));
    expect(perCenterReads.length).toBeGreaterThan(0);
    for (const q of perCenterReads) expect(q).toMatch(/center_id" in \(\?\)/);
    // Its scores and the years it has rows in do not read budget lines: the line saved leaves them as they were (migrations/0024).
    expect(seen.filter((q) => /^select "center_id", "capability_id", "status" from "assessments"|union all/.test(q))).toEqual([]);
  });

  it("after an assessment saved, the next dashboard reads that center's scores and years again", async () => {
    const { db, seen } = logged();
    const params = new URLSearchParams("fy=2025");
    const view = () => getDashboard(db, { kind: "all" }, parseDashboardParams(params, 2025), { asOf: AS_OF });
    await view();
    const row = await t.db
      .selectFrom("assessments")
      .select(["center_id", "capability_id", "status", "version"])
      .where("fiscal_year", "=", 2025)
      .orderBy("id")
      .executeTakeFirstOrThrow();
    const admin = await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
    const status = row.status === "achieved" ? ("not_achieved" as const) : ("achieved" as const);
    const saved = await saveAssessments(t.db, {
      centerId: row.center_id,
      fiscalYear: 2025,
      userId: admin.id,
      rows: [{ index: 0, capabilityId: row.capability_id, status, evidence: "", estCostCents: null, version: row.version }],
    });
    expect(saved.ok).toBe(true);
    seen.length = 0;
    const after = await view();
    expect(after).toEqual(await t.db.transaction().execute((trx) => getDashboard(trx, { kind: "all" }, parseDashboardParams(params, 2025), { asOf: AS_OF })));
    expect(seen.filter((q) => /^select "center_id", "capability_id", "status" from "assessments"/.test(q))).toHaveLength(1);
    expect(seen.filter((q) => /union all/.test(q))).toHaveLength(1);
  });

  it("two dashboards drawn at once after a save (the nation's and the saved center's state) read that center's rows once", async () => {
    const { db, seen } = logged();
    const view = (query: string) => {
      const params = new URLSearchParams(query);
      return getDashboard(db, { kind: "all" }, parseDashboardParams(params, parseFiscalYear(params.get("fy")) ?? undefined), { asOf: AS_OF });
    };
    const row = await t.db
      .selectFrom("budget_lines as b")
      .innerJoin("awards as a", "a.id", "b.award_id")
      .innerJoin("centers as c", "c.id", "a.center_id")
      .select(["a.id as award_id", "c.state", "b.line_id", "b.version", "b.capability_id", "b.poete", "b.cost_category", "b.amount_cents", "b.spent_cents", "b.description"])
      .where("b.voided_at", "is", null)
      .where("a.voided_at", "is", null)
      .where("a.fiscal_year", "=", 2025)
      .where((eb) => eb(eb("b.amount_cents", "-", eb.ref("b.spent_cents")), ">=", 100))
      .orderBy("b.id", "desc")
      .executeTakeFirstOrThrow();
    await Promise.all([view("fy=2025"), view(`fy=2025&state=${row.state}`)]);
    const admin = await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
    const input = { capabilityId: row.capability_id, poete: row.poete, costCategory: row.cost_category, amountCents: row.amount_cents - 100, description: row.description };
    expect((await editBudgetLine(t.db, admin.id, row.award_id, row.line_id, row.version, input)).ok).toBe(true);
    seen.length = 0;
    const [nation, state] = await Promise.all([view("fy=2025"), view(`fy=2025&state=${row.state}`)]);
    const freshly = (query: string) =>
      t.db.transaction().execute((trx) => {
        const params = new URLSearchParams(query);
        return getDashboard(trx, { kind: "all" }, parseDashboardParams(params, 2025), { asOf: AS_OF });
      });
    expect(nation).toEqual(await freshly("fy=2025"));
    expect(state).toEqual(await freshly(`fy=2025&state=${row.state}`));
    // The findings' awards: read once for the saved center, not once per page.
    expect(seen.filter((q) => /^select "awards"\."id", "awards"\."award_number"/.test(q))).toHaveLength(1);
    // The year's scores, award money and overdue reports, and the years with rows, read no budget line: kept (migrations/0024).
    for (const statement of [/^select "center_id", "capability_id", "status" from "assessments"/, /union all/, /sum\("awards"\."amount_cents"\)/]) {
      expect(seen.filter((q) => statement.test(q)), String(statement)).toEqual([]);
    }
  });

  it("a budget line save reads the award and the line once, writes the line and its audit row, and nothing more", async () => {
    const row = await t.db
      .selectFrom("budget_lines as b")
      .innerJoin("awards as a", "a.id", "b.award_id")
      .select(["a.id as award_id", "b.line_id", "b.version", "b.capability_id", "b.poete", "b.cost_category", "b.amount_cents", "b.spent_cents", "b.description"])
      .where("b.voided_at", "is", null)
      .where("a.voided_at", "is", null)
      .where((eb) => eb(eb("b.amount_cents", "-", eb.ref("b.spent_cents")), ">=", 100))
      .orderBy("b.id")
      .executeTakeFirstOrThrow();
    const admin = await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
    const { db, seen } = logged();
    const saved = await editBudgetLine(db, admin.id, row.award_id, row.line_id, row.version, {
      capabilityId: row.capability_id,
      poete: row.poete,
      costCategory: row.cost_category,
      amountCents: row.amount_cents - 100,
      description: `${row.description} (saved)`,
    });
    expect(saved.ok && saved.value).toMatchObject({ amount_cents: row.amount_cents - 100, version: row.version + 1, description: `${row.description} (saved)` });
    const stored = await t.db.selectFrom("budget_lines").selectAll().where("line_id", "=", row.line_id).executeTakeFirstOrThrow();
    expect(saved.ok && saved.value).toEqual(stored);
    // begin, award, line, update … returning, the audit chain's head, the audit row, commit
    expect(seen.filter((q) => !/^(begin|commit)/i.test(q))).toHaveLength(5);
  });
});

