/**
 * The compliance memo (docs/decisions/009-compliance-memo.md): evaluated findings are
 * remembered per committed state of the data, numbered by data_version (migration 0007). Every
 * kind of write — form models, import, a plain statement, another connection — must show on the
 * very next call; a rolled-back transaction must leave nothing behind; a memoized answer must equal
 * a fresh evaluation.
 *
 * Test center ZZ (added to the demo): award ZZ-25, SHSP (federal, M&A cap 5%), FY2025, $100,000.00,
 * period 2024-10-01..2028-09-30; lines ZZ25-L1 (I.A, personnel, $40,000.00) and ZZ25-L2 (I.B, M&A,
 * $5,000.00, exactly the 5% cap); FY2025 assessment with every Baseline leaf achieved (II.B, the
 * privacy capability, included). On 2025-06-30 it has no finding: 273 of 1,461 days elapsed (19%)
 * is within SLOW-SPENDING's 25 points, every line names a capability, no report is due.
 */
import Sqlite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { sqliteHandle } from "../../db/client";
import type { Database } from "../../db/schema";
import { loadDemo } from "~/demo/load.server";
import { evaluateCompliance, findingKeyParts, statusByCenterYear, type Finding } from "~/domain/compliance";
import { saveAssessments } from "~/models/assessments.server";
import { voidAward } from "~/models/awards.server";
import { addSpending, voidBudgetLine, voidSpending } from "~/models/budget.server";
import {
  complianceStatusByCenter,
  dataVersion,
  evaluatedFindings,
  findingFires,
  findings,
  loadComplianceData,
  type LoadOptions,
} from "~/models/compliance.server";
import { addDays } from "~/domain/dates";
import { runImport } from "~/import/runner.server";
import { MEMO_ENTRIES } from "~/models/memo.server";
import { recordSubmission } from "~/models/obligations.server";
import { getProgram, updateProgram } from "~/models/programs.server";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
const AS_OF = "2025-06-30";
const FY = 2025;
const NOW = "2025-06-01T00:00:00.000Z";
const ALL: LoadOptions = { asOf: AS_OF, fiscalYear: FY };
const BASELINE_LEAVES = ["I.A", "I.B", "I.C", "I.D", "I.E", "I.F", "II.A", "II.B", "II.C", "II.D", "II.E", "II.F"];

let adminId = 0;
let zzId = 0;
let awardId = 0;

/** ZZ's FY2025 findings from the all-centers load (the dashboard's and the report's memo entry). */
async function zz(): Promise<Array<[string, number | null]>> {
  const r = await findings(t.db, ALL);
  return r.findings.filter((f) => f.centerCode === "ZZ").map((f) => [f.rule, f.amountCents]);
}

/** Reads twice, so the memo holds the current state before the write under test. */
async function warm(): Promise<Array<[string, number | null]>> {
  const first = await zz();
  expect(await zz()).toEqual(first);
  return first;
}

async function zzStatus() {
  return (await complianceStatusByCenter(t.db, FY, { kind: "all" }, { asOf: AS_OF })).get("ZZ");
}

const withoutResponse = (fs: ReadonlyArray<Finding & { key?: string; response?: unknown }>): Finding[] =>
  fs.map(({ key: _k, response: _r, ...f }) => f);

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: AS_OF });
  adminId = (await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow()).id;
  zzId = (
    await t.db.insertInto("centers").values({ code: "ZZ", name: "Test center", state: "VA", kind: "state", created_at: NOW }).returning("id").executeTakeFirstOrThrow()
  ).id;
  awardId = (
    await t.db
      .insertInto("awards")
      .values({
        award_number: "ZZ-25",
        center_id: zzId,
        program_code: "SHSP",
        fiscal_year: FY,
        amount_cents: 100_000_00,
        pop_start: "2024-10-01",
        pop_end: "2028-09-30",
        created_at: NOW,
      })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  await t.db
    .insertInto("budget_lines")
    .values([
      { line_id: "ZZ25-L1", award_id: awardId, capability_id: "I.A", poete: "planning", cost_category: "personnel", amount_cents: 40_000_00, created_at: NOW },
      { line_id: "ZZ25-L2", award_id: awardId, capability_id: "I.B", poete: "organization", cost_category: "ma", amount_cents: 5_000_00, created_at: NOW },
    ])
    .execute();
  await t.db
    .insertInto("assessments")
    .values(BASELINE_LEAVES.map((id) => ({ center_id: zzId, fiscal_year: FY, capability_id: id, status: "achieved" as const, updated_at: NOW })))
    .execute();
});

