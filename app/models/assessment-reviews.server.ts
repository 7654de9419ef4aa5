import type { Kysely, Transaction } from "kysely";
import type { Database, Q, ReviewState } from "../../db/schema";
import { isLockedReview } from "../domain/guards";
import { recordAudit } from "./audit.server";
import { updateVersioned } from "./versioning.server";
import { perResponses } from "./memo.server";

/**
 * Assessment sign-off: a center-year moves draft → submitted (director or admin) →
 * validated or changes_requested (auditor or admin). Submitted and validated years are locked:
 * nobody changes a status until a reviewer reopens the year (→ draft) or asks for changes.
 * Who may take each step is checked by the route (assertAllowed); this module checks the states.
 */

export const REVIEW_STATE_LABELS: Record<ReviewState, string> = {
  draft: "Draft",
  submitted: "Submitted for review",
  validated: "Validated",
  changes_requested: "Changes requested",
};

export interface ReviewInfo {
  id: number;
  centerId: number;
  fiscalYear: number;
  state: ReviewState;
  version: number;
  submittedAt: string | null;
  submittedBy: string | null;
  reviewedAt: string | null;
  reviewedBy: string | null;
  note: string;
  locked: boolean;
}

const dateOf = (iso: string | null) => (iso ? iso.slice(0, 10) : "");

/** "validated on 2025-07-01 by Avery Auditor", "submitted on … by …"; null for a draft. */
export function reviewLabel(review: ReviewInfo | null): string | null {
  if (!review) return null;
  switch (review.state) {
    case "validated":
      return `validated on ${dateOf(review.reviewedAt)} by ${review.reviewedBy ?? "unknown"}`;
    case "changes_requested":
      return `changes requested on ${dateOf(review.reviewedAt)} by ${review.reviewedBy ?? "unknown"}`;
    case "submitted":
      return `submitted on ${dateOf(review.submittedAt)} by ${review.submittedBy ?? "unknown"}`;
    default:
      return null;
  }
}

export function lockMessage(review: ReviewInfo): string {
  return `The FY${review.fiscalYear} assessment is locked: it was ${reviewLabel(review)}. A reviewer (auditor or administrator) must reopen it before anything can change.`;
}

/**
 * The sign-off of a center's year. Outside a transaction it is remembered under the responses counter, which every
 * write to assessment_reviews moves (migrations/0025; the names joined in never change), so a page shows it without
 * a statement of its own; a transaction reads the row. Shared between requests: never mutate it.
 */
export function getReview(db: Q, centerId: number, fiscalYear: number): Promise<Readonly<ReviewInfo> | null> {
  return perResponses(db, "assessment-review", [centerId, fiscalYear], () => readReview(db, centerId, fiscalYear));
}

async function readReview(db: Q, centerId: number, fiscalYear: number): Promise<Readonly<ReviewInfo> | null> {
  const row = await db
    .selectFrom("assessment_reviews as r")
    .leftJoin("users as s", "s.id", "r.submitted_by")
    .leftJoin("users as v", "v.id", "r.reviewed_by")
    .select([
      "r.id",
      "r.center_id",
      "r.fiscal_year",
      "r.state",
      "r.version",
      "r.submitted_at",
      "r.reviewed_at",
      "r.note",
      "s.display_name as submitter_name",
      "s.username as submitter_username",
      "v.display_name as reviewer_name",
      "v.username as reviewer_username",
    ])
    .where("r.center_id", "=", centerId)
    .where("r.fiscal_year", "=", fiscalYear)
    .executeTakeFirst();
  if (!row) return null;
  return Object.freeze({
    id: row.id,
    centerId: row.center_id,
    fiscalYear: row.fiscal_year,
    state: row.state,
    version: row.version,
    submittedAt: row.submitted_at,
    submittedBy: row.submitter_name || row.submitter_username || null,
    reviewedAt: row.reviewed_at,
    reviewedBy: row.reviewer_name || row.reviewer_username || null,
    note: row.note,
    locked: isLockedReview(row.state),
  });
}

/** Review state per fiscal year of a center (years with a review row only). */
export async function reviewsOfCenter(db: Q, centerId: number): Promise<Map<number, ReviewInfo>> {
  const years = await db.selectFrom("assessment_reviews").select("fiscal_year").where("center_id", "=", centerId).execute();
  const out = new Map<number, ReviewInfo>();
  for (const { fiscal_year } of years) {
    const r = await getReview(db, centerId, fiscal_year);
    if (r) out.set(fiscal_year, r);
  }
  return out;
}

