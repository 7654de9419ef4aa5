import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, Q, ReportKind } from "../../db/schema";
import { inTransaction } from "../../db/transaction";
import type { CenterScope } from "../domain/permissions";
import { generateObligations, obligationStatus, type Obligation, type ObligationStatus } from "../domain/obligations";
import { recordAudit } from "./audit.server";
import { scoped } from "./centers.server";
import { updateVersioned } from "./versioning.server";
import { shownUserName } from "./users.server";

/**
 * Reporting obligations stored per award, so a submission can be recorded against each.
 * The schedule itself comes from app/domain/obligations.ts; this file keeps the table in step with it.
 */

interface StoredObligation {
  id: number;
  award_id: number;
  report: ReportKind;
  period_start: string;
  period_end: string;
  due: string;
  submitted_on: string | null;
  reference: string;
}

interface AwardSchedule {
  id: number;
  pop_start: string;
  pop_end: string;
  reports: string;
  federal: number;
  voided_at: string | null;
}

interface Plan {
  inserts: Obligation[];
  updates: Array<{ id: number; period_start: string; period_end: string; due: string }>;
  deletes: StoredObligation[];
}

export interface SyncResult {
  awards: number;
  inserted: number;
  updated: number;
  deleted: number;
}

/** programs.reports is a comma list ("BSIR,SF-425,FINAL"); only federal, live awards report. */
function scheduleOf(award: AwardSchedule): Obligation[] {
  if (award.federal !== 1 || award.voided_at !== null) return [];
  return generateObligations({ popStart: award.pop_start, popEnd: award.pop_end, reports: award.reports.split(",") });
}

/**
 * What to change so the stored rows equal the schedule. A stored row is kept (with its submission)
 * when its period still exists: the same start, or — after the award's dates moved — the same
 * calendar period, which the due date identifies (a clipped first quarter keeps its due date).
 * The final report is one per award whatever its dates.
 */
function reconcile(schedule: Obligation[], stored: StoredObligation[]): Plan {
  const plan: Plan = { inserts: [], updates: [], deletes: [] };
  const left = new Set(stored);
  const matched = new Map<Obligation, StoredObligation>();
  for (const o of schedule) {
    const exact = stored.find((s) => left.has(s) && s.report === o.report && s.period_start === o.periodStart);
    if (exact) {
      matched.set(o, exact);
      left.delete(exact);
    }
  }
  for (const o of schedule) {
    if (matched.has(o)) continue;
    const same = stored.find((s) => left.has(s) && s.report === o.report && (o.report === "FINAL" || s.due === o.due));
    if (same) {
      matched.set(o, same);
      left.delete(same);
    }
  }
  for (const o of schedule) {
    const s = matched.get(o);
    if (!s) plan.inserts.push(o);
    else if (s.period_start !== o.periodStart || s.period_end !== o.periodEnd || s.due !== o.due) {
      plan.updates.push({ id: s.id, period_start: o.periodStart, period_end: o.periodEnd, due: o.due });
    }
  }
  plan.deletes = [...left];
  return plan;
}

const INSERT_BATCH = 1000; // 5 columns × 1000 rows stays far below SQLite's bound-parameter limit

async function applyPlans(trx: Transaction<Database>, plans: Array<{ awardId: number; plan: Plan }>, actorId: number | null): Promise<SyncResult> {
  const result: SyncResult = { awards: plans.length, inserted: 0, updated: 0, deleted: 0 };
  const deletes = plans.flatMap((p) => p.plan.deletes);
  // A submitted report whose period no longer exists is removed, but its submission stays in the audit trail.
  const submittedGone = deletes.filter((d) => d.submitted_on !== null);
  await recordAudit(
    trx,
    ...submittedGone.map((d) => ({ userId: actorId, action: "delete", entity: "reporting_obligation", entityId: d.id, before: d })),
  );
  const deleteIds = deletes.map((d) => d.id);
  for (let i = 0; i < deleteIds.length; i += INSERT_BATCH) {
    await trx.deleteFrom("reporting_obligations").where("id", "in", deleteIds.slice(i, i + INSERT_BATCH)).execute();
  }
  result.deleted = deleteIds.length;
  for (const { plan } of plans) {
    for (const u of plan.updates) {
      await trx
        .updateTable("reporting_obligations")
        .set((eb) => ({ period_start: u.period_start, period_end: u.period_end, due: u.due, version: eb("version", "+", 1) }))
        .where("id", "=", u.id)
        .execute();
      result.updated++;
    }
  }
  const rows = plans.flatMap(({ awardId, plan }) =>
    plan.inserts.map((o) => ({ award_id: awardId, report: o.report, period_start: o.periodStart, period_end: o.periodEnd, due: o.due })),
  );
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    await trx.insertInto("reporting_obligations").values(rows.slice(i, i + INSERT_BATCH)).execute();
  }
  result.inserted = rows.length;
  return result;
}

