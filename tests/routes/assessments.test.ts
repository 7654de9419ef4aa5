/**
 * Capability assessments and their sign-off, through the real loaders and
 * actions with signed-in requests against the demo data.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { centsToDecimal } from "~/domain/money";
import { scoresForYear } from "~/models/assessments.server";
import { createUser } from "~/models/users.server";
import { loader as capabilityLoader } from "~/routes/capabilities.$id";
import { loader as centerLoader } from "~/routes/centers.$code._index";
import { action as yearAction, loader as yearLoader } from "~/routes/centers.$code.assessments.$fy";
import { action as yearsAction, loader as yearsLoader } from "~/routes/centers.$code.assessments._index";
import { STATUS_MESSAGE } from "~/schemas/assessment";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
const cookies: Record<string, string> = {};

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  const md = await t.db.selectFrom("centers").select("id").where("code", "=", "MD").executeTakeFirstOrThrow();
  await t.db.transaction().execute((trx) =>
    createUser(trx, null, { username: "md-director", displayName: "Morgan MD Director", role: "director", centerId: md.id, password: "md-director-password" }),
  );
  for (const u of ["demo-admin", "demo-director", "demo-auditor", "demo-state", "md-director"]) cookies[u] = await cookieFor(t.db, u);
});

const path = (code: string, fy: number | string) => `/centers/${code}/assessments/${fy}`;

async function centerId(code: string): Promise<number> {
  return (await t.db.selectFrom("centers").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id;
}

async function rowsOf(code: string, fy: number) {
  return t.db
    .selectFrom("assessments")
    .select(["id", "capability_id", "status", "evidence", "est_cost_cents", "version", "updated_by"])
    .where("center_id", "=", await centerId(code))
    .where("fiscal_year", "=", fy)
    .orderBy("capability_id")
    .execute();
}

/** Everything a refused or failed save must leave alone. */
async function snapshot() {
  return {
    assessments: await t.db.selectFrom("assessments").selectAll().orderBy("id").execute(),
    reviews: await t.db.selectFrom("assessment_reviews").selectAll().orderBy("id").execute(),
    auditMax: (await t.db.selectFrom("audit_log").select((eb) => eb.fn.max("id").as("m")).executeTakeFirstOrThrow()).m,
  };
}

async function auditMax(): Promise<number> {
  return Number((await t.db.selectFrom("audit_log").select((eb) => eb.fn.max("id").as("m")).executeTakeFirstOrThrow()).m ?? 0);
}

async function auditSince(id: number) {
  return t.db.selectFrom("audit_log").selectAll().where("id", ">", id).orderBy("id").execute();
}

/**
 * The bulk form exactly as the page renders it for a center-year (every assessable capability shown,
 * current values and versions), with `changes` applied by capability id.
 */
async function pageForm(user: string, code: string, fy: number, changes: Record<string, Record<string, string>> = {}, intent = "save") {
  const data = (await run(yearLoader, request(path(code, fy), { cookie: cookies[user] }), { code, fy: String(fy) })) as any;
  const rowOf = new Map<string, any>(data.page.rows.map((r: any) => [r.capability_id, r]));
  const ids: string[] = data.page.layouts.flatMap((l: any) => l.capabilityIds);
  const form = new URLSearchParams({ intent });
  ids.forEach((id, i) => {
    const r = rowOf.get(id);
    const values: Record<string, string> = {
      capabilityId: id,
      status: r?.status ?? "",
      evidence: r?.evidence ?? "",
      estCost: r?.est_cost_cents != null ? centsToDecimal(r.est_cost_cents) : "",
      version: r ? String(r.version) : "",
      ...changes[id],
    };
    for (const [k, v] of Object.entries(values)) form.append(`rows[${i}].${k}`, v);
  });
  return { form, ids, data };
}

async function post(user: string, code: string, fy: number, form: URLSearchParams | Record<string, string>) {
  return (await run(yearAction, request(path(code, fy), { cookie: cookies[user], form }), { code, fy: String(fy) })) as Response;
}

