import type { Kysely } from "kysely";
import type { Award, Database, Q } from "../../db/schema";
import { inTransaction } from "../../db/transaction";
import { matchProvidedCents, matchShortfallCents, requiredMatchCents } from "../domain/match";
import { recordAudit } from "./audit.server";
import { updateVersioned } from "./versioning.server";

/**
 * Cost share (COPS 25% local match, docs/domain.md §3.4): the match an award requires
 * (awards.match_required_cents) and the contributions that provide it, kept like spending lines —
 * never deleted, voided with a reason, left out of totals once voided.
 */

/** Default required match for a new or amended award: the program's match percent of the amount. */
export async function defaultMatchRequiredCents(db: Q, programCode: string, amountCents: number): Promise<number> {
  const program = await db.selectFrom("programs").select("match_pct").where("code", "=", programCode).executeTakeFirst();
  return requiredMatchCents(amountCents, program?.match_pct ?? null);
}

export async function listContributions(db: Q, awardId: number) {
  return db
    .selectFrom("match_contributions")
    .select(["id", "date", "kind", "amount_cents", "description", "version", "voided_at", "void_reason"])
    .where("award_id", "=", awardId)
    .orderBy("date")
    .orderBy("id")
    .execute();
}

export interface MatchTotals {
  requiredCents: number;
  providedCents: number;
  cashCents: number;
  inKindCents: number;
  shortfallCents: number;
}

/** Required, provided (cash + in-kind, live lines only) and shortfall, from the domain's arithmetic. */
export function matchTotals(requiredCents: number, lines: ReadonlyArray<{ kind: "cash" | "in_kind"; amount_cents: number; voided_at: string | null }>): MatchTotals {
  const asLines = lines.map((l) => ({ amountCents: l.amount_cents, kind: l.kind, voided: l.voided_at !== null }));
  const providedCents = matchProvidedCents(asLines);
  const cashCents = matchProvidedCents(asLines, { cashOnly: true });
  return {
    requiredCents,
    providedCents,
    cashCents,
    inKindCents: providedCents - cashCents,
    shortfallCents: matchShortfallCents(requiredCents, asLines),
  };
}

export async function addContribution(
  db: Q,
  actorId: number,
  awardId: number,
  input: { date: string; kind: "cash" | "in_kind"; amountCents: number; description: string },
): Promise<number> {
  return inTransaction(db, async (trx) => {
    const row = {
      award_id: awardId,
      date: input.date,
      kind: input.kind,
      amount_cents: input.amountCents,
      description: input.description,
      created_at: new Date().toISOString(),
    };
    const { id } = await trx.insertInto("match_contributions").values(row).returning("id").executeTakeFirstOrThrow();
    await recordAudit(trx, { userId: actorId, action: "create", entity: "match_contribution", entityId: id, after: { id, ...row } });
    return id;
  });
}

type ContributionRow = { id: number; award_id: number; version: number; voided_at: string | null };

export type VoidResult =
  | { ok: true }
  | { ok: false; reason: "missing" }
  | { ok: false; reason: "already-voided" }
  | { ok: false; reason: "conflict"; current: ContributionRow };

export async function voidContribution(
  db: Kysely<Database>,
  actorId: number,
  awardId: number,
  input: { id: number; version: number; reason: string },
): Promise<VoidResult> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom("match_contributions").select(["id", "award_id", "voided_at"]).where("id", "=", input.id).executeTakeFirst();
    if (!row || row.award_id !== awardId) return { ok: false as const, reason: "missing" as const };
    if (row.voided_at !== null) return { ok: false as const, reason: "already-voided" as const };
    const r = await updateVersioned<ContributionRow>(trx, "match_contributions", input.id, input.version, {
      voided_at: new Date().toISOString(),
      void_reason: input.reason,
    });
    if (!r.ok) return r;
    await recordAudit(trx, { userId: actorId, action: "void", entity: "match_contribution", entityId: input.id, before: r.before, after: r.after });
    return { ok: true as const };
  });
}

export type RequiredResult = { ok: true } | { ok: false; reason: "missing" } | { ok: false; reason: "conflict"; current: Award };

/** An administrator's figure for the award's required match (e.g. a waiver or a negotiated share). */
export async function setRequiredMatch(
  db: Kysely<Database>,
  actorId: number,
  awardId: number,
  input: { version: number; requiredCents: number },
): Promise<RequiredResult> {
  return db.transaction().execute(async (trx) => {
    const r = await updateVersioned<Award>(trx, "awards", awardId, input.version, { match_required_cents: input.requiredCents });
    if (!r.ok) return r;
    await recordAudit(trx, { userId: actorId, action: "update", entity: "award", entityId: awardId, before: r.before, after: r.after });
    return { ok: true as const };
  });
}
