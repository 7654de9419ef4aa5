import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { createAmendment } from "~/models/amendments.server";
import { addBudgetLine, addSpending, editSpending, voidSpending } from "~/models/budget.server";
import { centerAwardTotalsByYear } from "~/models/centers.server";
import { createPrimeAward } from "~/models/prime-awards.server";
import { action as awardAction, loader as awardLoader } from "~/routes/awards.$number";
import { action as newAwardAction } from "~/routes/awards.new";
import { loader as primeLoader } from "~/routes/prime-awards.$number";
import { loader as primeListLoader } from "~/routes/prime-awards._index";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
const cookies: Record<string, string> = {};
let adminId = 0;

const PRIME = "EMW-2023-SS-00012";

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  for (const u of ["demo-admin", "demo-director", "demo-auditor", "demo-state"]) cookies[u] = await cookieFor(t.db, u);
  adminId = (await t.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow()).id;
  const r = await createPrimeAward(t.db, adminId, {
    awardNumber: PRIME,
    recipient: "Virginia Department of Emergency Management",
    state: "VA",
    programs: ["SHSP", "UASI"],
    fiscalYear: 2023,
    amountCents: 1_000_000_00,
    popStart: "2023-09-01",
    popEnd: "2026-08-31",
    assistanceListing: "97.067",
  });
  expect(r.ok).toBe(true);
});

async function counts() {
  const r = await sql<{ awards: number; spending: number; audit: number }>`
    select (select count(*) from awards) as awards, (select count(*) from spending) as spending, (select max(id) from audit_log) as audit`.execute(t.db);
  return r.rows[0];
}

function newAward(form: Record<string, string>, who = "demo-director") {
  const body = { center: "VA", program: "SHSP", fiscalYear: "2024", popStart: "2023-10-01", popEnd: "2026-08-31", primeAward: PRIME, passThrough: "", ...form };
  return run(newAwardAction, request("/awards/new", { cookie: cookies[who], form: body })) as Promise<Response>;
}

async function fieldErrors(res: Response): Promise<Record<string, string[]>> {
  const body = (await res.json()) as { error?: Record<string, string[]>; result?: { error?: Record<string, string[]> } };
  return body.error ?? body.result?.error ?? {};
}