describe("the assessment page", () => {
  it("shows a center-year grouped by framework, section and area, with scores and who set each row", async () => {
    const data = (await run(yearLoader, request(path("VA", 2025), { cookie: cookies["demo-state"] }), { code: "VA", fy: "2025" })) as any;
    expect(data.page.layouts.map((l: any) => l.id)).toEqual(["baseline-2008", "coc-ec"]);
    const baseline = data.page.layouts[0];
    expect(baseline.entries.filter((e: any) => e.kind === "section").map((e: any) => e.id)).toEqual(["I", "II"]);
    expect(baseline.capabilityIds).toEqual(["I.A", "I.B", "I.C", "I.D", "I.E", "I.F", "II.A", "II.B", "II.C", "II.D", "II.E", "II.F"]);
    expect(data.page.rows).toHaveLength(20);
    const direct = await scoresForYear(t.db, 2025, "baseline-2008");
    expect(data.page.scores[0].score).toBe(direct.find((r) => r.center === "VA")!.score);
    expect(data.canEdit).toBe(false);
    const withGuidelines = (await run(yearLoader, request(`${path("VA", 2025)}?guidelines=1`, { cookie: cookies["demo-state"] }), { code: "VA", fy: "2025" })) as any;
    expect(withGuidelines.page.layouts.map((l: any) => l.id)).toEqual(["baseline-2008", "coc-ec", "guidelines-2006"]);
  });

  it("answers 404 for a year outside 2000..2100 and for an unknown center", async () => {
    for (const fy of ["1999", "2101", "abcd"]) {
      const res = (await run(yearLoader, request(path("VA", fy), { cookie: cookies["demo-admin"] }), { code: "VA", fy })) as Response;
      expect(res.status).toBe(404);
    }
    const res = (await run(yearLoader, request(path("ZZ", 2025), { cookie: cookies["demo-admin"] }), { code: "ZZ", fy: "2025" })) as Response;
    expect(res.status).toBe(404);
  });

  it("refuses a state official another state's center", async () => {
    const res = (await run(yearLoader, request(path("MD", 2025), { cookie: cookies["demo-state"] }), { code: "MD", fy: "2025" })) as Response;
    expect(res.status).toBe(403);
  });
});