/** Creates the year's draft review row when there is none (starting a year). Returns its id. */
export async function ensureReview(trx: Transaction<Database>, centerId: number, fiscalYear: number, userId: number | null): Promise<number> {
  const existing = await trx.selectFrom("assessment_reviews").select("id").where("center_id", "=", centerId).where("fiscal_year", "=", fiscalYear).executeTakeFirst();
  if (existing) return existing.id;
  const row = await trx
    .insertInto("assessment_reviews")
    .values({ center_id: centerId, fiscal_year: fiscalYear, state: "draft" })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, { userId, action: "create", entity: "assessment_review", entityId: row.id, after: row });
  return row.id;
}

export type ReviewStep = "submit" | "validate" | "request_changes" | "reopen";

/** The states each step may start from. */
export const STEP_FROM: Record<ReviewStep, readonly ReviewState[]> = {
  submit: ["draft", "changes_requested"],
  validate: ["submitted"],
  request_changes: ["submitted"],
  reopen: ["submitted", "validated"],
};

const STEP_TO: Record<ReviewStep, ReviewState> = {
  submit: "submitted",
  validate: "validated",
  request_changes: "changes_requested",
  reopen: "draft",
};

const STEP_TEXT: Record<ReviewStep, string> = {
  submit: "submitted",
  validate: "validated",
  request_changes: "sent back for changes",
  reopen: "reopened",
};

export type ReviewStepResult =
  | { ok: true; review: ReviewInfo }
  | { ok: false; reason: "state" | "conflict" | "empty"; message: string; review: ReviewInfo | null };

/**
 * One sign-off step, audited (entity "assessment_review") in the same transaction. `version` is the
 * review row's version the form was loaded with (null when the year had no review row yet).
 */
export async function applyReviewStep(
  db: Kysely<Database>,
  input: { centerId: number; fiscalYear: number; userId: number; step: ReviewStep; note?: string; version: number | null },
): Promise<ReviewStepResult> {
  return db.transaction().execute(async (trx): Promise<ReviewStepResult> => {
    const current = await getReview(trx, input.centerId, input.fiscalYear);
    if ((current?.version ?? null) !== input.version) {
      const now = current ? REVIEW_STATE_LABELS[current.state].toLowerCase() : "draft";
      const who = reviewLabel(current);
      return {
        ok: false,
        reason: "conflict",
        message: `Someone else changed this year's sign-off while you were looking: it is now ${now}${who ? ` (${who})` : ""}. Check it and try again.`,
        review: current,
      };
    }
    const from = current?.state ?? "draft";
    if (!STEP_FROM[input.step].includes(from)) {
      return {
        ok: false,
        reason: "state",
        message: `The FY${input.fiscalYear} assessment is ${REVIEW_STATE_LABELS[from].toLowerCase()}; it cannot be ${STEP_TEXT[input.step]} now.`,
        review: current,
      };
    }
    if (input.step === "submit") {
      const rows = await trx
        .selectFrom("assessments")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("center_id", "=", input.centerId)
        .where("fiscal_year", "=", input.fiscalYear)
        .executeTakeFirstOrThrow();
      if (Number(rows.n) === 0) {
        return { ok: false, reason: "empty", message: `Nothing to submit: no capability is assessed for FY${input.fiscalYear} yet.`, review: current };
      }
    }
    const id = current?.id ?? (await ensureReview(trx, input.centerId, input.fiscalYear, input.userId));
    const version = current?.version ?? 1;
    const at = new Date().toISOString();
    const changes: Record<string, unknown> = { state: STEP_TO[input.step], note: (input.note ?? "").trim() };
    if (input.step === "submit") Object.assign(changes, { submitted_by: input.userId, submitted_at: at, reviewed_by: null, reviewed_at: null });
    else Object.assign(changes, { reviewed_by: input.userId, reviewed_at: at });
    const result = await updateVersioned<{ version: number }>(trx, "assessment_reviews", id, version, changes);
    if (!result.ok) {
      const now = await getReview(trx, input.centerId, input.fiscalYear);
      return { ok: false, reason: "conflict", message: "Someone else changed this year's sign-off at the same moment. Check it and try again.", review: now };
    }
    await recordAudit(trx, { userId: input.userId, action: input.step, entity: "assessment_review", entityId: id, before: result.before, after: result.after });
    return { ok: true, review: (await getReview(trx, input.centerId, input.fiscalYear))! };
  });
}