describe("a director entering a sub-award under an existing prime", () => {
  it("records the center's share with its prime and the prime's recipient as pass-through, audited", async () => {
    const res = await newAward({ awardNumber: "VA-SHSP-23-001", amount: "600,000.00" });
    expect(res.status, await res.clone().text()).toBe(303);
    const award = await t.db
      .selectFrom("awards")
      .innerJoin("prime_awards", "prime_awards.id", "awards.prime_award_id")
      .select(["awards.id", "awards.amount_cents", "awards.pass_through", "prime_awards.award_number as prime"])
      .where("awards.award_number", "=", "VA-SHSP-23-001")
      .executeTakeFirstOrThrow();
    expect(award).toMatchObject({ amount_cents: 600_000_00, pass_through: "Virginia Department of Emergency Management", prime: PRIME });
    const audit = await t.db.selectFrom("audit_log").select("after_json").where("entity", "=", "award").where("entity_id", "=", String(award.id)).executeTakeFirstOrThrow();
    expect(JSON.parse(audit.after_json!)).toMatchObject({ prime_award_id: expect.any(Number), pass_through: "Virginia Department of Emergency Management" });
  });

  it("refuses a program the prime does not fund, a period outside the prime's and an unknown prime, at their fields", async () => {
    const before = await counts();
    const jag = await newAward({ awardNumber: "VA-X-1", amount: "1.00", program: "JAG" });
    expect((await fieldErrors(jag)).program).toEqual(["Prime award EMW-2023-SS-00012 funds SHSP, UASI, not JAG"]);
    const late = await newAward({ awardNumber: "VA-X-2", amount: "1.00", popEnd: "2026-09-01" });
    expect((await fieldErrors(late)).popEnd?.[0]).toContain("ends 2026-09-01, after prime award EMW-2023-SS-00012's period (2023-09-01 to 2026-08-31)");
    const unknown = await newAward({ awardNumber: "VA-X-3", amount: "1.00", primeAward: "EMW-1999-XX-1" });
    expect((await fieldErrors(unknown)).primeAward?.[0]).toContain("Unknown prime award EMW-1999-XX-1");
    expect(await counts()).toEqual(before);
  });

  it("counts the share, not the prime, in the center's totals", async () => {
    const va = await t.db.selectFrom("centers").select("id").where("code", "=", "VA").executeTakeFirstOrThrow();
    const fy2024 = (await centerAwardTotalsByYear(t.db, va.id)).find((r) => r.fiscal_year === 2024)!;
    const others = await t.db
      .selectFrom("awards")
      .select((eb) => eb.fn.sum<number>("amount_cents").as("s"))
      .where("center_id", "=", va.id)
      .where("fiscal_year", "=", 2024)
      .where("voided_at", "is", null)
      .where("award_number", "<>", "VA-SHSP-23-001")
      .executeTakeFirstOrThrow();
    expect(fy2024.amount_cents).toBe(Number(others.s ?? 0) + 600_000_00);
  });

  it("lets the prime's sub-awards reach exactly the prime, and refuses one cent over with the figures, writing nothing", async () => {
    const before = await counts();
    const over = await newAward({ awardNumber: "VA-SHSP-23-002", amount: "400,000.01" });
    expect(over.status).toBe(400);
    expect((await fieldErrors(over)).amount).toEqual(["Sub-awards of EMW-2023-SS-00012 would total $1,000,000.01 of $1,000,000.00; $0.01 over"]);
    expect(await counts()).toEqual(before);
    const exact = await newAward({ awardNumber: "VA-SHSP-23-002", amount: "400,000.00" });
    expect(exact.status, await exact.clone().text()).toBe(303);
  });

  it("refuses an amendment that would take the prime's sub-awards over the prime", async () => {
    const award = await t.db.selectFrom("awards").select(["id", "version"]).where("award_number", "=", "VA-SHSP-23-002").executeTakeFirstOrThrow();
    const r = await createAmendment(t.db, adminId, award.id, { version: award.version, date: "2024-01-01", reason: "More money", amountCents: 400_000_01 });
    expect(r).toEqual({ ok: false, reason: "invalid", field: "amount", message: "Sub-awards of EMW-2023-SS-00012 would total $1,000,000.01 of $1,000,000.00; $0.01 over" });
  });

  it("has the database refuse an over-allocated sub-award that skips the model", async () => {
    const va = await t.db.selectFrom("centers").select("id").where("code", "=", "VA").executeTakeFirstOrThrow();
    const prime = await t.db.selectFrom("prime_awards").select("id").where("award_number", "=", PRIME).executeTakeFirstOrThrow();
    await expect(
      t.db
        .insertInto("awards")
        .values({ award_number: "RAW-1", center_id: va.id, program_code: "SHSP", fiscal_year: 2024, amount_cents: 1, pop_start: "2023-10-01", pop_end: "2024-09-30", prime_award_id: prime.id, created_at: "x" })
        .execute(),
    ).rejects.toThrow(/BASELINE_OVERALLOCATED/);
  });

  it("shows the prime on the award page, and names or clears it there", async () => {
    const page = (await run(awardLoader, request("/awards/VA-SHSP-23-002", { cookie: cookies["demo-director"] }), { number: "VA-SHSP-23-002" })) as any;
    expect(page.award.prime_award_number).toBe(PRIME);
    const post = (form: Record<string, string>) =>
      run(awardAction, request("/awards/VA-SHSP-23-002", { cookie: cookies["demo-director"], form }), { number: "VA-SHSP-23-002" }) as Promise<Response>;
    const cleared = await post({ intent: "set-prime", version: String(page.award.version), primeAward: "", passThrough: "" });
    expect(cleared.status).toBe(303);
    const after = await t.db.selectFrom("awards").select(["prime_award_id", "pass_through", "version"]).where("award_number", "=", "VA-SHSP-23-002").executeTakeFirstOrThrow();
    expect([after.prime_award_id, after.pass_through]).toEqual([null, null]);
    const again = await post({ intent: "set-prime", version: String(after.version), primeAward: PRIME.toLowerCase(), passThrough: "VDEM grants office" });
    expect(again.status, await again.clone().text()).toBe(303);
    const named = await t.db.selectFrom("awards").select(["prime_award_id", "pass_through"]).where("award_number", "=", "VA-SHSP-23-002").executeTakeFirstOrThrow();
    expect(named.pass_through).toBe("VDEM grants office");
    expect(named.prime_award_id).not.toBeNull();
  });

  it("refuses an auditor's attempt to change it", async () => {
    const res = (await run(awardAction, request("/awards/VA-SHSP-23-002", { cookie: cookies["demo-auditor"], form: { intent: "set-prime", version: "1", primeAward: "" } }), {
      number: "VA-SHSP-23-002",
    })) as Response;
    expect(res.status).toBe(403);
  });
});