describe("saving an assessment", () => {
  it("a director saves a bulk assessment: changed rows are written with one audit row each, unchanged rows write nothing", async () => {
    const before = await rowsOf("VA", 2025);
    const byId = new Map(before.map((r) => [r.capability_id, r]));
    const newIA = byId.get("I.A")!.status === "partial" ? "not_achieved" : "partial";
    const { form } = await pageForm("demo-director", "VA", 2025, {
      "I.A": { status: newIA, evidence: "Strategic plan draft, board review 2025-05-12", estCost: "$12,500.50" },
      "II.B": { status: "achieved", evidence: "Privacy policy approved 2025-03-01", estCost: "" },
    });
    const mark = await auditMax();
    const res = await post("demo-director", "VA", 2025, form);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.notice).toMatch(/^Saved 2 rows/);

    const after = new Map((await rowsOf("VA", 2025)).map((r) => [r.capability_id, r]));
    const director = await t.db.selectFrom("users").select("id").where("username", "=", "demo-director").executeTakeFirstOrThrow();
    expect(after.get("I.A")).toMatchObject({ status: newIA, evidence: "Strategic plan draft, board review 2025-05-12", est_cost_cents: 1_250_050, version: byId.get("I.A")!.version + 1, updated_by: director.id });
    expect(after.get("II.B")).toMatchObject({ status: "achieved", evidence: "Privacy policy approved 2025-03-01", est_cost_cents: null });
    for (const r of before) if (r.capability_id !== "I.A" && r.capability_id !== "II.B") expect(after.get(r.capability_id)).toEqual(r);
    expect(body.versions["I.A"]).toBe(byId.get("I.A")!.version + 1);

    const audit = await auditSince(mark);
    expect(audit.map((a) => [a.entity, a.action, a.entity_id, a.user_id])).toEqual([
      ["assessment", "update", String(byId.get("I.A")!.id), director.id],
      ["assessment", "update", String(byId.get("II.B")!.id), director.id],
    ]);
    expect(JSON.parse(audit[0].before_json!)).toMatchObject({ status: byId.get("I.A")!.status, evidence: byId.get("I.A")!.evidence });
    expect(JSON.parse(audit[0].after_json!)).toMatchObject({ status: newIA, est_cost_cents: 1_250_050 });

    // The history panel shows those changes, naming the capability.
    const data = (await run(yearLoader, request(path("VA", 2025), { cookie: cookies["demo-director"] }), { code: "VA", fy: "2025" })) as any;
    expect(data.page.history.slice(0, 2).map((h: any) => [h.entity_id, h.action, h.username])).toEqual([
      ["II.B", "update", "demo-director"],
      ["I.A", "update", "demo-director"],
    ]);
  });

  it("saving the page unchanged writes nothing", async () => {
    const { form } = await pageForm("demo-director", "VA", 2025);
    const snap = await snapshot();
    const res = await post("demo-director", "VA", 2025, form);
    expect(res.status).toBe(200);
    expect((await res.json()).notice).toBe("Nothing to save: no row was changed.");
    expect(await snapshot()).toEqual(snap);
  });

  it("a bad status is refused with the message next to it, the typed input stays, and nothing changes", async () => {
    const { form, ids } = await pageForm("demo-director", "VA", 2025, {
      "I.B": { status: "achieved", evidence: "Typed and not lost" },
      "I.C": { status: "done" },
    });
    const snap = await snapshot();
    const res = await post("demo-director", "VA", 2025, form);
    expect(res.status).toBe(400);
    const body = await res.json();
    const ic = ids.indexOf("I.C");
    expect(body.result.error).toEqual({ [`rows[${ic}].status`]: [STATUS_MESSAGE] });
    expect(body.result.initialValue.rows[ids.indexOf("I.B")]).toMatchObject({ status: "achieved", evidence: "Typed and not lost" });
    expect(body.result.initialValue.rows[ic].status).toBe("done");
    expect(await snapshot()).toEqual(snap);
  });

  it("refuses evidence over 4,000 characters and an unknown capability, saving nothing", async () => {
    const long = await pageForm("demo-director", "VA", 2025, { "I.D": { evidence: "e".repeat(4001) }, "I.E": { evidence: "fine" } });
    const snap = await snapshot();
    let res = await post("demo-director", "VA", 2025, long.form);
    expect(res.status).toBe(400);
    expect((await res.json()).result.error).toEqual({ [`rows[${long.ids.indexOf("I.D")}].evidence`]: ["Evidence is 4,001 characters; the limit is 4,000"] });

    const unknown = await pageForm("demo-director", "VA", 2025, { "I.E": { evidence: "fine" } });
    unknown.form.append(`rows[${unknown.ids.length}].capabilityId`, "I.Z");
    unknown.form.append(`rows[${unknown.ids.length}].status`, "achieved");
    res = await post("demo-director", "VA", 2025, unknown.form);
    expect(res.status).toBe(400);
    expect((await res.json()).result.error).toEqual({ [`rows[${unknown.ids.length}].capabilityId`]: ['Unknown capability "I.Z"'] });
    expect(await snapshot()).toEqual(snap);
  });

  it("one row's Save saves only that row, even when another row is invalid", async () => {
    const before = await rowsOf("VA", 2025);
    const ie = before.find((r) => r.capability_id === "I.E")!;
    const { form } = await pageForm("demo-director", "VA", 2025, { "I.E": { evidence: "Dissemination SOP v3" }, "I.F": { status: "bogus" } }, "row:I.E");
    const mark = await auditMax();
    const res = await post("demo-director", "VA", 2025, form);
    expect(res.status).toBe(200);
    const after = await rowsOf("VA", 2025);
    expect(after.find((r) => r.capability_id === "I.E")).toMatchObject({ evidence: "Dissemination SOP v3", version: ie.version + 1 });
    expect(after.filter((r) => r.capability_id !== "I.E")).toEqual(before.filter((r) => r.capability_id !== "I.E"));
    expect((await auditSince(mark)).map((a) => a.entity_id)).toEqual([String(ie.id)]);
  });

  it("a stale version gives a conflict showing the other person's value, keeps the input, and saves nothing", async () => {
    // The director loads the page; meanwhile the admin changes II.C.
    const stale = await pageForm("demo-director", "VA", 2025, { "II.C": { status: "not_achieved", evidence: "Director's view" }, "II.D": { evidence: "Training roster 2025" } });
    const { form: adminForm } = await pageForm("demo-admin", "VA", 2025, { "II.C": { status: "partial", evidence: "Admin's correction" } });
    expect((await post("demo-admin", "VA", 2025, adminForm)).status).toBe(200);
    const snap = await snapshot();

    const res = await post("demo-director", "VA", 2025, stale.form);
    expect(res.status).toBe(409);
    const body = await res.json();
    const i = stale.ids.indexOf("II.C");
    expect(body.result.error[""]).toEqual(["Nothing was saved: 1 row was changed by someone else while you were editing (marked below)."]);
    expect(body.result.error[`rows[${i}]`][0]).toMatch(/^Dana Admin \(demo\) changed this row at .* while you were editing: now Partial, evidence “Admin's correction”/);
    expect(body.result.initialValue.rows[i]).toMatchObject({ status: "not_achieved", evidence: "Director's view" });
    expect(await snapshot()).toEqual(snap); // II.D was not saved either

    // The reply hands back the admin's version: saving again knowingly replaces their change.
    const current = (await rowsOf("VA", 2025)).find((r) => r.capability_id === "II.C")!;
    expect(body.versions["II.C"]).toBe(current.version);
    stale.form.set(`rows[${i}].version`, String(body.versions["II.C"]));
    expect((await post("demo-director", "VA", 2025, stale.form)).status).toBe(200);
    expect((await rowsOf("VA", 2025)).find((r) => r.capability_id === "II.C")).toMatchObject({ status: "not_achieved", evidence: "Director's view" });
  });

  it("a director of another center is refused (403) and nothing changes", async () => {
    const { form } = await pageForm("demo-admin", "VA", 2025, { "I.A": { status: "achieved", evidence: "Not mine to say" } });
    const snap = await snapshot();
    for (const user of ["md-director", "demo-auditor", "demo-state"]) {
      expect((await post(user, "VA", 2025, form)).status, user).toBe(403);
      expect((await post(user, "VA", 2025, { intent: "carry-forward" })).status, user).toBe(403);
    }
    // And demo-director cannot write MD's assessment.
    const md = await pageForm("demo-admin", "MD", 2025, { "I.A": { evidence: "Not mine either" } });
    expect((await post("demo-director", "MD", 2025, md.form)).status).toBe(403);
    expect(await snapshot()).toEqual(snap);
  });
});

