/**
 * Figures remembered per center (docs/decisions/030-per-center-memo.md, migrations/0019): after
 * every kind of write — a payment, a budget line, an award, an assessment, an import batch, a void,
 * a delete, a row moved to another center, a program change — the remembered findings and dashboard
 * figures equal a fresh evaluation, and the write moved the counter of the center it touched and no
 * other (or the shared counter, for a table every center reads).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { evaluateCompliance } from "~/domain/compliance";
import { parseFiscalYear } from "~/domain/fiscal-year";
import { runImport } from "~/import/runner.server";
import { NotOnPostgresError, type DB } from "../../db/client";
import { saveAssessments } from "~/models/assessments.server";
import { createAward, voidAward } from "~/models/awards.server";
import { addBudgetLine, addSpending, editBudgetLine, voidBudgetLine, voidSpending } from "~/models/budget.server";
import { evaluatedFindings, loadComplianceData, type LoadOptions } from "~/models/compliance.server";
import { getDashboard, parseDashboardParams } from "~/models/dashboard.server";
import { getComparison } from "~/models/compare.server";
import { centerVersions, perCenter } from "~/models/memo.server";
import { getPrincipal } from "~/models/users.server";
import { getProgram, updateProgram } from "~/models/programs.server";
import { freshDatabase, useTestDatabase } from "../helpers/db";
import { lineWithRoom } from "../helpers/grants";

const t = useTestDatabase();
const AS_OF = "2025-06-30";
const FY = 2025;
const NOW = "2025-06-01T00:00:00.000Z";
const YEAR: LoadOptions = { asOf: AS_OF, fiscalYear: FY };

let adminId = 0;
const ids: Record<string, number> = {};

const dashboard = (db = t.db, query = `fy=${FY}`) => {
  const params = new URLSearchParams(query);
  return getDashboard(db, { kind: "all" }, parseDashboardParams(params, parseFiscalYear(params.get("fy")) ?? undefined), { asOf: AS_OF });
};

const compare = async (db = t.db) => {
  const admin = (await getPrincipal(db, adminId))!;
  return getComparison(db, admin, { codes: ["MD", "TX", "VA"], fiscalYear: FY }, { asOf: AS_OF });
};

/** A fresh evaluation: inside a transaction nothing is remembered or served from memory (memo.server.ts). */
async function fresh() {
  return t.db.transaction().execute(async (trx) => ({
    findings: evaluateCompliance(await loadComplianceData(trx, YEAR), { fiscalYear: FY }),
    va: evaluateCompliance(await loadComplianceData(trx, { ...YEAR, centerIds: [ids.VA, ids.TX] }), { fiscalYear: FY }),
    dashboard: await dashboard(trx),
    state: await dashboard(trx, `fy=${FY}&state=TX`),
    opening: await dashboard(trx, ""),
    compare: await compare(trx),
  }));
}

async function remembered() {
  return {
    findings: [...(await evaluatedFindings(t.db, YEAR)).findings],
    va: [...(await evaluatedFindings(t.db, { ...YEAR, centerIds: [ids.VA, ids.TX] })).findings],
    dashboard: await dashboard(),
    state: await dashboard(t.db, `fy=${FY}&state=TX`),
    opening: await dashboard(t.db, ""),
    compare: await compare(),
  };
}

/** Fills the memo, runs the write, and checks the next views against a fresh evaluation; returns the counters that moved. */
async function afterWrite(write: () => Promise<unknown>): Promise<string[]> {
  await remembered();
  const before = await centerVersions(t.db);
  await write();
  const after = await centerVersions(t.db);
  expect(await remembered()).toEqual(await fresh());
  const code = new Map(Object.entries(ids).map(([c, id]) => [id, c]));
  const moved = (b: ReadonlyMap<number, number>, a: ReadonlyMap<number, number>) =>
    [...a]
      // A new center's row starts at 0 (checked below); the rest must not move but for the write's center.
      .filter(([id, v]) => b.has(id) && b.get(id) !== v)
      .map(([id]) => (id === 0 ? "shared" : (code.get(id) ?? String(id))))
      .sort();
  coreMoved = moved(before.coreByCenter, after.coreByCenter);
  return moved(before.byCenter, after.byCenter);
}

/** The centers whose core counter (migrations/0024: all but budget lines and spending) the last `afterWrite` moved. */
let coreMoved: string[] = [];

const awardOf = (code: string) => lineWithRoom(t.db, ids[code], FY);

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: AS_OF });
  adminId = (await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow()).id;
  for (const c of await t.db.selectFrom("centers").select(["id", "code"]).where("code", "in", ["VA", "TX", "MD"]).execute()) ids[c.code] = c.id;
});