describe("refunds and credits on a sub-award", () => {
  it("lower spent to exactly zero, refuse one cent below with the figures, and the database refuses it too", async () => {
    const award = await t.db.selectFrom("awards").select(["id", "amount_cents"]).where("award_number", "=", "VA-SHSP-23-001").executeTakeFirstOrThrow();
    const director = (await t.db.selectFrom("users").select("id").where("username", "=", "demo-director").executeTakeFirstOrThrow()).id;
    const line = await addBudgetLine(t.db, director, award.id, { capabilityId: null, poete: "equipment", costCategory: "equipment", amountCents: 10_000_00, description: "Servers" });
    if (!line.ok) throw new Error("line");
    const lineId = line.value.line_id;
    expect((await addSpending(t.db, director, award.id, lineId, { date: "2024-01-10", amountCents: 2_500_00, description: "Invoice" })).ok).toBe(true);
    const below = await addSpending(t.db, director, award.id, lineId, { date: "2024-02-10", amountCents: -2_500_01, description: "Vendor credit" });
    expect(below).toEqual({
      ok: false,
      kind: "refused",
      field: "amount",
      message: `Spending on line ${lineId} would total -$0.01; a refund or credit cannot take spent below $0.00 ($0.01 too much)`,
    });
    const refund = await addSpending(t.db, director, award.id, lineId, { date: "2024-02-10", amountCents: -2_500_00, description: "Vendor credit" });
    expect(refund.ok).toBe(true);
    const spent = await t.db.selectFrom("awards").select("spent_cents").where("id", "=", award.id).executeTakeFirstOrThrow();
    expect(spent.spent_cents).toBe(0);
    // Voiding the original payment would leave only the credit: refused with the figures.
    const original = await t.db.selectFrom("spending").select(["spend_id", "version"]).where("amount_cents", "=", 2_500_00).where("description", "=", "Invoice").executeTakeFirstOrThrow();
    const v = await voidSpending(t.db, director, award.id, original.spend_id, original.version, "Entered twice");
    expect(v.ok).toBe(false);
    if (!v.ok && v.kind === "refused") expect(v.message).toContain("would total -$2,500.00");
    // Editing the credit one cent larger is refused too.
    if (!refund.ok) throw new Error("refund");
    const edit = await editSpending(t.db, director, award.id, refund.value.spend_id, refund.value.version, { date: "2024-02-10", amountCents: -2_500_01, description: "x" });
    expect(edit.ok).toBe(false);
    const lineRow = await t.db.selectFrom("budget_lines").select("id").where("line_id", "=", lineId).executeTakeFirstOrThrow();
    await expect(
      t.db.insertInto("spending").values({ spend_id: "RAW-REFUND", budget_line_id: lineRow.id, date: "2024-03-01", amount_cents: -1, created_at: "x" }).execute(),
    ).rejects.toThrow(/BASELINE_SPENT_NEGATIVE/);
  });

  it("accepts a refund typed as (2,500.00) on the award page's payment form", async () => {
    const line = await t.db
      .selectFrom("budget_lines")
      .innerJoin("awards", "awards.id", "budget_lines.award_id")
      .select(["budget_lines.line_id"])
      .where("awards.award_number", "=", "VA-SHSP-23-001")
      .executeTakeFirstOrThrow();
    const post = (amount: string) =>
      run(
        awardAction,
        request("/awards/VA-SHSP-23-001", { cookie: cookies["demo-director"], form: { intent: "add-spending", line: line.line_id, date: "2024-04-01", amount, description: "" } }),
        { number: "VA-SHSP-23-001" },
      ) as Promise<Response>;
    expect((await post("1,000.00")).status).toBe(303);
    expect((await post("(1,000.00)")).status).toBe(303);
    const refused = await post("(0.01)");
    expect(refused.status).toBe(400);
    expect((await fieldErrors(refused)).amount?.[0]).toContain("cannot take spent below $0.00");
  });
});

