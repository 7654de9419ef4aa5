import { sql } from "kysely";
import type { Q } from "../../db/schema";
import type { CenterScope } from "../domain/permissions";
import { fiscalYearOf } from "../domain/dates";
import { reconcile, type ReconcileRow } from "../domain/reconcile";

/**
 * Reconciliation of centers' sub-awards with the USAspending snapshot (app/domain/reconcile.ts):
 * the page, its CSV and the `reconcile` command read it here.
 */
export interface ReconcileFilter {
  /** The prime's fiscal year (a USAspending row's prime not in Baseline: the fiscal year of its action date). */
  fiscalYear?: number;
  centerCode?: string;
}

export async function reconciliation(db: Q, scope: CenterScope, filter: ReconcileFilter = {}) {
  const [subAwards, snapshot, centers, primes] = await Promise.all([
    db
      .selectFrom("awards")
      .innerJoin("prime_awards", "prime_awards.id", "awards.prime_award_id")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select(["prime_awards.award_number as prime", "awards.award_number", "awards.amount_cents", "centers.code", "centers.state", "prime_awards.fiscal_year"])
      .where("awards.voided_at", "is", null)
      .execute(),
    db
      .selectFrom("usaspending_subawards")
      .select(["prime_award_fain", "subaward_number", "subaward_amount_cents", "subaward_action_date", "subawardee_uei"])
      .execute(),
    db.selectFrom("centers").select(["code", "state", "uei"]).where("uei", "is not", null).execute(),
    db.selectFrom("prime_awards").select(["award_number", "fiscal_year"]).execute(),
  ]);
  const centerByUei = new Map(centers.map((c) => [c.uei!, c.code]));
  const all = reconcile(
    subAwards.map((s) => ({ primeNumber: s.prime, subawardNumber: s.award_number, centerCode: s.code, amountCents: s.amount_cents })),
    snapshot.map((u) => ({
      primeFain: u.prime_award_fain,
      subawardNumber: u.subaward_number,
      amountCents: u.subaward_amount_cents,
      actionDate: u.subaward_action_date,
      uei: u.subawardee_uei,
    })),
    centerByUei,
  );
  const stateOf = new Map<string, string>();
  for (const s of subAwards) stateOf.set(s.code, s.state);
  for (const c of centers) stateOf.set(c.code, c.state);
  const primeYear = new Map(primes.map((p) => [p.award_number, p.fiscal_year]));
  const actionYear = new Map(snapshot.map((u) => [u.prime_award_fain, fiscalYearOf(u.subaward_action_date)]));
  const rows: ReconcileRow[] = all.filter((r) => {
    if (scope.kind === "states" && !scope.states.includes(stateOf.get(r.center) ?? "")) return false;
    if (filter.centerCode && r.center !== filter.centerCode) return false;
    if (filter.fiscalYear !== undefined && (primeYear.get(r.primeAward) ?? actionYear.get(r.primeAward)) !== filter.fiscalYear) return false;
    return true;
  });
  const snapshotAt = await db
    .selectFrom("usaspending_subawards")
    .leftJoin("import_batches", "import_batches.id", "usaspending_subawards.import_batch_id")
    .select([sql<string | null>`max(import_batches.at)`.as("at"), sql<number>`count(*)`.as("rows")])
    .executeTakeFirst();
  return { rows, snapshot: { importedAt: snapshotAt?.at ?? null, rows: Number(snapshotAt?.rows ?? 0) } };
}
