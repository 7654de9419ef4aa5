import type { Q } from "../../db/schema";
import { centerScope, type Principal } from "../domain/permissions";
import { scoped } from "./centers.server";
import { primesInScope } from "./prime-awards.server";

/**
 * The API's stored lists (docs/decisions/024-api-shape.md): one page after a cursor, in the order of
 * a unique key (the row id, or the capability id), so a page never repeats or skips a row whatever
 * is written between two requests. Each function reads `limit + 1` rows: the extra one says whether
 * there is a next page. Scope is the user's (app/domain/permissions.ts), as on the pages.
 */

export interface Window<K> {
  /** The key of the last row of the previous page. */
  after?: K;
  limit: number;
}

export async function apiCenters(db: Q, user: Principal, f: { state?: string; kind?: string }, w: Window<number>) {
  let q = scoped(db.selectFrom("centers").select(["id", "code", "name", "state", "kind", "uei"]), centerScope(user));
  if (f.state) q = q.where("state", "=", f.state);
  if (f.kind) q = q.where("kind", "=", f.kind as never);
  if (w.after !== undefined) q = q.where("id", ">", w.after);
  return q.orderBy("id").limit(w.limit + 1).execute();
}

export async function apiCapabilities(db: Q, f: { framework?: string }, w: Window<string>) {
  let q = db.selectFrom("capabilities").select(["id", "framework_id", "parent_id", "title", "description", "privacy"]);
  if (f.framework) q = q.where("framework_id", "=", f.framework);
  if (w.after !== undefined) q = q.where("id", ">", w.after);
  return q.orderBy("id").limit(w.limit + 1).execute();
}

export async function apiAssessments(db: Q, user: Principal, f: { centerId?: number; fiscalYear?: number; capability?: string }, w: Window<number>) {
  let q = scoped(
    db
      .selectFrom("assessments")
      .innerJoin("centers", "centers.id", "assessments.center_id")
      .select([
        "assessments.id",
        "centers.code as center",
        "assessments.fiscal_year",
        "assessments.capability_id",
        "assessments.status",
        "assessments.evidence",
        "assessments.est_cost_cents",
        "assessments.updated_at",
      ]),
    centerScope(user),
  );
  if (f.centerId !== undefined) q = q.where("assessments.center_id", "=", f.centerId);
  if (f.fiscalYear !== undefined) q = q.where("assessments.fiscal_year", "=", f.fiscalYear);
  if (f.capability) q = q.where("assessments.capability_id", "=", f.capability);
  if (w.after !== undefined) q = q.where("assessments.id", ">", w.after);
  return q.orderBy("assessments.id").limit(w.limit + 1).execute();
}

export async function apiPrimeAwards(db: Q, user: Principal, f: { state?: string; fiscalYear?: number }, w: Window<number>) {
  let q = primesInScope(db, user).select([
    "prime_awards.id",
    "prime_awards.award_number",
    "prime_awards.recipient",
    "prime_awards.state",
    "prime_awards.fiscal_year",
    "prime_awards.amount_cents",
    "prime_awards.pop_start",
    "prime_awards.pop_end",
    "prime_awards.assistance_listing",
  ]);
  if (f.state) q = q.where("prime_awards.state", "=", f.state);
  if (f.fiscalYear !== undefined) q = q.where("prime_awards.fiscal_year", "=", f.fiscalYear);
  if (w.after !== undefined) q = q.where("prime_awards.id", ">", w.after);
  const rows = await q.orderBy("prime_awards.id").limit(w.limit + 1).execute();
  const ids = rows.map((r) => r.id);
  const programs = ids.length
    ? await db.selectFrom("prime_award_programs").select(["prime_award_id", "program_code"]).where("prime_award_id", "in", ids).orderBy("prime_award_id").orderBy("program_code").execute()
    : [];
  const byPrime = new Map<number, string[]>();
  for (const p of programs) byPrime.set(p.prime_award_id, [...(byPrime.get(p.prime_award_id) ?? []), p.program_code]);
  return rows.map((r) => ({ ...r, programs: byPrime.get(r.id) ?? [] }));
}

