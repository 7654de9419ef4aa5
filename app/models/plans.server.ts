import type { Kysely, Transaction } from "kysely";
import type { AssessmentStatus, CostCategory, Database, Poete, Q } from "../../db/schema";
import { formatMoney } from "../domain/money";
import { overBudget } from "../domain/guards";
import { assessableCapabilities, COC_EC_FRAMEWORK, HEADLINE_FRAMEWORK } from "../domain/scores";
import { assessmentYears } from "./assessments.server";
import { recordAudit } from "./audit.server";
import { ConflictError, insertBudgetLineTx, Refusal, runWrite, type WriteResult } from "./budget.server";
import { listCapabilities } from "./catalog.server";

type Trx = Transaction<Database>;

/** A center's draft (or applied) plan for a fiscal year with its expected funding and lines; undefined when none. */
export async function getPlan(db: Q, centerId: number, fiscalYear: number) {
  const plan = await db.selectFrom("plans").selectAll().where("center_id", "=", centerId).where("fiscal_year", "=", fiscalYear).executeTakeFirst();
  if (!plan) return undefined;
  const [funding, lines] = await Promise.all([
    db.selectFrom("plan_funding").selectAll().where("plan_id", "=", plan.id).orderBy("id").execute(),
    db.selectFrom("plan_lines").selectAll().where("plan_id", "=", plan.id).orderBy("id").execute(),
  ]);
  return { ...plan, funding, lines };
}

export type PlanWithRows = NonNullable<Awaited<ReturnType<typeof getPlan>>>;

/**
 * What a plan is measured against: the center's latest assessment (statuses and each gap's estimated
 * cost to close, assessments.est_cost_cents), and the baseline leaves and parents the score uses.
 */
export async function planBasis(db: Q, centerId: number) {
  const [years, catalog] = await Promise.all([assessmentYears(db, centerId), listCapabilities(db)]);
  const assessmentYear = years[0] ?? null;
  const rows =
    assessmentYear === null
      ? []
      : await db
          .selectFrom("assessments")
          .select(["capability_id", "status", "est_cost_cents"])
          .where("center_id", "=", centerId)
          .where("fiscal_year", "=", assessmentYear)
          .execute();
  return {
    assessmentYear,
    statuses: rows.map((r) => [r.capability_id, r.status] as [string, AssessmentStatus]),
    estCosts: rows.map((r) => [r.capability_id, r.est_cost_cents] as [string, number | null]),
    leaves: assessableCapabilities(catalog, HEADLINE_FRAMEWORK).map((c) => ({ id: c.id, title: c.title })),
    cocEcLeaves: assessableCapabilities(catalog, COC_EC_FRAMEWORK).map((c) => ({ id: c.id, title: c.title })),
    parents: catalog.map((c) => [c.id, c.parent_id] as [string, string | null]),
    catalog: catalog.map((c) => ({ id: c.id, title: c.title, framework_id: c.framework_id, parent_id: c.parent_id })),
  };
}

export interface PlanInputRows {
  notes: string;
  funding: Array<{ programCode: string; amountCents: number }>;
  lines: Array<{ programCode: string; capabilityId: string | null; poete: Poete; costCategory: CostCategory; amountCents: number; description: string }>;
}

function snapshot(plan: { status: string; notes: string; version: number }, funding: PlanInputRows["funding"], lines: PlanInputRows["lines"]) {
  return {
    status: plan.status,
    notes: plan.notes,
    version: plan.version,
    funding: funding.map((f) => ({ program: f.programCode, amount_cents: f.amountCents })),
    lines: lines.map((l) => ({
      program: l.programCode,
      capability: l.capabilityId,
      poete: l.poete,
      cost_category: l.costCategory,
      amount_cents: l.amountCents,
      description: l.description,
    })),
  };
}

