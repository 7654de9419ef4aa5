/**
 * `audit verify` against direct edits of rows written in bulk (docs/decisions/022-audit-seals.md):
 * imported and demo-loaded rows are sealed under their batch's audit row, so an edit, a deletion or a
 * row inserted behind the application is named like an edit of a row written through a form.
 */
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { runImport } from "~/import/runner.server";
import { loadDemo } from "~/demo/load.server";
import { freshDatabase } from "./helpers/db";
import { testingPostgres } from "./helpers/pg";
import { tamper } from "./helpers/tamper";
import { runCli } from "./reliability/harness";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const verify = (file: string) => runCli(["audit", "verify"], file);

/** What someone with direct access to the database does: a statement behind the application's back. */
async function raw(file: string, statement: string): Promise<void> {
  await tamper(file, ({ db }) => sql.raw(statement).execute(db));
}

/** The head line of a passing verify: the file beside a SQLite database; none on PostgreSQL (docs/decisions/026-postgresql-writers.md). */
const HEAD_LINE = testingPostgres() ? "none kept on PostgreSQL \\(no head file\\); the log ends at row \\d+" : "row \\d+ as recorded in .*";

async function importCsv(db: Parameters<typeof runImport>[0], type: "awards" | "budget_lines" | "spending", csv: string) {
  const r = await runImport(db, { fileName: `${type}.csv`, buffer: Buffer.from(csv) }, { type, dryRun: false, user: null });
  if (!r.committed) throw new Error(JSON.stringify(r.errors.slice(0, 3)) + (r.fileError ?? ""));
  return r;
}

/** An award, two lines and three payments, all written by imports (one batch row each, no row images). */
async function imported() {
  const t = freshDatabase();
  cleanups.push(t.close);
  await t.db.insertInto("centers").values({ code: "VA", name: "Virginia Fusion Center", state: "VA", kind: "state", created_at: "2024-01-01" }).execute();
  await importCsv(t.db, "awards", "award_number,center,program,fiscal_year,amount,pop_start,pop_end\n2024-VA-SHSP-001,VA,SHSP,2024,500000.00,2023-10-01,2026-09-30\n");
  await importCsv(
    t.db,
    "budget_lines",
    "line_id,award_number,capability,poete,cost_category,amount,description\nBL-1,2024-VA-SHSP-001,,equipment,equipment,100000.00,Radios\nBL-2,2024-VA-SHSP-001,,training,travel,20000.00,Travel\n",
  );
  await importCsv(t.db, "spending", "spend_id,line_id,date,amount,description\nSP-1,BL-1,2024-02-01,12500.00,Radios\nSP-2,BL-1,2024-03-01,2500.00,Radios\nSP-3,BL-2,2024-03-01,900.00,Flights\n");
  return t;
}

