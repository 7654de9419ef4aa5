import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { centsToDecimal } from "~/domain/money";
import { voidSpending } from "~/models/budget.server";
import { loader as reportLoader } from "~/routes/awards.$number_.report";
import { loader as csvLoader } from "~/routes/awards.$number_.report[.]csv";
import { loader as xlsxLoader } from "~/routes/awards.$number_.report[.]xlsx";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
let awardNumber = "";
let awardId = 0;

async function call(loader: (args: any) => Promise<unknown>, suffix: string, who: string | null, number = awardNumber): Promise<any> {
  const cookie = who ? await cookieFor(t.db, who) : undefined;
  return run(loader, request(`/awards/${encodeURIComponent(number)}/report${suffix}`, { cookie }), { number });
}

/** Rows of one section of the report CSV: [header, ...rows, totals]. */
function section(rows: string[][], title: string): string[][] {
  const start = rows.findIndex((r) => r.length === 1 && r[0] === title);
  expect(start, `section ${title}`).toBeGreaterThanOrEqual(0);
  const end = rows.findIndex((r, i) => i > start && r.length === 1 && r[0] === "");
  return rows.slice(start + 1, end === -1 ? undefined : end);
}

async function sqlFigures() {
  const lines = await sql<{ budgeted: number; n: number }>`
    select sum(amount_cents) as budgeted, count(*) as n from budget_lines where award_id = ${awardId} and voided_at is null`.execute(t.db);
  const spent = await sql<{ spent: number; n: number }>`
    select coalesce(sum(s.amount_cents), 0) as spent, count(*) as n from spending s join budget_lines b on b.id = s.budget_line_id
    where b.award_id = ${awardId} and s.voided_at is null and b.voided_at is null`.execute(t.db);
  return { budgeted: Number(lines.rows[0].budgeted), lines: Number(lines.rows[0].n), spent: Number(spent.rows[0].spent), payments: Number(spent.rows[0].n) };
}