/** A saved plan's funding and lines in the shape its form and savePlan take. */
export function planInputRows(plan: PlanWithRows): Pick<PlanInputRows, "funding" | "lines"> {
  return {
    funding: plan.funding.map((f) => ({ programCode: f.program_code, amountCents: f.amount_cents })),
    lines: plan.lines.map((l) => ({
      programCode: l.program_code,
      capabilityId: l.capability_id,
      poete: l.poete,
      costCategory: l.cost_category,
      amountCents: l.amount_cents,
      description: l.description,
    })),
  };
}

/**
 * Saves a draft plan: creates it (version undefined) or replaces its funding and lines when the
 * version still matches. Audited as entity "plan" with the whole plan before and after.
 */
export function savePlan(
  db: Kysely<Database>,
  userId: number,
  centerId: number,
  fiscalYear: number,
  version: number | undefined,
  input: PlanInputRows,
): Promise<WriteResult<{ id: number; version: number }>> {
  return runWrite(db, async (trx) => {
    const existing = await getPlan(trx, centerId, fiscalYear);
    if (existing && existing.version !== version) throw new ConflictError(existing);
    if (!existing && version !== undefined) throw new Refusal("This plan no longer exists; reload the page");
    if (existing && existing.status === "applied") {
      throw new Refusal(`This plan was turned into budget lines on ${existing.updated_at.slice(0, 10)}; it can no longer change`);
    }
    const programs = new Set((await trx.selectFrom("programs").select("code").execute()).map((p) => p.code));
    input.funding.forEach((f, i) => {
      if (!programs.has(f.programCode)) throw new Refusal(`Unknown program ${f.programCode}`, `funding[${i}].amount`);
    });
    const capabilityIds = [...new Set(input.lines.map((l) => l.capabilityId).filter((c): c is string => c !== null))];
    const known = new Set(
      capabilityIds.length ? (await trx.selectFrom("capabilities").select("id").where("id", "in", capabilityIds).execute()).map((c) => c.id) : [],
    );
    input.lines.forEach((l, i) => {
      if (!programs.has(l.programCode)) throw new Refusal(`Unknown program ${l.programCode}`, `lines[${i}].program`);
      if (l.capabilityId !== null && !known.has(l.capabilityId)) throw new Refusal(`Unknown capability "${l.capabilityId}"`, `lines[${i}].capability`);
    });

    const now = new Date().toISOString();
    let planId: number;
    let newVersion: number;
    if (existing) {
      const updated = await trx
        .updateTable("plans")
        .set({ notes: input.notes, version: existing.version + 1, updated_by: userId, updated_at: now })
        .where("id", "=", existing.id)
        .where("version", "=", existing.version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new ConflictError(existing);
      planId = existing.id;
      newVersion = existing.version + 1;
      await trx.deleteFrom("plan_funding").where("plan_id", "=", planId).execute();
      await trx.deleteFrom("plan_lines").where("plan_id", "=", planId).execute();
    } else {
      const created = await trx
        .insertInto("plans")
        .values({ center_id: centerId, fiscal_year: fiscalYear, notes: input.notes, updated_by: userId, updated_at: now })
        .returning(["id", "version"])
        .executeTakeFirstOrThrow();
      planId = created.id;
      newVersion = created.version;
    }
    const funding = input.funding.filter((f) => f.amountCents > 0);
    if (funding.length) {
      await trx
        .insertInto("plan_funding")
        .values(funding.map((f) => ({ plan_id: planId, program_code: f.programCode, amount_cents: f.amountCents })))
        .execute();
    }
    if (input.lines.length) {
      await trx
        .insertInto("plan_lines")
        .values(
          input.lines.map((l) => ({
            plan_id: planId,
            program_code: l.programCode,
            capability_id: l.capabilityId,
            poete: l.poete,
            cost_category: l.costCategory,
            amount_cents: l.amountCents,
            description: l.description,
          })),
        )
        .execute();
    }
    await recordAudit(trx, {
      userId,
      action: existing ? "update" : "create",
      entity: "plan",
      entityId: planId,
      before: existing ? snapshot(existing, planInputRows(existing).funding, planInputRows(existing).lines) : undefined,
      after: snapshot({ status: "draft", notes: input.notes, version: newVersion }, funding, input.lines),
    });
    return { id: planId, version: newVersion };
  });
}

/**
 * Turns a saved draft into budget lines, one per plan line, on the award picked for each program:
 * all lines, their audit rows and the plan's status change in one transaction, or nothing.
 */
export function applyPlan(
  db: Kysely<Database>,
  userId: number,
  centerId: number,
  fiscalYear: number,
  version: number,
  awardByProgram: Record<string, string | undefined>,
): Promise<WriteResult<{ lines: number; awards: string[] }>> {
  return runWrite(db, async (trx: Trx) => {
    const plan = await getPlan(trx, centerId, fiscalYear);
    if (!plan) throw new Refusal("Save the plan before turning it into budget lines");
    if (plan.version !== version) throw new ConflictError(plan);
    if (plan.status === "applied") throw new Refusal(`This plan was already turned into budget lines on ${plan.updated_at.slice(0, 10)}`);
    if (plan.lines.length === 0) throw new Refusal("The plan has no lines to turn into budget lines");

    const byProgram = new Map<string, typeof plan.lines>();
    for (const l of plan.lines) byProgram.set(l.program_code, [...(byProgram.get(l.program_code) ?? []), l]);
    const awardOf = new Map<string, { id: number; award_number: string }>();
    for (const [program, lines] of byProgram) {
      const field = `award.${program}`;
      const total = lines.reduce((s, l) => s + l.amount_cents, 0);
      const number = awardByProgram[program]?.trim();
      if (!number) throw new Refusal(`Choose the ${program} award for the plan's ${lines.length} ${program} line(s) totalling ${formatMoney(total)}`, field);
      const award = await trx.selectFrom("awards").selectAll().where("award_number", "=", number).executeTakeFirst();
      if (!award || award.center_id !== centerId) throw new Refusal(`Award ${number} is not an award of this center`, field);
      if (award.voided_at) throw new Refusal(`Award ${number} is voided`, field);
      if (award.program_code !== program) throw new Refusal(`Award ${number} is a ${award.program_code} award, not ${program}`, field);
      // A plan is for one fiscal year: its lines go on that year's awards (docs/decisions/014-first-week.md).
      if (award.fiscal_year !== fiscalYear) throw new Refusal(`Award ${number} is an FY${award.fiscal_year} award; the FY${fiscalYear} plan goes on FY${fiscalYear} awards`, field);
      const after = award.budgeted_cents + total;
      const over = overBudget(after, award.amount_cents);
      if (over) throw new Refusal(`${number}: ${over}`, field);
      awardOf.set(program, award);
    }
    let created = 0;
    for (const l of plan.lines) {
      await insertBudgetLineTx(trx, userId, awardOf.get(l.program_code)!.id, {
        capabilityId: l.capability_id,
        poete: l.poete,
        costCategory: l.cost_category,
        amountCents: l.amount_cents,
        description: l.description || `From the FY${fiscalYear} plan`,
      });
      created++;
    }
    const now = new Date().toISOString();
    await trx.updateTable("plans").set({ status: "applied", version: plan.version + 1, updated_by: userId, updated_at: now }).where("id", "=", plan.id).execute();
    const rows = planInputRows(plan);
    await recordAudit(trx, {
      userId,
      action: "update",
      entity: "plan",
      entityId: plan.id,
      before: snapshot(plan, rows.funding, rows.lines),
      after: { ...snapshot({ ...plan, status: "applied", version: plan.version + 1 }, rows.funding, rows.lines), awards: Object.fromEntries([...awardOf].map(([p, a]) => [p, a.award_number])) },
    });
    return { lines: created, awards: [...awardOf.values()].map((a) => a.award_number) };
  });
}