describe("audit verify checks rows written by imports", () => {
  it("passes the imported rows as they were written, and says it compared them with their seals", async () => {
    const t = await imported();
    const r = await verify(t.file);
    expect(r.out).toMatch(
      new RegExp(
        `^ok \\d+ rows\n {2}head: ${HEAD_LINE}\n {2}records: 0 match their latest after-image, 6 the seal of the batch that wrote them; 0 last written by an import from before seals \\(not compared\\); totals match their rows\n$`,
      ),
    );
    expect(r.code).toBe(0);
  });

  it("names the imported payment whose amount was edited in the database file", async () => {
    const t = await imported();
    await raw(t.file, "update spending set amount_cents = 100 where spend_id = 'SP-2'");
    const r = await verify(t.file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^spending SP-2 \(spending id \d+\) amount_cents is \$1\.00 in the database, not the value sealed by audit row \d+\n$/);
  });

  it("names the imported award whose amount was edited in the database file", async () => {
    const t = await imported();
    await raw(t.file, "update awards set amount_cents = 900000000 where award_number = '2024-VA-SHSP-001'");
    const r = await verify(t.file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^award 2024-VA-SHSP-001 \(awards id \d+\) amount_cents is \$9,000,000\.00 in the database, not the value sealed by audit row \d+\n$/);
  });

  it("names a payment inserted by hand, which no audit row accounts for", async () => {
    const t = await imported();
    await raw(t.file, "insert into spending (spend_id, budget_line_id, date, amount_cents, description, created_at) select 'SP-X', id, '2024-04-01', 5000, 'cash', '2024-04-01' from budget_lines where line_id = 'BL-2'");
    const r = await verify(t.file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^spending SP-X \(spending id \d+\) is in the database but no audit row or seal accounts for it/);
  });

  it("names a total kept by triggers that was edited in the database file", async () => {
    const t = await imported();
    await raw(t.file, "update budget_lines set spent_cents = 0 where line_id = 'BL-2'");
    const r = await verify(t.file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^budget line BL-2 \(budget_lines id \d+\) spent_cents is \$0\.00 but its payments add up to \$900\.00\n$/);
  });

  it("notices a seal deleted to hide an edit", async () => {
    const t = await imported();
    await tamper(t.file, async ({ db }) => {
      await sql`update spending set amount_cents = 100 where spend_id = 'SP-2'`.execute(db);
      await sql`delete from audit_seals where entity = 'spending' and entity_id = (select cast(id as text) from spending where spend_id = 'SP-2')`.execute(db);
    });
    const r = await verify(t.file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^spending SP-2 \(spending id \d+\) was written by import batch \d+, which sealed its rows, but has no seal \(1 more records disagree\)\n$/);
  });

  it("an edit through the application after the import is compared with its after-image instead", async () => {
    const t = await imported();
    const { editSpending } = await import("~/models/budget.server");
    const pay = await t.db.selectFrom("spending").innerJoin("budget_lines", "budget_lines.id", "spending.budget_line_id").select(["spending.spend_id", "spending.version", "budget_lines.award_id"]).where("spend_id", "=", "SP-1").executeTakeFirstOrThrow();
    const edited = await editSpending(t.db, 1, pay.award_id, pay.spend_id, pay.version, { date: "2024-02-01", amountCents: 12_600_00, description: "Radios" });
    expect(edited.ok).toBe(true);
    expect((await verify(t.file)).code).toBe(0);
    await raw(t.file, "update spending set amount_cents = 100 where spend_id = 'SP-1'");
    expect((await verify(t.file)).out).toMatch(/^spending SP-1 \(spending id \d+\) amount_cents is \$1\.00 in the database but \$12,600\.00 in audit row \d+/);
  });
});

describe("audit verify checks the demo network", () => {
  // Each test loads the demo (every row sealed) and verifies it: half a minute on PostgreSQL on a shared machine.
  const DEMO_TIMEOUT = 120_000;

  async function demo() {
    const t = freshDatabase();
    cleanups.push(t.close);
    await loadDemo(t.db, { referenceDate: "2025-06-30" });
    return t;
  }

  it("passes a freshly loaded demo database, then one with an import on top", async () => {
    const t = await demo();
    const first = await verify(t.file);
    expect(first.out).toMatch(/^ok \d+ rows\n/);
    expect(first.code).toBe(0);
    const line = await t.db.selectFrom("budget_lines").select(["line_id"]).where((eb) => eb("amount_cents", ">", eb.ref("spent_cents"))).where("voided_at", "is", null).orderBy("id").executeTakeFirstOrThrow();
    await importCsv(t.db, "spending", `spend_id,line_id,date,amount,description\nSP-NEW-1,${line.line_id},2025-01-15,0.01,Postage\n`);
    const second = await verify(t.file);
    expect(second.out).toMatch(/^ok \d+ rows\n/);
    expect(second.code).toBe(0);
  }, DEMO_TIMEOUT);

  it("names a demo-loaded budget line deleted from the database file", async () => {
    const t = await demo();
    const line = await t.db.selectFrom("budget_lines").select(["id", "line_id"]).orderBy("id", "desc").executeTakeFirstOrThrow();
    await tamper(t.file, async ({ db, foreignKeysOff }) => {
      await foreignKeysOff();
      await sql`delete from budget_lines where id = ${line.id}`.execute(db);
    });
    const r = await verify(t.file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`^budget_line ${line.id} \\(budget_lines\\) is missing from the database \\(sealed by audit row \\d+\\)`));
  }, DEMO_TIMEOUT);
});
