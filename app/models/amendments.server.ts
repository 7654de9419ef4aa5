import type { Award, Q } from "../../db/schema";
import { inTransaction } from "../../db/transaction";
import { formatMoney } from "../domain/money";
import { requiredMatchCents } from "../domain/match";
import { recordAudit } from "./audit.server";
import { friendlyDbError } from "./db-errors.server";
import { syncAwardObligations } from "./obligations.server";
import { updateVersioned } from "./versioning.server";
import { subAwardProblemsTx } from "./prime-awards.server";
import { shownUserName } from "./users.server";

/**
 * Award amendments: a change of amount or period is numbered per award and keeps its
 * before and after; the award itself is updated (versioned) so every figure uses the amended values.
 */

export async function listAmendments(db: Q, awardId: number) {
  return db
    .selectFrom("amendments")
    .leftJoin("users", "users.id", "amendments.created_by")
    .select([
      "amendments.id",
      "amendments.number",
      "amendments.date",
      "amendments.reason",
      "amendments.before_amount_cents",
      "amendments.after_amount_cents",
      "amendments.before_pop_start",
      "amendments.after_pop_start",
      "amendments.before_pop_end",
      "amendments.after_pop_end",
      shownUserName("users").as("created_by_name"),
    ])
    .where("amendments.award_id", "=", awardId)
    .orderBy("amendments.number")
    .execute();
}

export interface AmendmentInput {
  /** The award's version the form was loaded with. */
  version: number;
  date: string;
  reason: string;
  amountCents?: number;
  popStart?: string;
  popEnd?: string;
}

export type AmendmentResult =
  | { ok: true; number: number }
  | { ok: false; reason: "invalid"; field: "amount" | "popStart" | "popEnd" | "date"; message: string }
  | { ok: false; reason: "missing" }
  | { ok: false; reason: "conflict"; current: Award };

/**
 * The match an award requires after its amount changes: the program's default for the new amount,
 * unless an administrator had set a different figure (then that figure is kept).
 */
export function amendedMatchRequired(award: { amount_cents: number; match_required_cents: number }, matchPct: number | null, newAmountCents: number): number {
  const wasDefault = award.match_required_cents === requiredMatchCents(award.amount_cents, matchPct);
  return wasDefault ? requiredMatchCents(newAmountCents, matchPct) : award.match_required_cents;
}

/** Records an amendment and applies it to the award, the audit trail and the reporting schedule in one transaction. */
export async function createAmendment(db: Q, actorId: number, awardId: number, input: AmendmentInput): Promise<AmendmentResult> {
  try {
    return await inTransaction(db, async (trx) => {
      const award = await trx
        .selectFrom("awards")
        .innerJoin("programs", "programs.code", "awards.program_code")
        .select([
          "awards.id",
          "awards.amount_cents",
          "awards.pop_start",
          "awards.pop_end",
          "awards.budgeted_cents",
          "awards.match_required_cents",
          "awards.voided_at",
          "awards.prime_award_id",
          "awards.program_code",
          "programs.match_pct",
        ])
        .where("awards.id", "=", awardId)
        .executeTakeFirst();
      if (!award) return { ok: false as const, reason: "missing" as const };
      const invalid = (field: "amount" | "popStart" | "popEnd" | "date", message: string) => ({ ok: false as const, reason: "invalid" as const, field, message });
      if (award.voided_at !== null) return invalid("amount", "This award is voided; a voided award cannot be amended.");
      const after = {
        amount_cents: input.amountCents ?? award.amount_cents,
        pop_start: input.popStart ?? award.pop_start,
        pop_end: input.popEnd ?? award.pop_end,
      };
      if (after.amount_cents === award.amount_cents && after.pop_start === award.pop_start && after.pop_end === award.pop_end) {
        return invalid("amount", "The amendment changes nothing: the amount and the period are the same as now.");
      }
      if (after.pop_start > after.pop_end) {
        return invalid("popEnd", `The period would end (${after.pop_end}) before it starts (${after.pop_start}).`);
      }
      // Budget lines may never add up to more than the award (the trigger in migrations/0003 enforces it too).
      if (after.amount_cents < award.budgeted_cents) {
        return invalid(
          "amount",
          `The award would be ${formatMoney(after.amount_cents)} but ${formatMoney(award.budgeted_cents)} is already budgeted. Lower or void budget lines first.`,
        );
      }
      // A sub-award's amended amount and period still fit its prime (docs/decisions/018).
      if (award.prime_award_id !== null) {
        const problems = await subAwardProblemsTx(
          trx,
          award.prime_award_id,
          { programCode: award.program_code, amountCents: after.amount_cents, popStart: after.pop_start, popEnd: after.pop_end },
          award.id,
        );
        if (problems.length > 0) return invalid(problems[0].field === "program" ? "amount" : problems[0].field, problems.map((p) => p.message).join(". "));
      }
      const matchRequired = amendedMatchRequired(award, award.match_pct, after.amount_cents);
      const updated = await updateVersioned<Award>(trx, "awards", awardId, input.version, { ...after, match_required_cents: matchRequired });
      if (!updated.ok) return updated;

      const last = await trx
        .selectFrom("amendments")
        .select((eb) => eb.fn.max("number").as("n"))
        .where("award_id", "=", awardId)
        .executeTakeFirst();
      const number = Number(last?.n ?? 0) + 1;
      const row = {
        award_id: awardId,
        number,
        date: input.date,
        reason: input.reason,
        before_amount_cents: award.amount_cents,
        after_amount_cents: after.amount_cents,
        before_pop_start: award.pop_start,
        after_pop_start: after.pop_start,
        before_pop_end: award.pop_end,
        after_pop_end: after.pop_end,
        created_by: actorId,
      };
      const { id } = await trx.insertInto("amendments").values(row).returning("id").executeTakeFirstOrThrow();
      await recordAudit(
        trx,
        { userId: actorId, action: "update", entity: "award", entityId: awardId, before: updated.before, after: updated.after },
        { userId: actorId, action: "create", entity: "amendment", entityId: id, after: { id, ...row } },
      );
      if (after.pop_start !== award.pop_start || after.pop_end !== award.pop_end) await syncAwardObligations(trx, awardId, actorId);
      return { ok: true as const, number };
    });
  } catch (error) {
    // A budget line added between our check and the update: the trigger refuses, we explain.
    const friendly = friendlyDbError(error);
    if (friendly) return { ok: false, reason: "invalid", field: "amount", message: friendly };
    throw error;
  }
}
