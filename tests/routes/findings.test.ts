import { Writable } from "node:stream";
import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";
import { main } from "../../cli/index";
import { loadDemo } from "~/demo/load.server";
import { evaluateCompliance, findingKey, findingKeyParts, type Finding } from "~/domain/compliance";
import { centsToDecimal } from "~/domain/money";
import { findings, loadComplianceData } from "~/models/compliance.server";
import { action as findingsAction, loader as findingsLoader } from "~/routes/reports.findings";
import { loader as csvLoader } from "~/routes/reports.findings[.]csv";

const AS_OF = "2025-06-30";
const t = useTestDatabase();

const HEADER = ["rule", "severity", "center", "award", "fiscal_year", "capability", "amount", "message"];

/** The CSV cells a finding should produce (amount in dollars; these demo texts need no formula escape). */
function cells(f: Pick<Finding, "rule" | "severity" | "centerCode" | "awardNumber" | "fiscalYear" | "capabilityId" | "amountCents" | "message">) {
  return [f.rule, f.severity, f.centerCode, f.awardNumber ?? "", String(f.fiscalYear), f.capabilityId ?? "", f.amountCents === null ? "" : centsToDecimal(f.amountCents), f.message];
}

function sink() {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  process.env.DATABASE_PATH = t.file;
  const code = await main(args, { out: out.stream as any, err: err.stream as any, stdin: process.stdin });
  return { code, out: out.text(), err: err.text() };
}

/** Every finding of a filter, page by page through the report's own "next" links. */
async function allPages(path: string, cookie: string): Promise<any[]> {
  const rows: any[] = [];
  let next: string | null = path;
  while (next) {
    const page = (await run(findingsLoader, request(next, { cookie }))) as any;
    rows.push(...page.findings);
    next = page.pager.nextHref;
  }
  return rows;
}

async function csvRows(path: string, cookie: string): Promise<string[][]> {
  const res = (await run(csvLoader, request(path, { cookie }))) as Response;
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toContain("text/csv");
  return parse(await res.text(), { bom: true });
}

async function snapshot() {
  const responses = await t.db.selectFrom("finding_responses").selectAll().orderBy("id").execute();
  const audit = await t.db.selectFrom("audit_log").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return { responses, audit: Number(audit.n) };
}