export interface AwardListFilter {
  centerId?: number;
  fiscalYear?: number;
  program?: string;
  /** Voided awards too (left out by default, as on the pages). */
  voided?: boolean;
}

export async function apiAwards(db: Q, user: Principal, f: AwardListFilter, w: Window<number>) {
  let q = scoped(
    db
      .selectFrom("awards")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .leftJoin("prime_awards", "prime_awards.id", "awards.prime_award_id")
      .select([
        "awards.id",
        "awards.award_number",
        "centers.code as center",
        "awards.program_code",
        "awards.fiscal_year",
        "awards.amount_cents",
        "awards.budgeted_cents",
        "awards.spent_cents",
        "awards.match_required_cents",
        "awards.pop_start",
        "awards.pop_end",
        "prime_awards.award_number as prime_award",
        "awards.pass_through",
        "awards.voided_at",
      ]),
    centerScope(user),
  );
  if (f.centerId !== undefined) q = q.where("awards.center_id", "=", f.centerId);
  if (f.fiscalYear !== undefined) q = q.where("awards.fiscal_year", "=", f.fiscalYear);
  if (f.program) q = q.where("awards.program_code", "=", f.program);
  if (!f.voided) q = q.where("awards.voided_at", "is", null);
  if (w.after !== undefined) q = q.where("awards.id", ">", w.after);
  return q.orderBy("awards.id").limit(w.limit + 1).execute();
}

export interface LineListFilter {
  centerId?: number;
  fiscalYear?: number;
  award?: string;
  voided?: boolean;
}

export async function apiBudgetLines(db: Q, user: Principal, f: LineListFilter, w: Window<number>) {
  let q = scoped(
    db
      .selectFrom("budget_lines")
      .innerJoin("awards", "awards.id", "budget_lines.award_id")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select([
        "budget_lines.id",
        "budget_lines.line_id",
        "awards.award_number as award",
        "centers.code as center",
        "awards.fiscal_year",
        "budget_lines.capability_id",
        "budget_lines.poete",
        "budget_lines.cost_category",
        "budget_lines.amount_cents",
        "budget_lines.spent_cents",
        "budget_lines.description",
        "budget_lines.voided_at",
      ]),
    centerScope(user),
  );
  if (f.centerId !== undefined) q = q.where("awards.center_id", "=", f.centerId);
  if (f.fiscalYear !== undefined) q = q.where("awards.fiscal_year", "=", f.fiscalYear);
  if (f.award) q = q.where("awards.award_number", "=", f.award);
  if (!f.voided) q = q.where("budget_lines.voided_at", "is", null);
  if (w.after !== undefined) q = q.where("budget_lines.id", ">", w.after);
  return q.orderBy("budget_lines.id").limit(w.limit + 1).execute();
}

export async function apiSpending(db: Q, user: Principal, f: LineListFilter & { from?: string; to?: string }, w: Window<number>) {
  let q = scoped(
    db
      .selectFrom("spending")
      .innerJoin("budget_lines", "budget_lines.id", "spending.budget_line_id")
      .innerJoin("awards", "awards.id", "budget_lines.award_id")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select([
        "spending.id",
        "spending.spend_id",
        "budget_lines.line_id",
        "awards.award_number as award",
        "centers.code as center",
        "spending.date",
        "spending.amount_cents",
        "spending.description",
        "spending.voided_at",
      ]),
    centerScope(user),
  );
  if (f.centerId !== undefined) q = q.where("awards.center_id", "=", f.centerId);
  if (f.fiscalYear !== undefined) q = q.where("awards.fiscal_year", "=", f.fiscalYear);
  if (f.award) q = q.where("awards.award_number", "=", f.award);
  if (f.from) q = q.where("spending.date", ">=", f.from);
  if (f.to) q = q.where("spending.date", "<=", f.to);
  if (!f.voided) q = q.where("spending.voided_at", "is", null);
  if (w.after !== undefined) q = q.where("spending.id", ">", w.after);
  return q.orderBy("spending.id").limit(w.limit + 1).execute();
}
