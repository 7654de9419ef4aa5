import { sql } from "kysely";
import { EVERYONE_SIGNED_IN, type CaseContext, type RouteCase } from "../route-case";

/**
 * Grants: award list, award page and its writes, new award, next-year plan, program
 * parameters. Everyone signed in reads what their scope holds; the director of the award's center
 * (demo-director: VA) or an admin writes; auditors and state officials write nothing.
 */

let serial = 0;
const PLAN_FY = 2026;

/** The center's live award with the most room left to budget (so a $1.00 line always fits). */
async function roomyAward({ db }: CaseContext, code: string): Promise<string> {
  const r = await sql<{ award_number: string }>`
    select a.award_number from awards a join centers c on c.id = a.center_id
    where c.code = ${code} and a.voided_at is null order by a.amount_cents - a.budgeted_cents desc, a.id limit 1`.execute(db);
  return r.rows[0].award_number;
}

const awardPath = (code: string) => async (ctx: CaseContext) => `/awards/${encodeURIComponent(await roomyAward(ctx, code))}`;

/** A live line of the center's roomiest award with room for a $1.00 payment. */
async function roomyLine({ db }: CaseContext, code: string) {
  const number = await roomyAward({ db }, code);
  const r = await sql<{ line_id: string; version: number }>`
    select bl.line_id, bl.version from budget_lines bl join awards a on a.id = bl.award_id
    where a.award_number = ${number} and bl.voided_at is null and bl.amount_cents - bl.spent_cents >= 100
    order by bl.id limit 1`.execute(db);
  return r.rows[0];
}

const addLineForm = { intent: "add-line", capability: "I.D", poete: "training", category: "contractual", amount: "1.00", description: "Authorization case" };

async function addSpendingForm(ctx: CaseContext) {
  const line = await roomyLine(ctx, "VA");
  return { intent: "add-spending", line: line.line_id, date: "2025-06-01", amount: "1.00", description: "Authorization case" };
}

async function editLineForm(ctx: CaseContext) {
  const line = await roomyLine(ctx, "VA");
  return { ...addLineForm, intent: "edit-line", line: line.line_id, version: String(line.version), amount: "100.00" };
}

/** The newest live payment of the VA award whose page the case posts to. */
async function voidSpendingForm({ db }: CaseContext) {
  const number = await roomyAward({ db }, "VA");
  const r = await sql<{ spend_id: string; version: number }>`
    select s.spend_id, s.version from spending s join budget_lines bl on bl.id = s.budget_line_id join awards a on a.id = bl.award_id
    where a.award_number = ${number} and s.voided_at is null order by s.id desc limit 1`.execute(db);
  return { intent: "void-spending", spend: r.rows[0].spend_id, version: String(r.rows[0].version), reason: "Authorization case" };
}

const newAwardForm = (center: string) => () => ({
  awardNumber: `CASE-${center}-${Date.now()}-${++serial}`,
  center,
  program: "JAG",
  fiscalYear: String(PLAN_FY),
  amount: "1000.00",
  popStart: "2025-10-01",
  popEnd: "",
});

function planForm(code: string) {
  return async ({ db }: CaseContext) => {
    const plan = await db
      .selectFrom("plans")
      .innerJoin("centers", "centers.id", "plans.center_id")
      .select("plans.version")
      .where("centers.code", "=", code)
      .where("plans.fiscal_year", "=", PLAN_FY)
      .executeTakeFirst();
    return {
      intent: "save",
      ...(plan ? { version: String(plan.version) } : {}),
      notes: "Authorization case",
      "funding[0].program": "SHSP",
      "funding[0].amount": "100000",
      "lines[0].program": "SHSP",
      "lines[0].capability": "I.B",
      "lines[0].poete": "training",
      "lines[0].category": "contractual",
      "lines[0].amount": "25000",
      "lines[0].description": "SAR training",
    };
  };
}

async function programForm({ db }: CaseContext) {
  const p = await db.selectFrom("programs").selectAll().where("code", "=", "LOCAL").executeTakeFirstOrThrow();
  return { code: "LOCAL", version: String(p.version), name: p.name, popMonths: "12", maCapPct: "", personnelCapPct: "", matchPct: "", reports: "" };
}

export const cases: RouteCase[] = [
  { file: "awards._index.tsx", name: "award list (scoped)", method: "GET", path: "/awards", allowed: EVERYONE_SIGNED_IN },
  // A filter naming another state's center shows nothing to those who may not see it; it is not a refusal.
  { file: "awards._index.tsx", name: "award list filtered to MD", method: "GET", path: "/awards?center=MD&agency=DHS", allowed: EVERYONE_SIGNED_IN },

  { file: "awards.$number.tsx", name: "a VA award", method: "GET", path: awardPath("VA"), allowed: EVERYONE_SIGNED_IN },
  { file: "awards.$number.tsx", name: "an MD award", method: "GET", path: awardPath("MD"), allowed: ["admin", "auditor"] },
  { file: "awards.$number.tsx", name: "add a budget line to a VA award", method: "POST", path: awardPath("VA"), form: addLineForm, allowed: ["admin", "director"] },
  { file: "awards.$number.tsx", name: "add a budget line to an MD award", method: "POST", path: awardPath("MD"), form: addLineForm, allowed: ["admin"] },
  { file: "awards.$number.tsx", name: "edit a VA budget line", method: "POST", path: awardPath("VA"), form: editLineForm, allowed: ["admin", "director"] },
  { file: "awards.$number.tsx", name: "record a payment on a VA line", method: "POST", path: awardPath("VA"), form: addSpendingForm, allowed: ["admin", "director"] },
  { file: "awards.$number.tsx", name: "void a VA payment", method: "POST", path: awardPath("VA"), form: voidSpendingForm, allowed: ["admin", "director"] },

  { file: "awards.new.tsx", name: "new award form", method: "GET", path: "/awards/new", allowed: ["admin", "director"] },
  { file: "awards.new.tsx", name: "record a VA award", method: "POST", path: "/awards/new", form: newAwardForm("VA"), allowed: ["admin", "director"] },
  { file: "awards.new.tsx", name: "record an MD award", method: "POST", path: "/awards/new", form: newAwardForm("MD"), allowed: ["admin"] },

  { file: "centers.$code.plan.$fy.tsx", name: "VA's next-year plan", method: "GET", path: `/centers/VA/plan/${PLAN_FY}`, allowed: EVERYONE_SIGNED_IN },
  { file: "centers.$code.plan.$fy.tsx", name: "MD's next-year plan", method: "GET", path: `/centers/MD/plan/${PLAN_FY}`, allowed: ["admin", "auditor"] },
  { file: "centers.$code.plan.$fy.tsx", name: "save VA's plan", method: "POST", path: `/centers/VA/plan/${PLAN_FY}`, form: planForm("VA"), allowed: ["admin", "director"] },
  { file: "centers.$code.plan.$fy.tsx", name: "save MD's plan", method: "POST", path: `/centers/MD/plan/${PLAN_FY}`, form: planForm("MD"), allowed: ["admin"] },

  { file: "admin.programs.tsx", name: "program parameters", method: "GET", path: "/admin/programs", allowed: ["admin"] },
  { file: "admin.programs.tsx", name: "change a program's parameters", method: "POST", path: "/admin/programs", form: programForm, allowed: ["admin"] },
];
