import { describe, expect, it } from "vitest";
import { runImport } from "~/import/runner.server";
import { addSpending } from "~/models/budget.server";
import { addSpendingSchema, newAwardSchema } from "~/schemas/grants";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();

/**
 * One set of date rules for forms and imports: whatever the payment or award form accepts, the
 * importer accepts too, so a center's own export always imports again (and the reverse).
 */
/** The importer's verdict on a payment date (a dry run; the line does not exist, so only the date's own error counts). */
async function importedDate(date: string): Promise<{ ok: true; date: string } | { ok: false; message: string }> {
  const file = `spend_id,line_id,date,amount,description\nS-1,L-1,${date},1.00,x\n`;
  const r = await runImport(t.db, { fileName: "s.csv", buffer: Buffer.from(file) }, { dryRun: true, user: null });
  const dateError = r.errors.find((e) => e.column === "date");
  if (dateError) return { ok: false, message: dateError.message };
  expect(r.errors).toEqual([{ row: 2, column: "line_id", message: 'Unknown budget line "L-1"' }]);
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : new Date(`${date} UTC`).toISOString().slice(0, 10);
  return { ok: true, date: iso };
}

function formDate(date: string): { ok: true; date: string } | { ok: false; message: string } {
  const r = addSpendingSchema.safeParse({ intent: "add-spending", line: "L-1", date, amount: "1.00", description: "x" });
  return r.success ? { ok: true, date: r.data.date } : { ok: false, message: r.error.issues[0].message };
}

describe("payment dates", () => {
  it.each(["1970-01-01", "2101-01-01", "1999-09-30", "2100-10-01"])("%s is refused by the form exactly as by the importer", async (date) => {
    const form = formDate(date);
    expect(form.ok).toBe(false);
    expect(form).toEqual(await importedDate(date));
  });

  it.each(["1999-10-01", "2100-09-30", "2025-02-28", "02/28/2025"])("%s is accepted by both, as the same day", async (date) => {
    const form = formDate(date);
    expect(form.ok).toBe(true);
    expect(form).toEqual(await importedDate(date));
  });

  it("an award's period follows the same rule on the form", () => {
    const r = newAwardSchema.safeParse({
      awardNumber: "A-1",
      center: "VA",
      program: "SHSP",
      fiscalYear: 2025,
      amount: "100.00",
      popStart: "1970-01-01",
      popEnd: "2026-09-30",
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message)).toContain(
      "1970-01-01 falls in FY1970, outside the fiscal years 2000 to 2100 (1999-10-01 to 2100-09-30)",
    );
  });
});

describe("closed reporting periods", () => {
  it("a payment dated in a closed period is refused by the form in the importer's words", async () => {
    const file = (text: string) => ({ fileName: "f.csv", buffer: Buffer.from(text) });
    const imported = async (text: string) => runImport(t.db, file(text), { dryRun: false, user: null });
    expect((await imported("code,name,state,kind\nCP-1,Closed Periods,VA,state\n")).committed).toBe(true);
    expect((await imported("award_number,center,program,fiscal_year,amount,pop_start,pop_end\nCP-AWARD,CP-1,JAG,2025,1000,2024-10-01,2027-09-30\n")).committed).toBe(true);
    expect((await imported("line_id,award_number,capability,poete,cost_category,amount,description\nCP-L1,CP-AWARD,,planning,personnel,500,x\n")).committed).toBe(true);
    const award = await t.db.selectFrom("awards").select("id").where("award_number", "=", "CP-AWARD").executeTakeFirstOrThrow();
    await t.db.insertInto("closed_periods").values({ award_id: award.id, period_start: "2024-10-01", period_end: "2024-12-31", closed_by: null, closed_at: "2025-01-15T00:00:00.000Z", reopened_by: null, reopened_at: null }).execute();

    const form = await addSpending(t.db, null as unknown as number, award.id, "CP-L1", { date: "2024-11-15", amountCents: 100, description: "x" });
    const fromFile = await runImport(t.db, file("spend_id,line_id,date,amount,description\nCP-S1,CP-L1,2024-11-15,1.00,x\n"), { dryRun: true, user: null });
    expect(fromFile.errors).toHaveLength(1);
    expect(form).toEqual({ ok: false, kind: "refused", field: "date", message: fromFile.errors[0].message });
  });
});