async function centerId(code: string) {
  return (await t.db.selectFrom("centers").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id;
}

async function findingOf(code: string, pred: (f: Finding) => boolean = () => true) {
  const { findings: list } = await findings(t.db, { asOf: AS_OF, centerIds: [await centerId(code)] });
  const f = list.find(pred);
  if (!f) throw new Error(`no matching finding for ${code}`);
  return f;
}

function respondForm(f: { key: string; response: { version: number } | null }, response: string, version?: number) {
  return { intent: "respond", formId: "respond-x", key: f.key, version: String(version ?? f.response?.version ?? 0), asOf: AS_OF, response };
}

function dispositionForm(f: { key: string; response: { version: number } | null }, disposition: string, note: string, version?: number) {
  return { intent: "disposition", formId: "disposition-x", key: f.key, version: String(version ?? f.response?.version ?? 0), asOf: AS_OF, disposition, note };
}

describe("findings: CLI, report page and CSV export", () => {
  let admin: string, auditor: string, director: string, state: string;

  beforeAll(async () => {
    await loadDemo(t.db, { referenceDate: AS_OF });
    [admin, auditor, director, state] = await Promise.all(["demo-admin", "demo-auditor", "demo-director", "demo-state"].map((u) => cookieFor(t.db, u)));
  });

  it("agree row for row for one fiscal year across all centers", async () => {
    const fromCli = await cli(["findings", "--fy", "2025", "--as-of", AS_OF]);
    expect(fromCli.code).toBe(0);
    const cliRows = parse(fromCli.out) as string[][];
    const page = (await run(findingsLoader, request(`/reports/findings?fy=2025&asOf=${AS_OF}`, { cookie: auditor }))) as any;
    const csv = await csvRows(`/reports/findings.csv?fy=2025&asOf=${AS_OF}`, auditor);
    const paged = await allPages(`/reports/findings?fy=2025&asOf=${AS_OF}`, auditor);

    expect(cliRows[0]).toEqual(HEADER);
    expect(csv[0]).toEqual(HEADER);
    // The demo's FY2025 has 111 findings: pages of 50, 50 and 11, together the CLI's rows in order.
    expect(page.counts.total).toBe(111);
    expect(page.findings).toHaveLength(50);
    expect(page.pager).toMatchObject({ page: 1, pageCount: 3, total: 111, label: "Showing 1–50 of 111" });
    expect(paged.map(cells)).toEqual(cliRows.slice(1));
    expect(csv.slice(1)).toEqual(cliRows.slice(1));
    expect(page.counts.violation + page.counts.warning).toBe(page.counts.total);
    // Sorted by center, rule, award (center-year findings first), capability.
    const order = cliRows.slice(1).map((r) => [r[2], r[0], r[3], r[5]].join("\u0000"));
    expect(order).toEqual([...order].sort());
  });

  it("agree row for row for one center over every year, and the page's CSV link carries the same filter", async () => {
    const fromCli = await cli(["findings", "--center", "VA", "--as-of", AS_OF]);
    expect(fromCli.code).toBe(0);
    const cliRows = (parse(fromCli.out) as string[][]).slice(1);
    const page = (await run(findingsLoader, request(`/reports/findings?fy=all&center=VA&asOf=${AS_OF}`, { cookie: director }))) as any;
    expect(page.csvHref).toBe(`/reports/findings.csv?fy=all&asOf=${AS_OF}&center=VA`);
    const csv = await csvRows(page.csvHref, director);
    expect(cliRows.length).toBeGreaterThan(0);
    expect(new Set(cliRows.map((r) => r[2]))).toEqual(new Set(["VA"]));
    // 44 findings: one page, so no pager links beyond page 1.
    expect(page.pager).toMatchObject({ pageCount: 1, total: cliRows.length, prevHref: null, nextHref: null });
    expect(page.findings.map(cells)).toEqual(cliRows);
    expect(csv.slice(1)).toEqual(cliRows);
  });

  it("keeps severity and rule filters consistent between page and CSV", async () => {
    const q = `?fy=2025&asOf=${AS_OF}&severity=violation`;
    const page = (await run(findingsLoader, request(`/reports/findings${q}`, { cookie: admin }))) as any;
    const csv = await csvRows(`/reports/findings.csv${q}`, admin);
    expect(page.findings.every((f: Finding) => f.severity === "violation")).toBe(true);
    expect(page.counts.warning).toBe(0);
    expect(csv.slice(1)).toEqual((await allPages(`/reports/findings${q}`, admin)).map(cells));
    const rule = (await run(findingsLoader, request(`/reports/findings?fy=all&asOf=${AS_OF}&rule=MA-CAP`, { cookie: admin }))) as any;
    expect(rule.findings.map((f: Finding) => f.rule)).toEqual(["MA-CAP"]);
  });

  it("scopes a state official to their state, and refuses another state's center", async () => {
    const page = (await run(findingsLoader, request(`/reports/findings?fy=all&asOf=${AS_OF}`, { cookie: state }))) as any;
    // Their 209 findings over all years span 5 pages; look at all of them.
    const all = await allPages(`/reports/findings?fy=all&asOf=${AS_OF}`, state);
    expect(page.counts.total).toBe(209);
    expect(all).toHaveLength(209);
    const states = (await t.db.selectFrom("users").select("states").where("username", "=", "demo-state").executeTakeFirstOrThrow()).states.split(",");
    expect(states).toContain("VA");
    expect(states).not.toContain("MD");
    const inStates = new Set((await t.db.selectFrom("centers").select("code").where("state", "in", states).execute()).map((c) => c.code));
    const shown = new Set<string>(all.map((f: Finding) => f.centerCode));
    expect(shown.has("VA")).toBe(true);
    expect([...shown].filter((c) => !inStates.has(c))).toEqual([]);
    expect(page.centers.map((c: { code: string }) => c.code).sort()).toEqual([...inStates].sort());
    const other = (await run(findingsLoader, request("/reports/findings?center=MD", { cookie: state }))) as Response;
    expect(other.status).toBe(403);
    const otherCsv = (await run(csvLoader, request("/reports/findings.csv?center=MD", { cookie: state }))) as Response;
    expect(otherCsv.status).toBe(403);
    const bad = (await run(findingsLoader, request("/reports/findings?fy=abc", { cookie: state }))) as Response;
    expect(bad.status).toBe(400);
  });

  it("loads only what a year needs and still finds exactly that year's findings", async () => {
    const everything = evaluateCompliance(await loadComplianceData(t.db, { asOf: AS_OF }));
    for (let fy = 2019; fy <= 2025; fy++) {
      const data = await loadComplianceData(t.db, { asOf: AS_OF, fiscalYear: fy });
      expect(data.assessments.every((a) => a.fiscalYear === fy)).toBe(true);
      expect(evaluateCompliance(data, { fiscalYear: fy })).toEqual(everything.filter((f) => f.fiscalYear === fy));
    }
  });

  it("loads one center's year, as a center's rebuild does, with exactly that center's findings of the year", async () => {
    const everything = evaluateCompliance(await loadComplianceData(t.db, { asOf: AS_OF }));
    const centers = await t.db.selectFrom("centers").select(["id", "code"]).orderBy("code").execute();
    let gapFindings = 0;
    for (const fy of [2024, 2025]) {
      for (const c of centers) {
        const data = await loadComplianceData(t.db, { asOf: AS_OF, fiscalYear: fy, centerIds: [c.id] });
        const expected = everything.filter((f) => f.fiscalYear === fy && f.centerCode === c.code);
        expect(evaluateCompliance(data, { fiscalYear: fy })).toEqual(expected);
        gapFindings += expected.filter((f) => f.rule === "FUNDED-GAP-STALLED").length;
      }
    }
    // Older awards' lines (a capability assessed not_achieved) are read only when a center has such a capability.
    expect(gapFindings).toBeGreaterThan(0);
  });

  it("CLI: exit 0 with findings, exit 0 with none, exit 2 with a message for bad arguments", async () => {
    const withFindings = await cli(["findings", "--fy", "2025", "--as-of", AS_OF, "--format", "json"]);
    expect(withFindings.code).toBe(0);
    const json = JSON.parse(withFindings.out);
    expect(json.findings.length).toBeGreaterThan(0);
    expect(Object.keys(json.findings[0]).slice(0, 7)).toEqual(["rule", "severity", "center", "award", "fiscal_year", "capability", "amount"]);

    const none = await cli(["findings", "--fy", "2005", "--as-of", AS_OF]);
    expect(none.code).toBe(0);
    expect(parse(none.out)).toEqual([HEADER]);

    const badFy = await cli(["findings", "--fy", "abc"]);
    expect(badFy.code).toBe(2);
    expect(badFy.err).toContain("--fy must be a whole number");
    expect(badFy.out).toBe("");
    const badDate = await cli(["findings", "--as-of", "2025-02-30"]);
    expect(badDate.code).toBe(2);
    expect(badDate.err).toContain("--as-of");
    const badCenter = await cli(["findings", "--center", "ZZ"]);
    expect(badCenter.code).toBe(2);
    expect(badCenter.err).toContain("No center with code ZZ");
    const badFormat = await cli(["findings", "--format", "xml"]);
    expect(badFormat.code).toBe(2);
  });
});

describe("finding responses and dispositions", () => {
  let admin: string, auditor: string, director: string, state: string;

  beforeAll(async () => {
    // The first describe block loaded the demo into this file's database.
    [admin, auditor, director, state] = await Promise.all(["demo-admin", "demo-auditor", "demo-director", "demo-state"].map((u) => cookieFor(t.db, u)));
  });

  it("lets a director respond for their own center, with an audit row in the same change", async () => {
    const f = await findingOf("VA");
    const res = (await run(findingsAction, request(`/reports/findings?center=VA&asOf=${AS_OF}`, { cookie: director, form: respondForm(f, "Training scheduled for March.") }))) as Response;
    expect(res.status).toBe(303);
    // Back to the same filter, pointing at the finding (the page holding it is worked out on load).
    const location = res.headers.get("Location")!;
    // …with the confirmation of this save.
    expect(location).toMatch(/^\/reports\/findings\?center=VA&asOf=2025-06-30&finding=[^&#]+&done=respond#finding-[0-9a-f]{8}$/);
    expect(new URL(location, "http://localhost").searchParams.get("finding")).toBe(f.key);
    const row = await t.db.selectFrom("finding_responses").selectAll().where("rule", "=", f.rule).where("center_code", "=", "VA").executeTakeFirstOrThrow();
    expect({ ...row, id: 0, updated_at: "", updated_by: 0 }).toMatchObject({
      ...findingKeyParts(f),
      response: "Training scheduled for March.",
      disposition: "open",
      version: 1,
    });
    const audit = await t.db.selectFrom("audit_log").selectAll().where("entity", "=", "finding_response").where("entity_id", "=", String(row.id)).execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0].after_json!).response).toBe("Training scheduled for March.");

    const page = (await run(findingsLoader, request(`/reports/findings?fy=all&center=VA&asOf=${AS_OF}`, { cookie: director }))) as any;
    const shown = page.findings.find((x: any) => x.key === f.key);
    expect(shown.response.response).toBe("Training scheduled for March.");
    expect(shown.canRespond).toBe(true);
    expect(shown.canAudit).toBe(false);
  });

  it("refuses a director answering another center's finding, or recording a disposition, and changes nothing", async () => {
    const md = await findingOf("MD");
    const va = await findingOf("VA");
    const before = await snapshot();
    const other = (await run(findingsAction, request("/reports/findings", { cookie: director, form: respondForm(md, "Not my center") }))) as Response;
    expect(other.status).toBe(403);
    const dispose = (await run(findingsAction, request("/reports/findings", { cookie: director, form: dispositionForm(va, "resolved", "") }))) as Response;
    expect(dispose.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it("lets an auditor set a disposition and note but not a response text", async () => {
    const f = await findingOf("VA");
    expect(f.response?.version).toBe(1);
    const before = await snapshot();
    const refused = (await run(findingsAction, request("/reports/findings", { cookie: auditor, form: respondForm(f, "Auditor's own text") }))) as Response;
    expect(refused.status).toBe(403);
    expect(await snapshot()).toEqual(before);

    const ok = (await run(findingsAction, request("/reports/findings", { cookie: auditor, form: dispositionForm(f, "accepted", "Plan accepted; verify at next site visit.") }))) as Response;
    expect(ok.status).toBe(303);
    const row = await t.db.selectFrom("finding_responses").selectAll().where("id", "=", f.response!.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ response: "Training scheduled for March.", disposition: "accepted", auditor_note: "Plan accepted; verify at next site visit.", version: 2 });
  });

  it("refuses a state official both writes, and anonymous users are sent to sign in", async () => {
    const f = await findingOf("VA");
    const before = await snapshot();
    expect(((await run(findingsAction, request("/reports/findings", { cookie: state, form: respondForm(f, "x") }))) as Response).status).toBe(403);
    expect(((await run(findingsAction, request("/reports/findings", { cookie: state, form: dispositionForm(f, "resolved", "") }))) as Response).status).toBe(403);
    const anon = (await run(findingsAction, request("/reports/findings", { form: respondForm(f, "x") }))) as Response;
    expect(anon.status).toBe(303);
    expect(anon.headers.get("Location")).toMatch(/^\/login\?redirectTo=/);
    expect(await snapshot()).toEqual(before);
  });

  it("answers a stale version with 409, names the other change, and keeps the typed text", async () => {
    const f = await findingOf("VA");
    const before = await snapshot();
    const res = (await run(findingsAction, request("/reports/findings", { cookie: director, form: respondForm(f, "My newer plan", 1) }))) as Response;
    expect(res.status).toBe(409);
    const body = await res.json();
    expect(body.result.error[""][0]).toContain("disposition: open → accepted");
    expect(body.result.initialValue.response).toBe("My newer plan");
    expect(await snapshot()).toEqual(before);
  });

  it("rejects an empty response with a field error (400) and writes nothing", async () => {
    const f = await findingOf("VA");
    const before = await snapshot();
    const res = (await run(findingsAction, request("/reports/findings", { cookie: director, form: respondForm(f, "   ") }))) as Response;
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.result.error.response[0]).toBe("Describe the corrective action");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a first response to a finding that does not fire", async () => {
    const before = await snapshot();
    const key = findingKey({ rule: "MA-CAP", centerCode: "VA", awardNumber: null, fiscalYear: 2025, capabilityId: null });
    const res = (await run(findingsAction, request("/reports/findings", { cookie: admin, form: respondForm({ key, response: null }, "Nothing to answer") }))) as Response;
    expect(res.status).toBe(400);
    expect((await res.json()).result.error[""][0]).toContain("does not fire");
    expect(await snapshot()).toEqual(before);
  });

  it("keeps a response through recomputation and lists it as no longer applying when the finding stops firing", async () => {
    const gu = await centerId("GU");
    const f = await findingOf("GU", (x) => x.rule === "ASSESSMENT-MISSING" && x.fiscalYear === 2025);
    const saved = (await run(findingsAction, request("/reports/findings", { cookie: admin, form: respondForm(f, "Assessment being completed this month.") }))) as Response;
    expect(saved.status).toBe(303);

    // Recompute with different figures: void one of GU's FY2025 federal awards (the message changes, the key does not).
    const awards = await sql<{ id: number; award_number: string }>`
      select a.id, a.award_number from awards a join programs p on p.code = a.program_code
      where a.center_id = ${gu} and a.fiscal_year = 2025 and p.federal = 1 and a.voided_at is null order by a.id`.execute(t.db);
    expect(awards.rows.length).toBeGreaterThan(1);
    await sql`update awards set voided_at = '2025-06-01T00:00:00Z', void_reason = 'test' where id = ${awards.rows[0].id}`.execute(t.db);
    const again = await findingOf("GU", (x) => x.rule === "ASSESSMENT-MISSING" && x.fiscalYear === 2025);
    expect(again.key).toBe(f.key);
    expect(again.message).not.toBe(f.message);
    expect(again.response?.response).toBe("Assessment being completed this month.");

    // Record the missing assessment: the finding stops firing, the response stays, listed apart.
    await sql`insert into assessments (center_id, fiscal_year, capability_id, status, evidence, updated_at)
              values (${gu}, 2025, 'I.A', 'achieved', 'test', '2025-06-15T00:00:00Z')`.execute(t.db);
    const page = (await run(findingsLoader, request(`/reports/findings?fy=2025&center=GU&asOf=${AS_OF}`, { cookie: auditor }))) as any;
    expect(page.findings.some((x: any) => x.key === f.key)).toBe(false);
    expect(page.noLongerApplies).toHaveLength(1);
    expect(page.noLongerApplies[0]).toMatchObject({
      key: f.key,
      rule: "ASSESSMENT-MISSING",
      centerCode: "GU",
      fiscalYear: 2025,
      response: "Assessment being completed this month.",
      canAudit: true,
    });
    // An auditor may still close it out.
    const closed = (await run(
      findingsAction,
      request("/reports/findings", { cookie: auditor, form: dispositionForm({ key: f.key, response: page.noLongerApplies[0] }, "resolved", "Assessment now on file.") }),
    )) as Response;
    expect(closed.status).toBe(303);
    // A response for another year is not "no longer applies" in this year's report.
    const other = (await run(findingsLoader, request(`/reports/findings?fy=2024&center=GU&asOf=${AS_OF}`, { cookie: auditor }))) as any;
    expect(other.noLongerApplies).toHaveLength(0);
  });
});

describe("findings report pages", () => {
  // Runs after the response tests: GU's FY2025 figures changed there, so totals come from the CSV.
  let admin: string, auditor: string;
  const base = `/reports/findings?fy=2025&asOf=${AS_OF}`;

  beforeAll(async () => {
    [admin, auditor] = await Promise.all(["demo-admin", "demo-auditor"].map((u) => cookieFor(t.db, u)));
  });

  it("shows findings 51–100 on page 2, in the CSV's order, with the counts of the whole filter", async () => {
    const csv = (await csvRows(`/reports/findings.csv?fy=2025&asOf=${AS_OF}`, auditor)).slice(1);
    expect(csv.length).toBeGreaterThan(100);
    const first = (await run(findingsLoader, request(base, { cookie: auditor }))) as any;
    const second = (await run(findingsLoader, request(`${base}&page=2`, { cookie: auditor }))) as any;
    expect(second.findings.map(cells)).toEqual(csv.slice(50, 100));
    expect(second.pager).toMatchObject({ page: 2, from: 51, to: 100, total: csv.length, clamped: false, label: `Showing 51–100 of ${csv.length}` });
    // The tiles count every finding of the filter, the same on every page.
    expect(second.counts).toEqual(first.counts);
    expect(second.counts.total).toBe(csv.length);
    expect(csv.filter((r) => r[1] === "violation")).toHaveLength(second.counts.violation);
  });

  it("keeps the filter in the pager's links, and the CSV link lists every row whatever the page", async () => {
    const q = `?fy=2025&asOf=${AS_OF}&severity=warning`;
    const page = (await run(findingsLoader, request(`/reports/findings${q}&page=2`, { cookie: admin }))) as any;
    const csv = (await csvRows(page.csvHref, admin)).slice(1);
    expect(page.csvHref).toBe(`/reports/findings.csv${q}`);
    expect(csv.length).toBe(page.counts.total);
    expect(page.counts.total).toBeGreaterThan(50);
    expect(page.counts.total).toBeLessThanOrEqual(100);
    expect(page.pager).toMatchObject({ page: 2, pageCount: 2, prevHref: `/reports/findings${q}`, nextHref: null });
    expect(page.pager.links).toEqual([
      { page: 1, href: `/reports/findings${q}` },
      { page: 2, href: `/reports/findings${q}&page=2` },
    ]);
    // A page parameter on the CSV does not cut it short.
    expect((await csvRows(`/reports/findings.csv${q}&page=2`, admin)).slice(1)).toEqual(csv);

    // Without a year or date in the URL the links pin the ones shown, so every page slices the same list.
    const latest = (await run(findingsLoader, request(`/reports/findings?asOf=${AS_OF}&state=VA`, { cookie: admin }))) as any;
    expect(latest.fiscalYear).toBe(2025);
    for (const l of latest.pager.links) expect(l.href).toMatch(/^\/reports\/findings\?fy=2025&asOf=2025-06-30&state=VA(&page=\d+)?$/);
  });

  it("shows the last page, and says so, for a page past the end; refuses a page that is not a number from 1", async () => {
    const csv = (await csvRows(`/reports/findings.csv?fy=2025&asOf=${AS_OF}`, auditor)).slice(1);
    const last = Math.ceil(csv.length / 50);
    const beyond = (await run(findingsLoader, request(`${base}&page=99`, { cookie: auditor }))) as any;
    expect(beyond.pager).toMatchObject({ page: last, requested: 99, pageCount: last, clamped: true, nextHref: null });
    expect(beyond.findings.map(cells)).toEqual(csv.slice((last - 1) * 50));

    for (const bad of ["0", "-1", "abc", "2.5"]) {
      const res = (await run(findingsLoader, request(`${base}&page=${bad}`, { cookie: auditor }))) as Response;
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/^Filter "page": /);
    }
    const badStale = (await run(findingsLoader, request(`${base}&stalePage=0`, { cookie: auditor }))) as Response;
    expect(badStale.status).toBe(400);
    expect(await badStale.text()).toBe('Filter "stalePage": Pages start at 1');
  });

  it("opens the page that holds a linked finding, and says when the finding is not in the report", async () => {
    const second = (await run(findingsLoader, request(`${base}&page=2`, { cookie: auditor }))) as any;
    const target = second.findings[24]; // finding 75
    for (const path of [`${base}&finding=${encodeURIComponent(target.key)}`, `${base}&page=1&finding=${encodeURIComponent(target.key)}`]) {
      const page = (await run(findingsLoader, request(path, { cookie: auditor }))) as any;
      expect(page.pager.page).toBe(2);
      expect(page.findings.map((f: any) => f.key)).toEqual(second.findings.map((f: any) => f.key));
      expect(page.targetMissing).toBe(false);
    }
    const gone = findingKey({ rule: "MA-CAP", centerCode: "VA", awardNumber: null, fiscalYear: 2025, capabilityId: null });
    const missing = (await run(findingsLoader, request(`${base}&page=2&finding=${encodeURIComponent(gone)}`, { cookie: auditor }))) as any;
    expect(missing.targetMissing).toBe(true);
    expect(missing.pager.page).toBe(2);
  });

  it("sends an action on a row of page 2 back to page 2, at that row", async () => {
    const second = (await run(findingsLoader, request(`${base}&page=2`, { cookie: auditor }))) as any;
    const f = second.findings[10]; // finding 61
    const res = (await run(findingsAction, request(`${base}&page=2`, { cookie: auditor, form: dispositionForm(f, "accepted", "Seen on page 2.") }))) as Response;
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("Location")!, "http://localhost");
    expect(location.pathname).toBe("/reports/findings");
    expect(location.searchParams.get("fy")).toBe("2025");
    expect(location.searchParams.get("asOf")).toBe(AS_OF);
    expect(location.searchParams.get("page")).toBe("2");
    expect(location.hash).toBe(`#${f.anchor}`);

    const back = (await run(findingsLoader, request(`${location.pathname}${location.search}`, { cookie: auditor }))) as any;
    expect(back.pager.page).toBe(2);
    const shown = back.findings.find((x: any) => x.anchor === f.anchor);
    expect(shown.key).toBe(f.key);
    expect(shown.response).toMatchObject({ disposition: "accepted", auditorNote: "Seen on page 2." });
  });

  it("pages the responses that no longer apply the same way, each pager keeping the other's page", async () => {
    // 55 stored responses whose findings never fire (no such capability): stale from the start.
    const now = "2025-06-01T00:00:00Z";
    await t.db
      .insertInto("finding_responses")
      .values(Array.from({ length: 55 }, (_, i) => ({ rule: "MA-CAP", center_code: "VA", fiscal_year: 2019, capability_id: `ZZ.${String(i + 1).padStart(2, "0")}`, response: `Stale ${i + 1}`, updated_at: now })))
      .execute();
    const q = `?fy=2019&asOf=${AS_OF}&center=VA`;
    const first = (await run(findingsLoader, request(`/reports/findings${q}`, { cookie: auditor }))) as any;
    expect(first.stalePager).toMatchObject({ page: 1, pageCount: 2, total: 55, label: "Showing 1–50 of 55" });
    expect(first.noLongerApplies.map((r: any) => r.capabilityId)).toEqual(Array.from({ length: 50 }, (_, i) => `ZZ.${String(i + 1).padStart(2, "0")}`));
    expect(first.stalePager.nextHref).toBe(`/reports/findings${q}&stalePage=2`);
    const second = (await run(findingsLoader, request(first.stalePager.nextHref, { cookie: auditor }))) as any;
    expect(second.noLongerApplies.map((r: any) => r.capabilityId)).toEqual(["ZZ.51", "ZZ.52", "ZZ.53", "ZZ.54", "ZZ.55"]);
    expect(second.findings.map((f: any) => f.key)).toEqual(first.findings.map((f: any) => f.key));

    // Across the network (2,000+ findings over all years) both lists have pages; links carry both.
    const all = `?fy=all&asOf=${AS_OF}`;
    const both = (await run(findingsLoader, request(`/reports/findings${all}&page=3&stalePage=2`, { cookie: auditor }))) as any;
    expect(both.pager.page).toBe(3);
    expect(both.stalePager.page).toBe(2);
    expect(both.pager.nextHref).toBe(`/reports/findings${all}&page=4&stalePage=2`);
    expect(both.stalePager.prevHref).toBe(`/reports/findings${all}&page=3`);

    // A saved disposition on a stale row on page 2 comes back to that page of the stale list.
    const row = second.noLongerApplies[2];
    const res = (await run(
      findingsAction,
      request(first.stalePager.nextHref, { cookie: auditor, form: dispositionForm({ key: row.key, response: row }, "resolved", "Closed.") }),
    )) as Response;
    expect(res.status).toBe(303);
    const back = (await run(findingsLoader, request(res.headers.get("Location")!.split("#")[0], { cookie: auditor }))) as any;
    expect(back.stalePager.page).toBe(2);
    expect(back.noLongerApplies.find((r: any) => r.key === row.key)).toMatchObject({ disposition: "resolved", auditorNote: "Closed." });
    // A bare link to that stale row finds its page too.
    const linked = (await run(findingsLoader, request(`/reports/findings${q}&finding=${encodeURIComponent(row.key)}`, { cookie: auditor }))) as any;
    expect(linked.stalePager.page).toBe(2);
    expect(linked.targetMissing).toBe(false);
  });
});