describe("prime award pages", () => {
  beforeAll(async () => {
    for (const [number, state] of [
      ["EMW-2023-SS-00044", "TX"],
      ["EMW-2023-SS-00006", "CA"],
    ]) {
      const r = await createPrimeAward(t.db, adminId, {
        awardNumber: number,
        recipient: `${state} SAA`,
        state,
        programs: ["SHSP"],
        fiscalYear: 2023,
        amountCents: 5_000_000_00,
        popStart: "2023-09-01",
        popEnd: "2026-08-31",
        assistanceListing: "97.067",
      });
      expect(r.ok).toBe(true);
    }
  });

  // FY2023 only: the demo holds primes of its own for every year (db/demo-money.ts), more than one page.
  const list = async (who: string) =>
    ((await run(primeListLoader, request("/prime-awards?fy=2023", { cookie: cookies[who] }))) as any).primes.map((p: any) => p.award_number).sort();
  const primesWhere = async (where: string) =>
    (await sql<{ n: string }>`select distinct p.award_number as n from prime_awards p left join awards a on a.prime_award_id = p.id
       left join centers c on c.id = a.center_id where p.fiscal_year = 2023 and ${sql.raw(where)}`.execute(t.db)).rows.map((r) => r.n).sort();
  const detail = (who: string, number: string) => run(primeLoader, request(`/prime-awards/${number}`, { cookie: cookies[who] }), { number }) as Promise<any>;

  it("lists all primes for auditors, their states' for state officials, and for directors the primes their center holds sub-awards under", async () => {
    const auditor = await list("demo-auditor");
    expect(auditor).toEqual(await primesWhere("1 = 1"));
    expect(auditor).toEqual(expect.arrayContaining(["EMW-2023-SS-00006", PRIME, "EMW-2023-SS-00044"]));
    const state = await list("demo-state");
    expect(state).toEqual(await primesWhere("p.state in ('VA', 'TX')"));
    expect(state).toEqual(expect.arrayContaining([PRIME, "EMW-2023-SS-00044"]));
    expect(state).not.toContain("EMW-2023-SS-00006");
    const director = await list("demo-director");
    expect(director).toEqual(await primesWhere("c.code = 'VA' and a.voided_at is null"));
    expect(director).toContain(PRIME);
    expect(director).not.toContain("EMW-2023-SS-00044");
  });

  it("shows a prime's sub-awards by center and the remainder, and answers 404 out of scope", async () => {
    const d = await detail("demo-auditor", PRIME);
    expect(d.allocation.byCenter.map((c: any) => [c.centerCode, c.amountCents])).toEqual([["VA", 1_000_000_00]]);
    expect(d.allocation.remainderCents).toBe(0);
    const tx = await detail("demo-state", "EMW-2023-SS-00044");
    expect(tx.allocation.remainderCents).toBe(5_000_000_00);
    for (const [who, number] of [
      ["demo-state", "EMW-2023-SS-00006"],
      ["demo-director", "EMW-2023-SS-00044"],
      ["demo-director", "NO-SUCH"],
    ]) {
      const res = (await detail(who, number)) as Response;
      expect(res.status, `${who} ${number}`).toBe(404);
    }
  });
});
