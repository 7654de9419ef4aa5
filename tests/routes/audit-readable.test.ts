/**
 * The audit log for people: records named as users know them, labelled changes with readable values,
 * filters by center, award, user, action and dates (query string, no JavaScript needed), and a CSV
 * of the filtered entries for the same readers as the page.
 */
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { recordAudit } from "~/models/audit.server";
import { createAward } from "~/models/awards.server";
import { addBudgetLine, addSpending } from "~/models/budget.server";
import { findUserByUsername } from "~/models/users.server";
import { loader } from "~/routes/audit";
import { loader as csvLoader } from "~/routes/audit[.]csv";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
let auditor: string;
let directorId: number;
let vaId: number;
let mdId: number;
let spendId: string;
let lineId: string;
let assessmentId: number;

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  auditor = await cookieFor(t.db, "demo-auditor");
  directorId = (await findUserByUsername(t.db, "demo-director"))!.id;
  const centers = await t.db.selectFrom("centers").select(["id", "code"]).where("code", "in", ["VA", "MD"]).execute();
  vaId = centers.find((c) => c.code === "VA")!.id;
  mdId = centers.find((c) => c.code === "MD")!.id;
  const award = (number: string, centerId: number) =>
    createAward(t.db, directorId, { awardNumber: number, centerId, programCode: "SHSP", fiscalYear: 2026, amountCents: 250_000_00, popStart: "2025-10-01", popEnd: "2028-09-30" });
  const va = await award("2026-VA-AUDIT-1", vaId);
  const md = await award("2026-MD-AUDIT-1", mdId);
  if (!va.ok || !md.ok) throw new Error("award not created");
  const line = await addBudgetLine(t.db, directorId, va.value.id, { capabilityId: null, poete: "training", costCategory: "ma", amountCents: 10_000_00, description: "Analyst course" });
  if (!line.ok) throw new Error("line not created");
  lineId = line.value.line_id;
  const pay = await addSpending(t.db, directorId, va.value.id, lineId, { date: "2025-11-03", amountCents: 1_234_56, description: "Course fee" });
  if (!pay.ok) throw new Error("payment not created");
  spendId = pay.value.spend_id;
  const a = await t.db.selectFrom("assessments").select("id").where("center_id", "=", vaId).orderBy("id").executeTakeFirstOrThrow();
  assessmentId = a.id;
  await t.db.transaction().execute((trx) =>
    recordAudit(trx, { userId: directorId, action: "update", entity: "assessment", entityId: assessmentId, before: { status: "not_achieved" }, after: { status: "partial" } }),
  );
});

const page = async (query = "") => (await run(loader, request(`/audit${query}`, { cookie: auditor }))) as any;
const csv = async (query = "", cookie = auditor) => (await run(csvLoader, request(`/audit.csv${query}`, { cookie }))) as Response;

describe("readable audit entries", () => {
  it("names each record as users know it, not by database id", async () => {
    const rows = (await page("?center=VA")).rows;
    const payment = rows.find((r: any) => r.entity === "spending");
    expect(payment.record).toBe(`Payment ${spendId} on line ${lineId}, award 2026-VA-AUDIT-1`);
    expect(rows.find((r: any) => r.entity === "budget_line").record).toBe(`Budget line ${lineId} (Analyst course), award 2026-VA-AUDIT-1`);
    expect(rows.find((r: any) => r.entity === "award").record).toBe("Award 2026-VA-AUDIT-1");
  });

  it("shows changed fields with labels, money in dollars, centers by code and codes as words", async () => {
    const rows = (await page("?award=2026-VA-AUDIT-1")).rows;
    const award = rows.find((r: any) => r.entity === "award");
    expect(award.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ label: "Center", after: "VA" }),
        expect.objectContaining({ label: "Amount", after: "$250,000.00" }),
        expect.objectContaining({ label: "Period end", after: "2028-09-30" }),
      ]),
    );
    expect(award.changes.map((c: any) => c.label)).not.toContain("Version");
    const line = rows.find((r: any) => r.entity === "budget_line");
    expect(line.changes).toEqual(expect.arrayContaining([expect.objectContaining({ label: "Cost category", after: "M&A" }), expect.objectContaining({ label: "Award", after: "2026-VA-AUDIT-1" })]));
    const status = (await page("?entity=assessment&action=update")).rows[0];
    expect(status.changes).toEqual([{ field: "status", label: "Status", before: "Not achieved", after: "Partial" }]);
  });
});

describe("filters", () => {
  it("by center: that center's awards, lines, payments and assessments only", async () => {
    const va = (await page("?center=VA")).rows;
    expect(va.map((r: any) => r.record)).toEqual(expect.arrayContaining(["Award 2026-VA-AUDIT-1"]));
    expect(va.some((r: any) => r.record.includes("MD"))).toBe(false);
    expect(va.some((r: any) => r.entity === "assessment")).toBe(true);
    const md = (await page("?center=md")).rows;
    expect(md.map((r: any) => r.record)).toEqual(["Award 2026-MD-AUDIT-1"]);
  });

  it("by award, action and user, combined", async () => {
    const rows = (await page(`?award=2026-VA-AUDIT-1&action=create&user=${directorId}`)).rows;
    expect(rows.map((r: any) => r.entity).sort()).toEqual(["award", "budget_line", "spending"]);
    expect((await page("?award=2026-VA-AUDIT-1&action=void")).rows).toEqual([]);
  });

  it("says which center or award it does not know, next to the field, keeping what was typed", async () => {
    const r = await page("?center=ZZ&award=NOPE-1");
    expect(r.errors).toMatchObject({ center: "No center has the code ZZ.", award: "No award is numbered NOPE-1." });
    expect(r.values).toMatchObject({ center: "ZZ", award: "NOPE-1" });
  });

  it("offers the actions present in the log, and the centers", async () => {
    const r = await page();
    expect(r.actions).toEqual(expect.arrayContaining(["create", "update", "import"]));
    expect(r.centers.map((c: any) => c.code)).toEqual(expect.arrayContaining(["VA", "MD"]));
  });
});

describe("CSV export", () => {
  it("exports the filtered entries with record names and labelled changes", async () => {
    const res = await csv("?center=VA&entity=spending");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("Content-Disposition")).toBe('attachment; filename="audit-log-VA.csv"');
    const rows = parse(await res.text(), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user: "demo-director", action: "Created", record_type: "Payment", record: `Payment ${spendId} on line ${lineId}, award 2026-VA-AUDIT-1` });
    expect(rows[0].changes).toContain("Amount: $1,234.56");
    expect(rows[0].changes).toContain(`Budget line: ${lineId}`);
  });

  it("refuses a bad filter with its message, and readers other than administrators and auditors", async () => {
    const bad = await csv("?from=2025-02-30");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('"2025-02-30" is not a real calendar date');
    for (const who of ["demo-director", "demo-state"]) expect((await csv("?center=VA", await cookieFor(t.db, who))).status).toBe(403);
  });
});
