import { describe, expect, it } from "vitest";
import { sql } from "kysely";
import { migrateToLatest } from "../db/migrate";
import { runImport } from "~/import/runner.server";
import { createAward } from "~/models/awards.server";
import { runPendingRepairs } from "~/models/repairs.server";
import { useTestDatabase } from "./helpers/db";

/**
 * Reporting obligations (BSIR, SF-425, PMT, final) follow an award however it is created: on the
 * form or from a file, and a database that already holds imported awards without them is repaired
 * once, after migrating.
 */
const t = useTestDatabase();

const csv = (text: string) => ({ fileName: "f.csv", buffer: Buffer.from(text) });

async function obligationsOf(awardNumber: string) {
  return t.db
    .selectFrom("reporting_obligations")
    .innerJoin("awards", "awards.id", "reporting_obligations.award_id")
    .select(["reporting_obligations.report", "reporting_obligations.period_start", "reporting_obligations.period_end", "reporting_obligations.due"])
    .where("awards.award_number", "=", awardNumber)
    .orderBy("reporting_obligations.due")
    .orderBy("reporting_obligations.report")
    .execute();
}

async function formAward(number: string, program: string, popStart: string, popEnd: string) {
  const center = await t.db.selectFrom("centers").select("id").where("code", "=", "OB-1").executeTakeFirstOrThrow();
  const r = await createAward(t.db, null as unknown as number, {
    awardNumber: number,
    centerId: center.id,
    programCode: program,
    fiscalYear: 2025,
    amountCents: 100_000_00,
    popStart,
    popEnd,
  });
  expect(r.ok).toBe(true);
}

describe("obligations of imported awards", () => {
  it("an imported award has the same obligations as the same award entered on the form", async () => {
    expect((await runImport(t.db, csv("code,name,state,kind\nOB-1,Obligations Center,VA,state\n"), { dryRun: false, user: null })).committed).toBe(true);
    await formAward("FORM-SHSP", "SHSP", "2024-09-01", "2027-08-31");
    await formAward("FORM-JAG", "JAG", "2024-10-01", "2028-09-30");
    const r = await runImport(
      t.db,
      csv(
        "award_number,center,program,fiscal_year,amount,pop_start,pop_end\n" +
          "FILE-SHSP,OB-1,SHSP,2025,100000,2024-09-01,2027-08-31\n" +
          "FILE-JAG,OB-1,JAG,2025,100000,2024-10-01,2028-09-30\n",
      ),
      { dryRun: false, user: null },
    );
    expect(r.committed).toBe(true);
    for (const program of ["SHSP", "JAG"]) {
      const fromForm = await obligationsOf(`FORM-${program}`);
      expect(fromForm.length).toBeGreaterThan(4);
      expect(await obligationsOf(`FILE-${program}`)).toEqual(fromForm);
    }
  });

  it("re-importing an award with a longer period moves its obligations as an amendment would", async () => {
    await formAward("FORM-LONG", "SHSP", "2024-09-01", "2028-08-31");
    const r = await runImport(
      t.db,
      csv("award_number,center,program,fiscal_year,amount,pop_start,pop_end\nFILE-SHSP,OB-1,SHSP,2025,100000,2024-09-01,2028-08-31\n"),
      { dryRun: false, user: null },
    );
    expect(r).toMatchObject({ committed: true, changed: 1 });
    expect(await obligationsOf("FILE-SHSP")).toEqual(await obligationsOf("FORM-LONG"));
  });

  it("a dry run writes no obligations", async () => {
    const r = await runImport(
      t.db,
      csv("award_number,center,program,fiscal_year,amount,pop_start,pop_end\nFILE-DRY,OB-1,SHSP,2025,100000,2024-09-01,2027-08-31\n"),
      { dryRun: true, user: null },
    );
    expect(r).toMatchObject({ ok: true, added: 1, committed: false });
    expect(await obligationsOf("FILE-DRY")).toEqual([]);
  });

  it("the repair run after migrating gives awards imported without obligations their schedule, once", async () => {
    // As an import before this fix left them: an award row and no obligations.
    const center = await t.db.selectFrom("centers").select("id").where("code", "=", "OB-1").executeTakeFirstOrThrow();
    await t.db
      .insertInto("awards")
      .values({
        award_number: "OLD-IMPORT",
        center_id: center.id,
        program_code: "SHSP",
        fiscal_year: 2025,
        amount_cents: 100_000_00,
        pop_start: "2024-09-01",
        pop_end: "2027-08-31",
        match_required_cents: 0,
        created_at: "2025-01-01T00:00:00.000Z",
      })
      .execute();
    expect(await obligationsOf("OLD-IMPORT")).toEqual([]);
    // A database from before migration 0010: migrating leaves the repair pending; the start-up (server or command line) runs it.
    await t.db.deleteFrom("schema_migrations" as never).where("name" as never, "=", "0010_pending_repairs" as never).execute();
    await sql`drop table pending_repairs`.execute(t.db);
    expect(await migrateToLatest(t.db)).toEqual(["0010_pending_repairs"]);
    expect(await runPendingRepairs(t.db)).toEqual(["obligations"]);
    expect(await obligationsOf("OLD-IMPORT")).toEqual(await obligationsOf("FORM-SHSP"));
    expect(await runPendingRepairs(t.db)).toEqual([]);
    const audit = await t.db.selectFrom("audit_log").select(["action", "entity", "entity_id"]).where("action", "=", "repair").execute();
    expect(audit).toEqual([{ action: "repair", entity: "database", entity_id: "obligations" }]);
  });
});