function awardSchedules(db: Q) {
  return db
    .selectFrom("awards")
    .innerJoin("programs", "programs.code", "awards.program_code")
    .select(["awards.id", "awards.pop_start", "awards.pop_end", "programs.reports", "programs.federal", "awards.voided_at"]);
}

const STORED_COLUMNS = [
  "reporting_obligations.id",
  "reporting_obligations.award_id",
  "reporting_obligations.report",
  "reporting_obligations.period_start",
  "reporting_obligations.period_end",
  "reporting_obligations.due",
  "reporting_obligations.submitted_on",
  "reporting_obligations.reference",
] as const;

const ID_BATCH = 500;

/**
 * Brings the stored obligations of the given awards (or of every award) in line with their
 * programs' schedules and their current periods: the one way obligations are written, whatever
 * created or changed the award (the form, an amendment, an import, the demo, the one-time repair).
 * Two reads per 500 awards, then batched writes; idempotent. A voided or non-federal award is left
 * as it is: the lists leave voided awards out.
 */
export async function syncObligations(db: Q, awardIds: readonly number[] | "all", actorId: number | null = null): Promise<SyncResult> {
  return inTransaction(db, async (trx) => {
    const plans: Array<{ awardId: number; plan: Plan }> = [];
    const batches: Array<readonly number[] | null> = [];
    if (awardIds === "all") batches.push(null);
    else for (let i = 0; i < awardIds.length; i += ID_BATCH) batches.push(awardIds.slice(i, i + ID_BATCH));
    for (const ids of batches) {
      let awards = awardSchedules(trx).where("programs.federal", "=", 1).where("awards.voided_at", "is", null);
      let stored = trx
        .selectFrom("reporting_obligations")
        .innerJoin("awards", "awards.id", "reporting_obligations.award_id")
        .innerJoin("programs", "programs.code", "awards.program_code")
        .select(STORED_COLUMNS)
        .where("programs.federal", "=", 1)
        .where("awards.voided_at", "is", null);
      if (ids) {
        awards = awards.where("awards.id", "in", [...ids]);
        stored = stored.where("reporting_obligations.award_id", "in", [...ids]);
      }
      const byAward = new Map<number, StoredObligation[]>();
      for (const s of await stored.execute()) {
        const list = byAward.get(s.award_id);
        if (list) list.push(s);
        else byAward.set(s.award_id, [s]);
      }
      for (const a of await awards.execute()) plans.push({ awardId: a.id, plan: reconcile(scheduleOf(a), byAward.get(a.id) ?? []) });
    }
    return applyPlans(trx, plans, actorId);
  });
}

/** One award's obligations (after creating it on the form or amending its dates). */
export function syncAwardObligations(db: Q, awardId: number, actorId: number | null = null): Promise<SyncResult> {
  return syncObligations(db, [awardId], actorId);
}

