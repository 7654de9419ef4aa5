/**
 * The dashboard's year figures are remembered per committed state (app/models/memo.server.ts):
 * every write a user can make must show on the next view, exactly as a fresh computation shows it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { findingKeyParts } from "~/domain/compliance";
import { saveAssessments } from "~/models/assessments.server";
import { createAward, voidAward } from "~/models/awards.server";
import { findings } from "~/models/compliance.server";
import { parseFiscalYear } from "~/domain/fiscal-year";
import { getDashboard, parseDashboardParams } from "~/models/dashboard.server";
import { saveDisposition } from "~/models/findings.server";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
const AS_OF = "2025-06-30";
const FY = 2025;
let adminId = 0;
let vaId = 0;

const dashboard = (query = `fy=${FY}`) => {
  const params = new URLSearchParams(query);
  return getDashboard(t.db, { kind: "all" }, parseDashboardParams(params, parseFiscalYear(params.get("fy")) ?? undefined), { asOf: AS_OF });
};

/** Reads twice, so the memo holds the current state before the write under test. */
async function warm(query?: string) {
  const first = await dashboard(query);
  expect(await dashboard(query)).toEqual(first);
  return first;
}

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: AS_OF });
  adminId = (await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow()).id;
  vaId = (await t.db.selectFrom("centers").select("id").where("code", "=", "VA").executeTakeFirstOrThrow()).id;
});

describe("dashboard figures after a write", () => {
  it("an assessment change moves the center's score and area cell on the next view", async () => {
    const before = await warm();
    const va = before.rows.find((r) => r.code === "VA")!;
    const row = await t.db
      .selectFrom("assessments")
      .select(["status", "version"])
      .where("center_id", "=", vaId)
      .where("fiscal_year", "=", FY)
      .where("capability_id", "=", "I.A")
      .executeTakeFirstOrThrow();
    const next = row.status === "achieved" ? "not_achieved" : "achieved";
    const r = await saveAssessments(t.db, {
      centerId: vaId,
      fiscalYear: FY,
      userId: adminId,
      rows: [{ index: 0, capabilityId: "I.A", status: next, evidence: "", estCostCents: null, version: row.version }],
    });
    expect(r.ok).toBe(true);
    const after = (await dashboard()).rows.find((r) => r.code === "VA")!;
    // I.A is the only leaf of area I.A: 100 when achieved, 0 when not.
    expect(after.areas["I.A"]).toBe(next === "achieved" ? 100 : 0);
    expect(after.areas["I.A"]).not.toBe(va.areas["I.A"]);
    expect(after.gaps).toBe(va.gaps! + (next === "achieved" ? -1 : 1));
  });

  it("a new award adds its amount to the year's tiles, the center's federal funds and the funding chart; voiding it takes it away", async () => {
    const before = await warm();
    const created = await createAward(t.db, adminId, {
      awardNumber: "TEST-MEMO-25",
      centerId: vaId,
      programCode: "SHSP",
      fiscalYear: FY,
      amountCents: 123_456_78,
      popStart: "2024-10-01",
      popEnd: null,
    });
    expect(created.ok).toBe(true);
    const after = await dashboard();
    expect(after.tiles.totalCents - before.tiles.totalCents).toBe(123_456_78);
    expect(after.tiles.dhsCents - before.tiles.dhsCents).toBe(123_456_78);
    const federal = (d: typeof before) => d.rows.find((r) => r.code === "VA")!.federalCents;
    expect(federal(after) - federal(before)).toBe(123_456_78);
    const dhsOf = (d: typeof before) => d.funding.find((f) => f.fiscalYear === FY)!.DHS;
    expect(dhsOf(after) - dhsOf(before)).toBe(123_456_78);

    await warm();
    const award = await t.db.selectFrom("awards").select(["id", "version"]).where("award_number", "=", "TEST-MEMO-25").executeTakeFirstOrThrow();
    const voided = await voidAward(t.db, adminId, award.id, award.version, "entered twice");
    expect(voided.ok).toBe(true);
    expect((await dashboard()).tiles).toEqual(before.tiles);
  });

  it("resolving a violation lowers the open-violations tile at once (a response moves the change counter)", async () => {
    const before = await warm();
    const violation = (await findings(t.db, { asOf: AS_OF, fiscalYear: FY })).findings.find((f) => f.severity === "violation" && !f.response);
    expect(violation, "the demo plants violations in FY2025").toBeTruthy();
    const saved = await saveDisposition(t.db, adminId, {
      key: findingKeyParts(violation!),
      version: 0,
      disposition: "resolved",
      note: "fixed",
      firesNow: true,
    });
    expect(saved.ok).toBe(true);
    expect((await dashboard()).tiles.openViolations).toBe(before.tiles.openViolations - 1);
  });

  it("a program filter and another year are their own entries", async () => {
    const all = await warm();
    const shsp = await warm(`fy=${FY}&program=SHSP`);
    expect(shsp.tiles.totalCents).toBeLessThan(all.tiles.totalCents);
    const older = await warm(`fy=${FY - 1}`);
    expect(older.fiscalYear).toBe(FY - 1);
    expect(older.tiles.totalCents).not.toBe(all.tiles.totalCents);
  });
});
