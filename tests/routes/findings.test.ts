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
    const page = (await run(findingsLoader, request(`/reports/findings?year=2025&asOf=${AS_OF}`, { cookie: auditor }))) as any;
    const csv = await csvRows(`/reports/findings.csv?year=2025&asOf=${AS_OF}`, auditor);

    expect(cliRows[0]).toEqual(HEADER);
    expect(csv[0]).toEqual(HEADER);
    expect(page.findings.length).toBeGreaterThan(50);
    expect(cliRows.slice(1)).toEqual(page.findings.map(cells));
    expect(csv.slice(1)).toEqual(cliRows.slice(1));
    expect(page.counts.total).toBe(page.findings.length);
    expect(page.counts.violation + page.counts.warning).toBe(page.counts.total);
    // Sorted by center, rule, award (center-year findings first), capability.
    const order = cliRows.slice(1).map((r) => [r[2], r[0], r[3], r[5]].join("\u0000"));
    expect(order).toEqual([...order].sort());
  });

  it("agree row for row for one center over every year, and the page's CSV link carries the same filter", async () => {
    const fromCli = await cli(["findings", "--center", "VA", "--as-of", AS_OF]);
    expect(fromCli.code).toBe(0);
    const cliRows = (parse(fromCli.out) as string[][]).slice(1);
    const page = (await run(findingsLoader, request(`/reports/findings?year=all&center=VA&asOf=${AS_OF}`, { cookie: director }))) as any;
    expect(page.csvHref).toBe(`/reports/findings.csv?year=all&asOf=${AS_OF}&center=VA`);
    const csv = await csvRows(page.csvHref, director);
    expect(cliRows.length).toBeGreaterThan(0);
    expect(new Set(cliRows.map((r) => r[2]))).toEqual(new Set(["VA"]));
    expect(page.findings.map(cells)).toEqual(cliRows);
    expect(csv.slice(1)).toEqual(cliRows);
  });

  it("keeps severity and rule filters consistent between page and CSV", async () => {
    const q = `?year=2025&asOf=${AS_OF}&severity=violation`;
    const page = (await run(findingsLoader, request(`/reports/findings${q}`, { cookie: admin }))) as any;
    const csv = await csvRows(`/reports/findings.csv${q}`, admin);
    expect(page.findings.every((f: Finding) => f.severity === "violation")).toBe(true);
    expect(page.counts.warning).toBe(0);
    expect(csv.slice(1)).toEqual(page.findings.map(cells));
    const rule = (await run(findingsLoader, request(`/reports/findings?year=all&asOf=${AS_OF}&rule=MA-CAP`, { cookie: admin }))) as any;
    expect(rule.findings.map((f: Finding) => f.rule)).toEqual(["MA-CAP"]);
  });

  it("scopes a state official to their state, and refuses another state's center", async () => {
    const page = (await run(findingsLoader, request(`/reports/findings?year=all&asOf=${AS_OF}`, { cookie: state }))) as any;
    expect(page.findings.length).toBeGreaterThan(0);
    const states = (await t.db.selectFrom("users").select("states").where("username", "=", "demo-state").executeTakeFirstOrThrow()).states.split(",");
    expect(states).toContain("VA");
    expect(states).not.toContain("MD");
    const inStates = new Set((await t.db.selectFrom("centers").select("code").where("state", "in", states).execute()).map((c) => c.code));
    const shown = new Set<string>(page.findings.map((f: Finding) => f.centerCode));
    expect(shown.has("VA")).toBe(true);
    expect([...shown].filter((c) => !inStates.has(c))).toEqual([]);
    expect(page.centers.map((c: { code: string }) => c.code).sort()).toEqual([...inStates].sort());
    const other = (await run(findingsLoader, request("/reports/findings?center=MD", { cookie: state }))) as Response;
    expect(other.status).toBe(403);
    const otherCsv = (await run(csvLoader, request("/reports/findings.csv?center=MD", { cookie: state }))) as Response;
    expect(otherCsv.status).toBe(403);
    const bad = (await run(findingsLoader, request("/reports/findings?year=abc", { cookie: state }))) as Response;
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
    expect(res.headers.get("Location")).toMatch(/^\/reports\/findings\?center=VA&asOf=2025-06-30#finding-[0-9a-f]{8}$/);
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

    const page = (await run(findingsLoader, request(`/reports/findings?year=all&center=VA&asOf=${AS_OF}`, { cookie: director }))) as any;
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
    const page = (await run(findingsLoader, request(`/reports/findings?year=2025&center=GU&asOf=${AS_OF}`, { cookie: auditor }))) as any;
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
    const other = (await run(findingsLoader, request(`/reports/findings?year=2024&center=GU&asOf=${AS_OF}`, { cookie: auditor }))) as any;
    expect(other.noLongerApplies).toHaveLength(0);
  });
});