describe("carrying a year forward", () => {
  it("copies the prior year exactly: statuses, evidence and estimated costs, one audit row per row", async () => {
    const prior = await rowsOf("VA", 2025);
    expect(prior.length).toBe(20);
    expect(await rowsOf("VA", 2026)).toEqual([]);
    const empty = (await run(yearLoader, request(path("VA", 2026), { cookie: cookies["demo-director"] }), { code: "VA", fy: "2026" })) as any;
    expect(empty.page.priorYearRows).toBe(20);

    const mark = await auditMax();
    const res = await post("demo-director", "VA", 2026, { intent: "carry-forward" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/centers/VA/assessments/2026?carried=20");
    const copied = await rowsOf("VA", 2026);
    const pick = (r: (typeof prior)[number]) => [r.capability_id, r.status, r.evidence, r.est_cost_cents];
    expect(copied.map(pick)).toEqual(prior.map(pick));
    expect(copied.every((r) => r.version === 1)).toBe(true);
    const audit = await auditSince(mark);
    expect(audit).toHaveLength(20);
    expect(new Set(audit.map((a) => a.entity_id))).toEqual(new Set(copied.map((r) => String(r.id))));
    expect(audit.every((a) => a.entity === "assessment" && a.action === "create")).toBe(true);
    expect(JSON.parse(audit[0].after_json!).carried_forward_from).toBe(2025);
  });

  it("refuses to carry into a year that already has rows, or from an empty year", async () => {
    const snap = await snapshot();
    let res = await post("demo-director", "VA", 2026, { intent: "carry-forward" });
    expect(res.status).toBe(409);
    expect((await res.json()).message).toBe("FY2026 already has assessment rows; carrying forward only fills an empty year.");
    res = await post("demo-director", "VA", 2040, { intent: "carry-forward" });
    expect(res.status).toBe(409);
    expect((await res.json()).message).toBe("FY2039 has no assessment to carry forward.");
    expect(await snapshot()).toEqual(snap);
  });
});

describe("the years list", () => {
  it("lists the years with their score and sign-off state", async () => {
    const data = (await run(yearsLoader, request("/centers/VA/assessments", { cookie: cookies["demo-state"] }), { code: "VA" })) as any;
    expect(data.years.map((y: any) => y.fiscalYear)).toEqual([2026, 2025, 2024, 2023, 2022, 2021, 2020, 2019]);
    expect(data.years[1]).toMatchObject({ rows: 20, reviewState: "Draft" });
    expect(data.canEdit).toBe(false);
  });

  it("starting a year outside 2000..2100 gets the message next to the field and saves nothing", async () => {
    const snap = await snapshot();
    const res = (await run(yearsAction, request("/centers/VA/assessments", { cookie: cookies["demo-director"], form: { fiscalYear: "1999" } }), { code: "VA" })) as Response;
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toEqual({ fiscalYear: ["Enter a fiscal year from 2000 to 2100"] });
    expect(body.initialValue).toEqual({ fiscalYear: "1999" });
    expect(await snapshot()).toEqual(snap);
  });

  it("starting a year records a draft sign-off (audited) and opens the year", async () => {
    const mark = await auditMax();
    const res = (await run(yearsAction, request("/centers/VA/assessments", { cookie: cookies["demo-director"], form: { fiscalYear: "2027" } }), { code: "VA" })) as Response;
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/centers/VA/assessments/2027");
    const review = await t.db.selectFrom("assessment_reviews").selectAll().where("center_id", "=", await centerId("VA")).where("fiscal_year", "=", 2027).executeTakeFirstOrThrow();
    expect(review.state).toBe("draft");
    expect((await auditSince(mark)).map((a) => [a.entity, a.action, a.entity_id])).toEqual([["assessment_review", "create", String(review.id)]]);
    const denied = (await run(yearsAction, request("/centers/VA/assessments", { cookie: cookies["demo-auditor"], form: { fiscalYear: "2028" } }), { code: "VA" })) as Response;
    expect(denied.status).toBe(403);
  });
});

describe("sign-off and locking", () => {
  const review = async (code: string, fy: number) =>
    t.db.selectFrom("assessment_reviews").selectAll().where("center_id", "=", await centerId(code)).where("fiscal_year", "=", fy).executeTakeFirst();
  const step = async (user: string, intent: string, extra: Record<string, string> = {}) => {
    const r = await review("VA", 2025);
    return post(user, "VA", 2025, { intent, reviewVersion: r ? String(r.version) : "", ...extra });
  };

  it("director submits; the year locks; a director cannot validate and an auditor cannot edit statuses", async () => {
    const mark = await auditMax();
    expect((await step("demo-director", "submit")).status).toBe(303);
    expect((await review("VA", 2025))!.state).toBe("submitted");
    const audit = await auditSince(mark);
    expect(audit.map((a) => [a.entity, a.action])).toEqual([
      ["assessment_review", "create"],
      ["assessment_review", "submit"],
    ]);

    const snap = await snapshot();
    // A submitted year is locked for its director…
    const { form } = await pageForm("demo-director", "VA", 2025, { "I.A": { evidence: "Sneaky late change" } });
    const res = await post("demo-director", "VA", 2025, form);
    expect(res.status).toBe(409);
    expect((await res.json()).result.error[""][0]).toMatch(/^The FY2025 assessment is locked: it was submitted on \d{4}-\d{2}-\d{2} by Drew Director \(demo\)\./);
    // …a director may not review, and an auditor may not edit.
    expect((await step("demo-director", "validate")).status).toBe(403);
    expect((await step("demo-director", "reopen")).status).toBe(403);
    expect((await post("demo-auditor", "VA", 2025, form)).status).toBe(403);
    expect((await step("demo-auditor", "submit")).status).toBe(403);
    expect(await snapshot()).toEqual(snap);
  });

  it("an auditor validates; pages show 'validated on DATE by NAME'; a save on a validated year is refused and changes nothing", async () => {
    const mark = await auditMax();
    expect((await step("demo-auditor", "validate", { note: "Evidence checked on site" })).status).toBe(303);
    const r = (await review("VA", 2025))!;
    expect(r.state).toBe("validated");
    const date = r.reviewed_at!.slice(0, 10);
    expect((await auditSince(mark)).map((a) => [a.entity, a.action, a.entity_id])).toEqual([["assessment_review", "validate", String(r.id)]]);

    const label = `validated on ${date} by Avery Auditor (demo)`;
    const page = (await run(yearLoader, request(path("VA", 2025), { cookie: cookies["demo-state"] }), { code: "VA", fy: "2025" })) as any;
    expect(page.page.reviewText).toBe(label);
    expect(page.reviewStateLabel).toBe("Validated");
    const center = (await run(centerLoader, request("/centers/VA", { cookie: cookies["demo-state"] }), { code: "VA" })) as any;
    expect(center.latest.fiscalYear).toBe(2026);
    const center2025 = (await run(centerLoader, request("/centers/VA?fy=2025", { cookie: cookies["demo-state"] }), { code: "VA" })) as any;
    expect(center2025.gapView.reviewText).toBe(label);

    const snap = await snapshot();
    for (const user of ["demo-director", "demo-admin"]) {
      const { form } = await pageForm(user, "VA", 2025, { "I.A": { status: "achieved", evidence: "After validation" } });
      const res = await post(user, "VA", 2025, form);
      expect(res.status).toBe(409);
      expect((await res.json()).result.error[""][0]).toContain(`it was ${label}. A reviewer (auditor or administrator) must reopen it`);
    }
    expect((await post("demo-director", "VA", 2025, { intent: "carry-forward" })).status).toBe(409);
    expect((await step("demo-director", "submit")).status).toBe(409);
    expect(await snapshot()).toEqual(snap);
  });

  it("a reviewer reopens (→ draft) and the director can save again; changes requested also unlocks", async () => {
    expect((await step("demo-director", "reopen")).status).toBe(403);
    expect((await step("demo-auditor", "reopen")).status).toBe(303);
    expect((await review("VA", 2025))!.state).toBe("draft");
    let { form } = await pageForm("demo-director", "VA", 2025, { "I.F": { evidence: "Reevaluation memo 2025-07" } });
    expect((await post("demo-director", "VA", 2025, form)).status).toBe(200);

    expect((await step("demo-director", "submit")).status).toBe(303);
    const noNote = await step("demo-auditor", "request_changes", { note: " " });
    expect(noNote.status).toBe(400);
    expect((await noNote.json()).result.error).toEqual({ note: ["Say what needs to change"] });
    expect((await step("demo-auditor", "request_changes", { note: "Attach the II.C security plan" })).status).toBe(303);
    expect((await review("VA", 2025))!).toMatchObject({ state: "changes_requested", note: "Attach the II.C security plan" });
    ({ form } = await pageForm("demo-director", "VA", 2025, { "II.C": { evidence: "Security plan attached 2025-08-01" } }));
    expect((await post("demo-director", "VA", 2025, form)).status).toBe(200);
    const actions = await t.db.selectFrom("audit_log").select("action").where("entity", "=", "assessment_review").where("entity_id", "=", String((await review("VA", 2025))!.id)).orderBy("id").execute();
    expect(actions.map((a) => a.action)).toEqual(["create", "submit", "validate", "reopen", "submit", "request_changes"]);
  });

  it("a stale sign-off form is refused with what happened instead", async () => {
    const res = await post("demo-director", "VA", 2025, { intent: "submit", reviewVersion: "1" });
    expect(res.status).toBe(409);
    expect((await res.json()).result.error[""][0]).toMatch(/^Someone else changed this year's sign-off while you were looking: it is now changes requested/);
  });
});

describe("the center page's gaps", () => {
  it("lists the year's gaps by area and by COC/EC, with the money aimed at each and the estimate to close", async () => {
    const data = (await run(centerLoader, request("/centers/TX?fy=2025", { cookie: cookies["demo-auditor"] }), { code: "TX" })) as any;
    const view = data.gapView;
    expect(view.fiscalYear).toBe(2025);
    const tx = await centerId("TX");
    const rows = await t.db.selectFrom("assessments").selectAll().where("center_id", "=", tx).where("fiscal_year", "=", 2025).execute();
    const statusOf = new Map(rows.map((r) => [r.capability_id, r]));
    const leaves = ["I.A", "I.B", "I.C", "I.D", "I.E", "I.F", "II.A", "II.B", "II.C", "II.D", "II.E", "II.F"];
    const isGap = (id: string) => statusOf.get(id)?.status !== "achieved" && statusOf.get(id)?.status !== "not_applicable";
    const baselineGaps = leaves.filter(isGap);
    // COC/EC gaps follow the baseline's, grouped under COC and EC (outside the baseline score).
    const cocEc = (await t.db.selectFrom("capabilities").select("id").where("framework_id", "=", "coc-ec").orderBy("sort_order").execute()).map((c) => c.id);
    const cocEcGaps = cocEc.filter(isGap);
    const expectedGaps = [...baselineGaps, ...cocEcGaps];
    expect(view.gaps.map((g: any) => g.capabilityId)).toEqual(expectedGaps);
    expect(view.score.gaps).toEqual(baselineGaps);
    expect(baselineGaps.length).toBeGreaterThan(0);
    expect(cocEcGaps.length).toBeGreaterThan(0);

    for (const g of view.gaps) {
      expect(g.estCostCents).toBe(statusOf.get(g.capabilityId)?.est_cost_cents ?? null);
      // Funding: live FY2025 lines of live TX awards naming the gap or a capability linked to it.
      const linked = await t.db.selectFrom("capability_links").selectAll().where((eb) => eb.or([eb("from_id", "=", g.capabilityId), eb("to_id", "=", g.capabilityId)])).execute();
      const targets = [g.capabilityId, ...linked.map((l) => (l.from_id === g.capabilityId ? l.to_id : l.from_id))];
      const sum = await t.db
        .selectFrom("budget_lines as bl")
        .innerJoin("awards as a", "a.id", "bl.award_id")
        .select((eb) => eb.fn.sum<number>("bl.amount_cents").as("s"))
        .where("a.center_id", "=", tx)
        .where("a.fiscal_year", "=", 2025)
        .where("a.voided_at", "is", null)
        .where("bl.voided_at", "is", null)
        .where("bl.capability_id", "in", targets)
        .executeTakeFirstOrThrow();
      expect(g.fundingCents, g.capabilityId).toBe(Number(sum.s ?? 0));
      const expectedCocEc = cocEc.includes(g.capabilityId) ? [g.capabilityId] : linked.map((l) => (l.from_id === g.capabilityId ? l.to_id : l.from_id)).filter((id) => /^(COC|EC)-/.test(id)).sort();
      expect(g.cocEc).toEqual(expectedCocEc);
    }
    // Every gap appears once by area and under each COC/EC it maps to (or "not mapped").
    expect(view.byArea.flatMap((a: any) => a.gaps.map((g: any) => g.capabilityId))).toEqual(expectedGaps);
    // The twelve areas have no items yet, so their gaps sit under the sections I and II.
    expect(view.byArea.map((a: any) => a.areaId)).toEqual([
      ...["I", "II"].filter((s) => baselineGaps.some((g) => g.startsWith(`${s}.`))),
      ...["COC", "EC"].filter((s) => cocEcGaps.some((g) => g.startsWith(`${s}-`))),
    ]);
    const mapped = view.byCocEc.flatMap((c: any) => c.gaps.map((g: any) => g.capabilityId)).sort();
    expect(mapped).toEqual(view.gaps.flatMap((g: any) => (g.cocEc.length ? g.cocEc.map(() => g.capabilityId) : [g.capabilityId])).sort());
    expect(view.estCostTotalCents).toBe(view.gaps.reduce((s: number, g: any) => s + (g.estCostCents ?? 0), 0));
    // Charts: twelve areas on the radar and bar, one point per assessed year on the line.
    expect(view.areaScores).toHaveLength(12);
    expect(view.areaScores.reduce((s: number, a: any) => s + a.gaps, 0)).toBe(baselineGaps.length);
    expect(view.yearScores.map((y: any) => y.fiscalYear)).toEqual([2019, 2020, 2021, 2022, 2023, 2024, 2025]);
    expect(view.yearScores.at(-1).score).toBe(view.score.score);
  });
});

describe("the capability page", () => {
  it("lists the centers the user may see that have the capability as a gap, and the trend of centers meeting it", async () => {
    const auditor = (await run(capabilityLoader, request("/capabilities/II.B?fy=2025", { cookie: cookies["demo-auditor"] }), { id: "II.B" })) as any;
    const rows = await t.db
      .selectFrom("assessments")
      .innerJoin("centers", "centers.id", "assessments.center_id")
      .select(["centers.code", "assessments.status"])
      .where("capability_id", "=", "II.B")
      .where("fiscal_year", "=", 2025)
      .execute();
    const assessed = new Set(rows.map((r) => r.code));
    const allCodes = (await t.db.selectFrom("centers").select("code").orderBy("code").execute()).map((c) => c.code);
    const expected = allCodes.filter((c) => !assessed.has(c) || ["partial", "not_achieved"].includes(rows.find((r) => r.code === c)!.status));
    expect(auditor.view.gapCenters.map((g: any) => g.code)).toEqual(expected);
    expect(expected).toContain("NM"); // planted: NM never records privacy protections
    expect(auditor.view.gapCenters.find((g: any) => g.code === "GU")?.statusLabel).toBe("Not assessed"); // planted: no FY2025 assessment
    const fy2025 = auditor.view.trend.find((r: any) => r.fiscalYear === 2025);
    expect(fy2025.centers).toBe(80);
    expect(fy2025.meets).toBe(rows.filter((r) => r.status === "achieved").length);
    expect(fy2025.meets + fy2025.gaps + fy2025.notApplicable).toBe(80);

    // A state official sees only their states' centers.
    const state = (await run(capabilityLoader, request("/capabilities/II.B?fy=2025", { cookie: cookies["demo-state"] }), { id: "II.B" })) as any;
    const states = new Set((await t.db.selectFrom("users").select("states").where("username", "=", "demo-state").executeTakeFirstOrThrow()).states.split(","));
    const visible = (await t.db.selectFrom("centers").select(["code", "state"]).execute()).filter((c) => states.has(c.state)).map((c) => c.code);
    expect(state.view.gapCenters.every((g: any) => visible.includes(g.code))).toBe(true);
    expect(state.view.trend[0].centers).toBe(visible.length);
  });

  it("answers 404 for an unknown capability and shows a section's parts instead of gaps", async () => {
    const res = (await run(capabilityLoader, request("/capabilities/NOPE", { cookie: cookies["demo-auditor"] }), { id: "NOPE" })) as Response;
    expect(res.status).toBe(404);
    const section = (await run(capabilityLoader, request("/capabilities/II", { cookie: cookies["demo-auditor"] }), { id: "II" })) as any;
    expect(section.view.assessable).toBe(false);
    expect(section.view.children.map((c: any) => c.id)).toEqual(["II.A", "II.B", "II.C", "II.D", "II.E", "II.F"]);
    expect(section.view.gapCenters).toEqual([]);
  });
});

describe("demo data", () => {
  it("shows a believable spread of FY2025 scores across the 80 centers", async () => {
    const rows = await scoresForYear(t.db, 2025, "baseline-2008");
    expect(rows).toHaveLength(80);
    // GU is planted without an FY2025 assessment; the other 79 were assessed.
    const assessed = rows.filter((r) => r.notAssessed < 12);
    expect(assessed).toHaveLength(79);
    const scores = assessed.map((r) => r.score!);
    expect(Math.min(...scores)).toBeLessThan(60);
    expect(Math.max(...scores)).toBe(100);
    expect(scores.filter((s) => s > 60 && s < 100).length).toBeGreaterThanOrEqual(20);
    expect(new Set(scores).size).toBeGreaterThanOrEqual(8);
    // Mean in the range the national assessments reported (2012: 88.4, min 38.4; docs/domain.md §4).
    const mean = scores.reduce((s, x) => s + x, 0) / scores.length;
    expect(mean).toBeGreaterThan(70);
    expect(mean).toBeLessThan(98);
  });
});