describe("per-center figures equal a fresh evaluation after", () => {
  it("a payment, and its void", async () => {
    const a = await awardOf("VA");
    let spend = { spend_id: "", version: 0 };
    expect(
      await afterWrite(async () => {
        const r = await addSpending(t.db, adminId, a.id, a.line_id, { date: "2024-09-15", amountCents: 1_234_56, description: "early" });
        expect(r.ok).toBe(true);
        if (r.ok) spend = r.value;
      }),
    ).toEqual(["VA"]);
    expect(coreMoved).toEqual([]);
    expect(await afterWrite(async () => expect((await voidSpending(t.db, adminId, a.id, spend.spend_id, spend.version, "test")).ok).toBe(true))).toEqual(["VA"]);
    expect(coreMoved).toEqual([]);
  });

  it("a budget line added, edited and voided", async () => {
    const a = await awardOf("TX");
    let lineId = "";
    expect(
      await afterWrite(async () => {
        const r = await addBudgetLine(t.db, adminId, a.id, { capabilityId: null, poete: "planning", costCategory: "ma", amountCents: 5_000_00, description: "new" });
        expect(r.ok).toBe(true);
        if (r.ok) lineId = r.value.line_id;
      }),
    ).toEqual(["TX"]);
    const line = () => t.db.selectFrom("budget_lines").select("version").where("line_id", "=", lineId).executeTakeFirstOrThrow();
    const input = { capabilityId: "I.A", poete: "planning" as const, costCategory: "ma" as const, amountCents: 4_000_00, description: "edited" };
    expect(coreMoved).toEqual([]);
    expect(await afterWrite(async () => expect((await editBudgetLine(t.db, adminId, a.id, lineId, (await line()).version, input)).ok).toBe(true))).toEqual(["TX"]);
    expect(coreMoved).toEqual([]);
    expect(await afterWrite(async () => expect((await voidBudgetLine(t.db, adminId, a.id, lineId, (await line()).version, "test")).ok).toBe(true))).toEqual(["TX"]);
    expect(coreMoved).toEqual([]);
  });

  it("an award created and voided", async () => {
    const input = { awardNumber: "TEST-PC-25", centerId: ids.MD, programCode: "SHSP", fiscalYear: FY, amountCents: 250_000_00, popStart: "2024-10-01", popEnd: null };
    expect(await afterWrite(async () => expect((await createAward(t.db, adminId, input)).ok).toBe(true))).toEqual(["MD"]);
    expect(coreMoved).toEqual(["MD"]);
    const award = await t.db.selectFrom("awards").select(["id", "version"]).where("award_number", "=", "TEST-PC-25").executeTakeFirstOrThrow();
    expect(await afterWrite(async () => expect((await voidAward(t.db, adminId, award.id, award.version, "entered twice")).ok).toBe(true))).toEqual(["MD"]);
    expect(coreMoved).toEqual(["MD"]);
  });

  it("an award in a later year, which moves the dashboard's years and the year it opens on, and its void", async () => {
    const input = { awardNumber: "TEST-PC-26", centerId: ids.MD, programCode: "SHSP", fiscalYear: FY + 1, amountCents: 100_000_00, popStart: "2025-10-01", popEnd: null };
    const opening = async () => (await dashboard(t.db, "")).defaultYear?.fiscalYear;
    expect(await opening()).toBe(FY);
    expect(await afterWrite(async () => expect((await createAward(t.db, adminId, input)).ok).toBe(true))).toEqual(["MD"]);
    expect(await opening()).toBe(FY + 1);
    expect((await dashboard()).years).toContain(FY + 1);
    const award = await t.db.selectFrom("awards").select(["id", "version"]).where("award_number", "=", "TEST-PC-26").executeTakeFirstOrThrow();
    expect(await afterWrite(async () => expect((await voidAward(t.db, adminId, award.id, award.version, "entered twice")).ok).toBe(true))).toEqual(["MD"]);
    expect(await opening()).toBe(FY);
  });

  it("an assessment saved", async () => {
    const row = await t.db
      .selectFrom("assessments")
      .select(["status", "version"])
      .where("center_id", "=", ids.VA)
      .where("fiscal_year", "=", FY)
      .where("capability_id", "=", "II.B")
      .executeTakeFirstOrThrow();
    const status = row.status === "achieved" ? ("not_achieved" as const) : ("achieved" as const);
    const save = () =>
      saveAssessments(t.db, { centerId: ids.VA, fiscalYear: FY, userId: adminId, rows: [{ index: 0, capabilityId: "II.B", status, evidence: "", estCostCents: null, version: row.version }] });
    expect(await afterWrite(async () => expect((await save()).ok).toBe(true))).toEqual(["VA"]);
    expect(coreMoved).toEqual(["VA"]);
  });

  it("an import batch of payments to two centers", async (ctx) => {
    const va = await awardOf("VA");
    const tx = await awardOf("TX");
    const csv = `spend_id,line_id,date,amount,description\nPC-IMP-1,${va.line_id},2028-10-15,250.00,late\nPC-IMP-2,${tx.line_id},2025-01-15,10.00,on time\n`;
    const moved = await afterWrite(async () => {
      try {
        const r = await runImport(t.db, { fileName: "spending.csv", buffer: Buffer.from(csv, "utf8") }, { dryRun: false, user: null });
        expect(r.errors).toEqual([]);
        expect(r.committed).toBe(true);
      } catch (e) {
        // Spreadsheet imports are not written for PostgreSQL yet: this case then waits for them.
        if (e instanceof NotOnPostgresError) ctx.skip();
        throw e;
      }
    });
    expect(moved).toEqual(["TX", "VA"]);
    expect(coreMoved).toEqual([]);
  });

  it("plain statements: payments inserted, moved to another center's line and deleted, a match contribution, a report, an award moved", async () => {
    const va = await awardOf("VA");
    const tx = await awardOf("TX");
    const line = (lineId: string) => t.db.selectFrom("budget_lines").select("id").where("line_id", "=", lineId).executeTakeFirstOrThrow();
    const [vaLine, txLine] = [await line(va.line_id), await line(tx.line_id)];
    expect(
      await afterWrite(() =>
        t.db
          .insertInto("spending")
          .values([
            { spend_id: "PC-SQL-1", budget_line_id: vaLine.id, date: "2028-10-15", amount_cents: 250_00, created_at: NOW },
            { spend_id: "PC-SQL-2", budget_line_id: txLine.id, date: "2025-01-15", amount_cents: 10_00, created_at: NOW },
          ])
          .execute(),
      ),
    ).toEqual(["TX", "VA"]);
    expect(coreMoved).toEqual([]);
    expect(await afterWrite(() => t.db.updateTable("spending").set({ budget_line_id: txLine.id }).where("spend_id", "=", "PC-SQL-1").execute())).toEqual(["TX", "VA"]);
    expect(coreMoved).toEqual([]);
    expect(await afterWrite(() => t.db.deleteFrom("spending").where("spend_id", "=", "PC-SQL-2").execute())).toEqual(["TX"]);
    expect(coreMoved).toEqual([]);
    expect(
      await afterWrite(() =>
        t.db.insertInto("match_contributions").values({ award_id: va.id, date: "2025-01-15", amount_cents: 1_000_00, description: "county", kind: "cash", created_at: NOW }).execute(),
      ),
    ).toEqual(["VA"]);
    expect(coreMoved).toEqual(["VA"]);
    expect(
      await afterWrite(() =>
        t.db.insertInto("reporting_obligations").values({ award_id: va.id, report: "BSIR", period_start: "2024-07-01", period_end: "2024-12-31", due: "2025-01-30" }).execute(),
      ),
    ).toEqual(["VA"]);
    expect(coreMoved).toEqual(["VA"]);
    expect(await afterWrite(() => t.db.updateTable("awards").set({ center_id: ids.MD }).where("id", "=", va.id).execute())).toEqual(["MD", "VA"]);
    expect(coreMoved).toEqual(["MD", "VA"]);
    expect(await afterWrite(() => t.db.updateTable("awards").set({ center_id: ids.VA }).where("id", "=", va.id).execute())).toEqual(["MD", "VA"]);
    expect(coreMoved).toEqual(["MD", "VA"]);
  });

  it("a program change and a new center move the shared counter", async () => {
    const shsp = (await getProgram(t.db, "SHSP"))!;
    const changes = { name: shsp.name, pop_months: shsp.pop_months, ma_cap_pct: 1, personnel_cap_pct: shsp.personnel_cap_pct, match_pct: shsp.match_pct, reports: shsp.reports };
    expect(await afterWrite(async () => expect((await updateProgram(t.db, adminId, "SHSP", shsp.version, changes)).ok).toBe(true))).toEqual(["shared"]);
    let zz = 0;
    expect(
      await afterWrite(async () => {
        zz = (await t.db.insertInto("centers").values({ code: "ZZ", name: "Test center", state: "GU", kind: "state", created_at: NOW }).returning("id").executeTakeFirstOrThrow()).id;
      }),
    ).toEqual(["shared"]);
    expect((await dashboard()).options.states).toContain("GU");
    expect((await centerVersions(t.db)).byCenter.get(zz)).toBe(0);
    expect(
      await afterWrite(() =>
        t.db
          .insertInto("assessments")
          .values({ center_id: zz, fiscal_year: FY, capability_id: "I.A", status: "achieved", updated_at: NOW })
          .execute(),
      ),
    ).toEqual([String(zz)]);
  });
});

describe("rebuilds shared within a process", () => {
  it("are never shared between two databases whose counters read the same", async () => {
    const a = freshDatabase();
    const b = freshDatabase();
    try {
      // Both fresh copies of one base: every counter alike, so only the handle tells the two apart.
      const figures = (db: DB, label: string) =>
        perCenter(db, "test-handles", null, [1], async (stale) => {
          await db.selectFrom("center_versions").select("version").execute();
          return new Map(stale.map((c) => [c, label]));
        });
      const [fromA, fromB] = await Promise.all([figures(a.db, "A"), figures(b.db, "B")]);
      expect(fromA.get(1)).toBe("A");
      expect(fromB.get(1)).toBe("B");
    } finally {
      await a.close();
      await b.close();
    }
  });
});