describe("award report", () => {
  beforeAll(async () => {
    const summary = await loadDemo(t.db, { referenceDate: "2025-06-30" });
    // The planted award with a payment after its period of performance: it carries a finding.
    awardNumber = summary.planted["OUTSIDE-POP"];
    awardId = (await t.db.selectFrom("awards").select("id").where("award_number", "=", awardNumber).executeTakeFirstOrThrow()).id;
  });

  it("shows budget vs spent per line and per POETE area, totalled as SQL over the live rows", async () => {
    const r = await call(reportLoader, "", "demo-auditor");
    const f = await sqlFigures();
    expect(r.award.award_number).toBe(awardNumber);
    expect(r.lineTotals).toMatchObject({ budgetedCents: f.budgeted, spentCents: f.spent, remainingCents: f.budgeted - f.spent, lines: f.lines });
    expect(r.poeteTotals).toEqual(r.lineTotals);
    expect(r.figures).toMatchObject({ budgetedCents: f.budgeted, spentCents: f.spent });
    expect(r.spendingTotals).toEqual({ payments: f.payments, amountCents: f.spent });
    const byPoete = await sql<{ poete: string; budgeted: number }>`
      select poete, sum(amount_cents) as budgeted from budget_lines where award_id = ${awardId} and voided_at is null group by poete`.execute(t.db);
    for (const row of byPoete.rows) expect(r.poete.find((p: any) => p.poete === row.poete).budgetedCents, row.poete).toBe(Number(row.budgeted));
  });

  it("lists the award's findings with their responses", async () => {
    const before = await call(reportLoader, "", "demo-auditor");
    const outside = before.findings.find((x: any) => x.rule === "OUTSIDE-POP");
    expect(outside).toBeDefined();
    expect(outside.response).toBeNull();
    await t.db
      .insertInto("finding_responses")
      .values({
        rule: "OUTSIDE-POP",
        center_code: outside.centerCode,
        award_number: awardNumber,
        fiscal_year: outside.fiscalYear,
        capability_id: "",
        response: "Invoice re-dated; vendor refund requested",
        disposition: "accepted",
        auditor_note: "Refund to be verified at close-out",
        updated_at: "2025-07-01T10:00:00.000Z",
      })
      .execute();
    const after = await call(reportLoader, "", "demo-auditor");
    expect(after.findings.find((x: any) => x.rule === "OUTSIDE-POP").response).toMatchObject({
      response: "Invoice re-dated; vendor refund requested",
      disposition: "accepted",
      auditorNote: "Refund to be verified at close-out",
    });
  });

  it("keeps a voided payment in the list, out of the totals, and in the audit history", async () => {
    const before = await call(reportLoader, "", "demo-auditor");
    const payment = before.spending.find((s: any) => !s.voided);
    const row = await t.db.selectFrom("spending").select(["version"]).where("spend_id", "=", payment.spendId).executeTakeFirstOrThrow();
    const admin = await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
    const res = await voidSpending(t.db, admin.id, awardId, payment.spendId, row.version, "Duplicate invoice");
    expect(res.ok).toBe(true);

    const after = await call(reportLoader, "", "demo-auditor");
    expect(after.spending).toHaveLength(before.spending.length);
    expect(after.spending.find((s: any) => s.spendId === payment.spendId)).toMatchObject({ voided: true, voidReason: "Duplicate invoice" });
    expect(after.spendingTotals.amountCents).toBe(before.spendingTotals.amountCents - payment.amountCents);
    expect(after.lineTotals.spentCents).toBe(before.lineTotals.spentCents - payment.amountCents);
    expect((await sqlFigures()).spent).toBe(after.lineTotals.spentCents);
    expect(after.history[0]).toMatchObject({ action: "void", entity: "spending", username: "demo-admin" });
  });

  it("exports CSV whose totals equal the page's totals", async () => {
    const page = await call(reportLoader, "", "demo-auditor");
    const res = (await call(csvLoader, ".csv", "demo-auditor")) as Response;
    expect(res.headers.get("Content-Type")).toContain("text/csv");
    expect(res.headers.get("Content-Disposition")).toContain(`award-report-${awardNumber}.csv`);
    const rows: string[][] = parse(await res.text(), { bom: true, relax_column_count: true });

    const lines = section(rows, "Budget lines");
    expect(lines[0]).toEqual(["Line", "Capability", "POETE area", "Cost category", "Description", "Budgeted", "Spent", "Remaining", "Status"]);
    expect(lines).toHaveLength(1 + page.lines.length + 1);
    const lineTotal = lines[lines.length - 1];
    expect(lineTotal.slice(5, 8)).toEqual([
      centsToDecimal(page.lineTotals.budgetedCents),
      centsToDecimal(page.lineTotals.spentCents),
      centsToDecimal(page.lineTotals.remainingCents),
    ]);
    const poete = section(rows, "POETE areas");
    expect(poete[poete.length - 1].slice(2)).toEqual([
      centsToDecimal(page.poeteTotals.budgetedCents),
      centsToDecimal(page.poeteTotals.spentCents),
      centsToDecimal(page.poeteTotals.remainingCents),
    ]);
    const spending = section(rows, "Spending");
    expect(spending).toHaveLength(1 + page.spending.length + 1);
    expect(spending[spending.length - 1][4]).toBe(centsToDecimal(page.spendingTotals.amountCents));
    // The voided payment is listed but not added up.
    expect(spending.some((r) => r[5]?.startsWith("voided"))).toBe(true);
    const award = section(rows, "Award");
    expect(award.find((r) => r[0] === "Award amount")![1]).toBe(centsToDecimal(page.figures.amountCents));
    const findings = section(rows, "Findings");
    expect(findings.length).toBe(1 + page.findings.length + page.noLongerApplies.length + 1);
    expect(section(rows, "Audit history").length).toBe(1 + page.history.length + 1);
  });

  it("exports XLSX with one sheet per section and money as numbers in a currency format", async () => {
    const page = await call(reportLoader, "", "demo-auditor");
    const res = (await call(xlsxLoader, ".xlsx", "demo-auditor")) as Response;
    expect(res.headers.get("Content-Type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await res.arrayBuffer()) as any);
    expect(book.worksheets.map((s) => s.name)).toEqual(["Award", "Budget lines", "POETE areas", "Spending", "Findings", "Audit history"]);
    const lines = book.getWorksheet("Budget lines")!;
    expect(lines.rowCount).toBe(1 + page.lines.length + 1);
    const total = lines.getRow(lines.rowCount);
    expect(total.getCell(6).value).toBe(page.lineTotals.budgetedCents / 100);
    expect(total.getCell(7).value).toBe(page.lineTotals.spentCents / 100);
    expect(total.getCell(6).numFmt).toContain("$");
    expect(total.font?.bold).toBe(true);
    const spending = book.getWorksheet("Spending")!;
    expect(spending.getRow(spending.rowCount).getCell(5).value).toBe(page.spendingTotals.amountCents / 100);
  });

  it("is refused outside the reader's states and answers 404 for an unknown award", async () => {
    // MD is outside VA and TX, the demo state official's states.
    const md = await t.db
      .selectFrom("awards")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select("awards.award_number")
      .where("centers.code", "=", "MD")
      .executeTakeFirstOrThrow();
    for (const loader of [reportLoader, csvLoader, xlsxLoader]) {
      const res = (await call(loader, "", "demo-state", md.award_number)) as Response;
      expect(res.status).toBe(403);
    }
    const va = await t.db
      .selectFrom("awards")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select("awards.award_number")
      .where("centers.code", "=", "VA")
      .executeTakeFirstOrThrow();
    const own = await call(reportLoader, "", "demo-director", va.award_number);
    expect(own.award.center_code).toBe("VA");
    expect(((await call(reportLoader, "", "demo-admin", "NO-SUCH-AWARD")) as Response).status).toBe(404);
    expect(((await call(reportLoader, "", null)) as Response).status).toBe(302);
  });
});