describe("data_version triggers", () => {
  it("cover insert, update and delete of every table the engine reads, the responses, the settings and the sign-offs, with names of their own", async () => {
    const rows = sqliteHandle(t.db).prepare("select name, tbl_name from sqlite_master where type = 'trigger'").all() as Array<{ name: string; tbl_name: string }>;
    const watched = [
      "app_settings",
      "assessment_reviews",
      "assessments",
      "awards",
      "budget_lines",
      "capabilities",
      "capability_links",
      "centers",
      "finding_responses",
      "frameworks",
      "match_contributions",
      "programs",
      "reporting_obligations",
      "spending",
    ];
    const ours = rows.filter((r) => r.name.startsWith("data_version_"));
    expect(ours.map((r) => r.name).sort()).toEqual(watched.flatMap((tb) => [`data_version_${tb}_ad`, `data_version_${tb}_ai`, `data_version_${tb}_au`]).sort());
    for (const r of ours) expect(r.name).toContain(`_${r.tbl_name}_`);
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  it("for the responses and settings' own counter cover insert, update and delete of those tables and the sign-offs (tests/responses-counter.test.ts counts them)", async () => {
    const rows = sqliteHandle(t.db).prepare("select name, tbl_name from sqlite_master where type = 'trigger' and name like 'responses_version_%'").all() as Array<{ name: string; tbl_name: string }>;
    expect(rows.map((r) => r.name).sort()).toEqual(
      ["app_settings", "assessment_reviews", "finding_responses"].flatMap((tb) => [`responses_version_${tb}_ad`, `responses_version_${tb}_ai`, `responses_version_${tb}_au`]).sort(),
    );
    for (const r of rows) expect(r.name).toContain(`_${r.tbl_name}_`);
  });

  it("list every column of awards and budget_lines but the trigger-kept summaries (a new column must be added)", async () => {
    const summaries: Record<string, string[]> = { awards: ["budgeted_cents", "spent_cents"], budget_lines: ["spent_cents"] };
    const sqlite = sqliteHandle(t.db);
    for (const [table, skip] of Object.entries(summaries)) {
      const columns = (sqlite.prepare(`select name from pragma_table_info('${table}')`).pluck().all() as string[]).filter((c) => !skip.includes(c));
      const text = sqlite.prepare("select sql from sqlite_master where name = ?").pluck().get(`data_version_${table}_au`) as string;
      const listed = /UPDATE OF (.+?) ON/.exec(text)![1].split(",").map((c) => c.trim());
      expect(listed.sort(), table).toEqual(columns.sort());
    }
  });

  it("count one per write: a new payment moves three summaries but bumps once", async () => {
    const line = await t.db.selectFrom("budget_lines").select(["id", "spent_cents"]).where("line_id", "=", "ZZ25-L1").executeTakeFirstOrThrow();
    const step = async (write: () => Promise<unknown>) => {
      const before = await dataVersion(t.db);
      await write();
      return (await dataVersion(t.db)) - before;
    };
    // A payment inside the period: spending insert (+1); budget_lines.spent_cents, awards.spent_cents
    // and line_spending_years follow by trigger without bumping again.
    expect(
      await step(() => t.db.insertInto("spending").values({ spend_id: "ZZ-C1", budget_line_id: line.id, date: "2025-01-15", amount_cents: 10_00, created_at: NOW }).execute()),
    ).toBe(1);
    const after = await t.db.selectFrom("budget_lines").select("spent_cents").where("id", "=", line.id).executeTakeFirstOrThrow();
    expect(after.spent_cents).toBe(line.spent_cents + 10_00);
    // Through the form model (with its audit row, which is not watched): still one.
    const added = await addSpending(t.db, adminId, awardId, "ZZ25-L1", { date: "2025-01-16", amountCents: 20_00, description: "" });
    expect(added.ok).toBe(true);
    expect(await step(() => t.db.updateTable("spending").set({ amount_cents: 15_00 }).where("spend_id", "=", "ZZ-C1").execute())).toBe(1);
    expect(await step(() => t.db.deleteFrom("spending").where("spend_id", "=", "ZZ-C1").execute())).toBe(1);
    // A new line moves awards.budgeted_cents by trigger: one bump.
    expect(
      await step(() =>
        t.db.insertInto("budget_lines").values({ line_id: "ZZ25-L3", award_id: awardId, capability_id: "I.C", poete: "training", cost_category: "travel", amount_cents: 1_00, created_at: NOW }).execute(),
      ),
    ).toBe(1);
    expect(await step(() => t.db.updateTable("budget_lines").set({ amount_cents: 2_00 }).where("line_id", "=", "ZZ25-L3").execute())).toBe(1);
    expect(await step(() => t.db.deleteFrom("budget_lines").where("line_id", "=", "ZZ25-L3").execute())).toBe(1);
    expect(await step(() => t.db.updateTable("awards").set({ void_reason: null }).where("id", "=", awardId).execute())).toBe(1);
    // A response moves the counter once: pages remember the responses with the findings (migrations/0021).
    expect(
      await step(() =>
        t.db.insertInto("finding_responses").values({ rule: "MA-CAP", center_code: "ZZ", award_number: "ZZ-25", fiscal_year: FY, updated_at: NOW }).execute(),
      ),
    ).toBe(1);
    await t.db.deleteFrom("finding_responses").where("center_code", "=", "ZZ").execute();
    // Put ZZ back as described above.
    const payment = await t.db.selectFrom("spending").select(["spend_id", "version"]).where("budget_line_id", "=", line.id).where("voided_at", "is", null).executeTakeFirstOrThrow();
    expect((await voidSpending(t.db, adminId, awardId, payment.spend_id, payment.version, "test")).ok).toBe(true);
  });
});

describe("the memo follows every kind of write", () => {
  it("starts with ZZ clean and green", async () => {
    expect(await warm()).toEqual([]);
    expect(await zzStatus()).toBe("green");
  });

  it("a payment through the form model before the period starts fires OUTSIDE-POP; voiding it clears it", async () => {
    await warm();
    const r = await addSpending(t.db, adminId, awardId, "ZZ25-L1", { date: "2024-09-15", amountCents: 1_234_56, description: "early" });
    expect(r.ok).toBe(true);
    expect(await warm()).toEqual([["OUTSIDE-POP", 1_234_56]]);
    expect(await zzStatus()).toBe("red");
    const parts = findingKeyParts({ rule: "OUTSIDE-POP", centerCode: "ZZ", awardNumber: "ZZ-25", fiscalYear: FY, capabilityId: null });
    expect(await findingFires(t.db, parts, AS_OF)).toBe(true);

    const row = r.ok ? r.value : undefined;
    expect((await voidSpending(t.db, adminId, awardId, row!.spend_id, row!.version, "entered in error")).ok).toBe(true);
    expect(await zz()).toEqual([]);
    expect(await zzStatus()).toBe("green");
    expect(await findingFires(t.db, parts, AS_OF)).toBe(false);
  });

  it("a spending import after the period ends fires OUTSIDE-POP; a void from another connection clears it", async () => {
    await warm();
    const csv = "spend_id,line_id,date,amount,description\nZZ-IMP-1,ZZ25-L1,2028-10-15,250.00,late invoice\n";
    const r = await runImport(t.db, { fileName: "spending.csv", buffer: Buffer.from(csv, "utf8") }, { dryRun: false, user: null });
    expect(r.errors).toEqual([]);
    expect(r.committed).toBe(true);
    expect(await warm()).toEqual([["OUTSIDE-POP", 250_00]]);

    // Another process (the CLI while the server runs) writes through its own connection.
    const other = new Sqlite(t.file);
    try {
      other.pragma("busy_timeout = 5000");
      other.prepare("update spending set voided_at = ?, void_reason = 'duplicate' where spend_id = 'ZZ-IMP-1'").run(NOW);
    } finally {
      other.close();
    }
    expect(await zz()).toEqual([]);
  });

  it("lowering the program's M&A cap fires MA-CAP; raising it back clears it", async () => {
    await warm();
    const shsp = (await getProgram(t.db, "SHSP"))!;
    const changes = (maCapPct: number) => ({
      name: shsp.name,
      pop_months: shsp.pop_months,
      ma_cap_pct: maCapPct,
      personnel_cap_pct: shsp.personnel_cap_pct,
      match_pct: shsp.match_pct,
      reports: shsp.reports,
    });
    expect((await updateProgram(t.db, adminId, "SHSP", shsp.version, changes(4))).ok).toBe(true);
    // Cap floor($100,000.00 × 4%) = $4,000.00; M&A lines $5,000.00; excess $1,000.00.
    expect(await warm()).toEqual([["MA-CAP", 1_000_00]]);
    expect((await updateProgram(t.db, adminId, "SHSP", shsp.version + 1, changes(5))).ok).toBe(true);
    expect(await zz()).toEqual([]);
  });

  it("an assessment saved with the privacy capability not achieved fires PRIVACY-POLICY", async () => {
    await warm();
    const save = async (status: "achieved" | "not_achieved") => {
      const row = await t.db.selectFrom("assessments").select("version").where("center_id", "=", zzId).where("fiscal_year", "=", FY).where("capability_id", "=", "II.B").executeTakeFirstOrThrow();
      const r = await saveAssessments(t.db, {
        centerId: zzId,
        fiscalYear: FY,
        userId: adminId,
        rows: [{ index: 0, capabilityId: "II.B", status, evidence: "", estCostCents: null, version: row.version }],
      });
      expect(r.ok).toBe(true);
    };
    await save("not_achieved");
    expect(await warm()).toEqual([["PRIVACY-POLICY", null]]);
    const privacy = (await findings(t.db, ALL)).findings.find((f) => f.centerCode === "ZZ")!;
    // Federal lines $40,000.00 + $5,000.00.
    expect(privacy.message).toBe("FY2025 federal budget lines total $45,000.00, but the FY2025 assessment records II.B as not achieved");
    await save("achieved");
    expect(await zz()).toEqual([]);
  });

  it("a new overdue report fires REPORT-OVERDUE; recording its submission clears it", async () => {
    await warm();
    const ob = await t.db
      .insertInto("reporting_obligations")
      .values({ award_id: awardId, report: "BSIR", period_start: "2024-07-01", period_end: "2024-12-31", due: "2025-01-30" })
      .returning(["id", "version"])
      .executeTakeFirstOrThrow();
    expect(await warm()).toEqual([["REPORT-OVERDUE", null]]);
    const r = await recordSubmission(t.db, adminId, { obligationId: ob.id, version: ob.version, submittedOn: "2025-01-29", reference: "BSIR-ZZ" });
    expect(r.ok).toBe(true);
    expect(await zz()).toEqual([]);
  });

  it("shows a new response at once: a response moves the change counter and the responses' own, and no center's counter", async () => {
    await t.db.updateTable("reporting_obligations").set({ submitted_on: null }).where("award_id", "=", awardId).execute();
    const version = await dataVersion(t.db);
    const counters = () => t.db.selectFrom("center_versions").select(["center_id", "version"]).orderBy("center_id").execute();
    const centerCounters = async () => (await counters()).filter((r) => r.center_id >= 0);
    const responsesCounter = async () => (await counters()).find((r) => r.center_id === -1)!.version;
    const centersBefore = await centerCounters();
    const responsesBefore = await responsesCounter();
    const before = (await findings(t.db, ALL)).findings.find((f) => f.centerCode === "ZZ")!;
    expect(before.response).toBeNull();
    await t.db
      .insertInto("finding_responses")
      .values({ rule: "REPORT-OVERDUE", center_code: "ZZ", award_number: "ZZ-25", fiscal_year: FY, response: "Filed late, see note", updated_by: adminId, updated_at: NOW })
      .execute();
    expect(await dataVersion(t.db)).toBe(version + 1);
    expect(await centerCounters()).toEqual(centersBefore);
    expect(await responsesCounter()).toBe(responsesBefore + 1);
    const after = (await findings(t.db, ALL)).findings.find((f) => f.centerCode === "ZZ")!;
    expect(after.response?.response).toBe("Filed late, see note");
    await t.db.deleteFrom("finding_responses").where("center_code", "=", "ZZ").execute();
  });

  it("a rolled-back transaction leaves nothing behind, even when a later write takes its number", async () => {
    const before = await warm();
    expect(before).toEqual([["REPORT-OVERDUE", null]]);
    const line = await t.db.selectFrom("budget_lines").select("id").where("line_id", "=", "ZZ25-L1").executeTakeFirstOrThrow();
    const v0 = await dataVersion(t.db);
    const early = (spendId: string, cents: number) => ({ spend_id: spendId, budget_line_id: line.id, date: "2024-09-01", amount_cents: cents, created_at: NOW });
    await expect(
      t.db.transaction().execute(async (trx) => {
        await trx.insertInto("spending").values(early("ZZ-RB-1", 500_00)).execute();
        expect(await dataVersion(trx)).toBe(v0 + 1);
        // Inside the transaction the engine sees the uncommitted payment...
        const inside = (await findings(trx, ALL)).findings.filter((f) => f.centerCode === "ZZ").map((f) => [f.rule, f.amountCents]);
        expect(inside).toEqual([["OUTSIDE-POP", 500_00], ["REPORT-OVERDUE", null]]);
        expect((await complianceStatusByCenter(trx, FY, { kind: "all" }, { asOf: AS_OF })).get("ZZ")).toBe("red");
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await dataVersion(t.db)).toBe(v0);
    // The next committed write is numbered v0 + 1 again, with different figures. Nothing reads in
    // between, so anything remembered from inside the transaction would be found now.
    await t.db.insertInto("spending").values(early("ZZ-RB-2", 700_00)).execute();
    expect(await dataVersion(t.db)).toBe(v0 + 1);
    expect(await zz()).toEqual([["OUTSIDE-POP", 700_00], ["REPORT-OVERDUE", null]]);
    await t.db.updateTable("spending").set({ voided_at: NOW, void_reason: "test" }).where("spend_id", "=", "ZZ-RB-2").execute();
    expect(await zz()).toEqual(before);
  });

  it("voiding the award (its lines first) takes its findings away", async () => {
    await warm();
    for (const lineKey of ["ZZ25-L1", "ZZ25-L2"]) {
      const l = await t.db.selectFrom("budget_lines").select("version").where("line_id", "=", lineKey).executeTakeFirstOrThrow();
      // The line's payments are all void already (voided above).
      expect((await voidBudgetLine(t.db, adminId, awardId, lineKey, l.version, "award withdrawn")).ok).toBe(true);
    }
    // The award is still live: its overdue report still counts.
    expect(await warm()).toEqual([["REPORT-OVERDUE", null]]);
    const award = await t.db.selectFrom("awards").select("version").where("id", "=", awardId).executeTakeFirstOrThrow();
    expect((await voidAward(t.db, adminId, awardId, award.version, "withdrawn")).ok).toBe(true);
    expect(await zz()).toEqual([]);
    expect(await zzStatus()).toBe("green");
  });
});

describe("memoized answers", () => {
  it("equal a fresh evaluation, for every kind of load", async () => {
    const centers = await t.db.selectFrom("centers").select(["id", "code"]).where("code", "in", ["VA", "TX", "TX-HOU"]).orderBy("id").execute();
    const ids = centers.map((c) => c.id);
    const loads: LoadOptions[] = [ALL, { asOf: AS_OF }, { asOf: AS_OF, fiscalYear: 2024, centerIds: ids }, { asOf: "2025-03-31", fiscalYear: FY, centerIds: [ids[0]] }];
    for (const o of loads) {
      await findings(t.db, o);
      const memo = (await findings(t.db, o)).findings;
      const fresh = evaluateCompliance(await loadComplianceData(t.db, o), { fiscalYear: o.fiscalYear });
      expect(withoutResponse(memo)).toEqual(fresh);
      expect(fresh.length).toBeGreaterThan(0);
    }
    // Order and repeats of the center list do not matter.
    const shuffled = await findings(t.db, { asOf: AS_OF, fiscalYear: 2024, centerIds: [ids[2], ids[0], ids[1], ids[0]] });
    expect(shuffled).toEqual(await findings(t.db, { asOf: AS_OF, fiscalYear: 2024, centerIds: ids }));
    // Statuses too.
    const statuses = await complianceStatusByCenter(t.db, FY, { kind: "all" }, { asOf: AS_OF });
    const byCy = statusByCenterYear(evaluateCompliance(await loadComplianceData(t.db, ALL), { fiscalYear: FY }));
    for (const [code, status] of statuses) expect(status, code).toBe(byCy.get(`${code}|${FY}`) ?? "green");
  });

  it("are served without reading the engine's tables, and are shared read-only", async () => {
    // A second handle on the same connection, with a query log: its own memo, same data.
    const seen: string[] = [];
    const logged = new Kysely<Database>({
      dialect: new SqliteDialect({ database: sqliteHandle(t.db) }),
      log: (e) => {
        if (e.level === "query") seen.push(e.query.sql);
      },
    });
    const first = await findings(logged, ALL);
    const cold = seen.splice(0);
    const second = await findings(logged, ALL);
    const warmQueries = seen.splice(0);
    expect(second).toEqual(first);
    expect(cold.some((q) => q.includes('"awards"'))).toBe(true);
    // Only the counter (for the findings and for their responses, remembered apart; a page request reads it once, with its session).
    expect(warmQueries.length).toBeGreaterThan(0);
    for (const q of warmQueries) expect(q).toContain('"data_version"');
    // A write through the other handle is seen at once.
    await t.db.updateTable("programs").set({ ma_cap_pct: 5 }).where("code", "=", "SHSP").execute();
    await findings(logged, ALL);
    expect(seen.splice(0).some((q) => q.includes('"awards"'))).toBe(true);

    // Callers get their own objects; the shared ones are frozen.
    second.findings[0].message = "changed by a caller";
    expect((await findings(logged, ALL)).findings[0].message).toBe(first.findings[0].message);
    const shared = await evaluatedFindings(logged, ALL);
    expect(Object.isFrozen(shared.findings)).toBe(true);
    expect(() => {
      (shared.findings[0] as Finding).message = "x";
    }).toThrow(TypeError);
    // (Not destroyed: that would close the shared connection.)
  });

  it("keep a bounded number of loads: the least recently used is read again", async () => {
    const seen: string[] = [];
    const logged = new Kysely<Database>({
      dialect: new SqliteDialect({ database: sqliteHandle(t.db) }),
      log: (e) => {
        if (e.level === "query") seen.push(e.query.sql);
      },
    });
    const va = (await t.db.selectFrom("centers").select("id").where("code", "=", "VA").executeTakeFirstOrThrow()).id;
    // Day n of a run of report dates from 1 May 2025 (each date is its own memo key).
    const at = (day: number) => ({ asOf: addDays("2025-05-01", day - 1), fiscalYear: FY, centerIds: [va] });
    const loads = async (o: LoadOptions) => {
      seen.length = 0;
      await evaluatedFindings(logged, o);
      return seen.filter((q) => q.includes('"awards"')).length;
    };
    expect(await loads(at(1))).toBeGreaterThan(0);
    expect(await loads(at(1))).toBe(0);
    // MEMO_ENTRIES entries: that many − 1 more keep day 1; the next load pushes out the least recently used (day 2).
    for (let d = 2; d <= MEMO_ENTRIES; d++) await loads(at(d));
    expect(await loads(at(1))).toBe(0);
    expect(await loads(at(MEMO_ENTRIES + 1))).toBeGreaterThan(0);
    expect(await loads(at(2))).toBeGreaterThan(0);
    expect(await loads(at(1))).toBe(0);
  });
});