/** Every live federal award's obligations (the demo data, the one-time repair). */
export function generateAllObligations(db: Q, actorId: number | null = null): Promise<SyncResult> {
  return syncObligations(db, "all", actorId);
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

export interface DeadlineRow {
  id: number;
  version: number;
  centerId: number;
  centerCode: string;
  centerName: string;
  centerState: string;
  awardId: number;
  awardNumber: string;
  programCode: string;
  agency: string;
  report: ReportKind;
  periodStart: string;
  periodEnd: string;
  due: string;
  submittedOn: string | null;
  reference: string;
  submittedBy: string | null;
  status: ObligationStatus;
}

export interface DeadlineFilter {
  /** Report date: statuses are judged against it. */
  asOf: string;
  scope: CenterScope;
  centerId?: number;
  awardId?: number;
  /** Only obligations not yet submitted. */
  openOnly?: boolean;
  /** Due on or after / on or before (inclusive). */
  dueFrom?: string;
  dueTo?: string;
}

function deadlineQuery(db: Q, f: Omit<DeadlineFilter, "asOf">) {
  let q = db
    .selectFrom("reporting_obligations")
    .innerJoin("awards", "awards.id", "reporting_obligations.award_id")
    .innerJoin("programs", "programs.code", "awards.program_code")
    .innerJoin("centers", "centers.id", "awards.center_id")
    .where("awards.voided_at", "is", null)
    .where("programs.federal", "=", 1);
  q = scoped(q, f.scope);
  if (f.centerId !== undefined) q = q.where("awards.center_id", "=", f.centerId);
  if (f.awardId !== undefined) q = q.where("awards.id", "=", f.awardId);
  if (f.openOnly) q = q.where("reporting_obligations.submitted_on", "is", null);
  if (f.dueFrom) q = q.where("reporting_obligations.due", ">=", f.dueFrom);
  if (f.dueTo) q = q.where("reporting_obligations.due", "<=", f.dueTo);
  return q;
}

const REPORT_ORDER = sql<number>`case reporting_obligations.report when 'BSIR' then 1 when 'SF-425' then 2 when 'PMT' then 3 else 4 end`;

/** Obligations the scope may see, by due date, then center, award and report; status from obligationStatus. */
export async function listDeadlines(db: Q, f: DeadlineFilter): Promise<DeadlineRow[]> {
  const rows = await deadlineQuery(db, f)
    .leftJoin("users", "users.id", "reporting_obligations.submitted_by")
    .select([
      "reporting_obligations.id",
      "reporting_obligations.version",
      "centers.id as centerId",
      "centers.code as centerCode",
      "centers.name as centerName",
      "centers.state as centerState",
      "awards.id as awardId",
      "awards.award_number as awardNumber",
      "awards.program_code as programCode",
      "programs.agency",
      "reporting_obligations.report",
      "reporting_obligations.period_start as periodStart",
      "reporting_obligations.period_end as periodEnd",
      "reporting_obligations.due",
      "reporting_obligations.submitted_on as submittedOn",
      "reporting_obligations.reference",
      shownUserName("users").as("submittedBy"),
    ])
    .orderBy("reporting_obligations.due")
    .orderBy("centers.code")
    .orderBy("awards.award_number")
    .orderBy(REPORT_ORDER)
    .orderBy("reporting_obligations.period_start")
    .execute();
  return rows.map((r) => ({ ...r, status: obligationStatus(r, f.asOf) }));
}

/**
 * Obligations past due and not submitted, for the dashboard tile. Same rule as obligationStatus:
 * overdue from the day after the due date (ISO dates compare as text).
 */
export async function overdueCount(db: Q, f: { asOf: string; scope: CenterScope; centerId?: number }): Promise<number> {
  const row = await deadlineQuery(db, { scope: f.scope, centerId: f.centerId, openOnly: true })
    .where("reporting_obligations.due", "<", f.asOf)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** overdueCount per center, for the given centers (a center with none is absent). */
export async function overdueByCenter(db: Q, f: { asOf: string; centerIds: readonly number[] }): Promise<Map<number, number>> {
  const rows = await deadlineQuery(db, { scope: { kind: "all" }, openOnly: true })
    .where("awards.center_id", "in", [...f.centerIds])
    .where("reporting_obligations.due", "<", f.asOf)
    .select((eb) => ["awards.center_id", eb.fn.countAll<number>().as("n")])
    .groupBy("awards.center_id")
    .execute();
  return new Map(rows.map((r) => [Number(r.center_id), Number(r.n)]));
}

/** One obligation with the center it belongs to (for the permission check before recording a submission). */
export async function getObligation(db: Q, id: number) {
  return db
    .selectFrom("reporting_obligations")
    .innerJoin("awards", "awards.id", "reporting_obligations.award_id")
    .innerJoin("centers", "centers.id", "awards.center_id")
    .select([
      ...STORED_COLUMNS,
      "reporting_obligations.version",
      "awards.award_number",
      "awards.voided_at",
      "centers.id as center_id",
      "centers.state as center_state",
      "centers.code as center_code",
    ])
    .where("reporting_obligations.id", "=", id)
    .executeTakeFirst();
}

export type SubmissionResult =
  | { ok: true }
  | { ok: false; reason: "missing" }
  | { ok: false; reason: "conflict"; current: { submitted_on: string | null; reference: string; version: number } };

/** Records (or corrects) the submission of one report; versioned and audited in one transaction. */
export async function recordSubmission(
  db: Kysely<Database>,
  actorId: number,
  input: { obligationId: number; version: number; submittedOn: string; reference: string },
): Promise<SubmissionResult> {
  return db.transaction().execute(async (trx) => {
    const r = await updateVersioned<{ version: number; submitted_on: string | null; reference: string; submitted_by: number | null }>(
      trx,
      "reporting_obligations",
      input.obligationId,
      input.version,
      { submitted_on: input.submittedOn, reference: input.reference, submitted_by: actorId },
    );
    if (!r.ok) return r;
    await recordAudit(trx, {
      userId: actorId,
      action: "submit",
      entity: "reporting_obligation",
      entityId: input.obligationId,
      before: r.before,
      after: r.after,
    });
    return { ok: true as const };
  });
}
