import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, PrimeAward, Q } from "../../db/schema";
import type { Principal } from "../domain/permissions";
import { primeAllocation, subAwardProblems, type SubAwardFacts, type SubAwardField } from "../domain/subawards";
import { recordAudit } from "./audit.server";
import { Refusal, runWrite, type WriteResult } from "./budget.server";

/**
 * Prime awards (docs/decisions/018-prime-and-sub-awards.md): a federal award to a recipient, usually the
 * State Administrative Agency, that centers hold sub-awards under. A prime never counts in a center's
 * figures; its page shows how it is shared out.
 */
type Trx = Transaction<Database>;

export interface PrimeAwardInput {
  awardNumber: string;
  recipient: string;
  state: string;
  programs: string[];
  fiscalYear: number;
  amountCents: number;
  popStart: string;
  popEnd: string;
  assistanceListing: string;
}

/** Programs of primes, keyed by prime id. */
async function programsOf(db: Q, primeIds: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (primeIds.length === 0) return out;
  const rows = await db
    .selectFrom("prime_award_programs")
    .innerJoin("programs", "programs.code", "prime_award_programs.program_code")
    .select(["prime_award_programs.prime_award_id", "prime_award_programs.program_code"])
    .where("prime_award_programs.prime_award_id", "in", primeIds)
    .orderBy("programs.sort_order")
    .execute();
  for (const r of rows) out.set(r.prime_award_id, [...(out.get(r.prime_award_id) ?? []), r.program_code]);
  return out;
}

/** One prime award with its programs, or undefined. */
export async function getPrimeByNumber(db: Q, awardNumber: string): Promise<(PrimeAward & { programs: string[] }) | undefined> {
  const prime = await db.selectFrom("prime_awards").selectAll().where("award_number", "=", awardNumber).executeTakeFirst();
  if (!prime) return undefined;
  return { ...prime, programs: (await programsOf(db, [prime.id])).get(prime.id) ?? [] };
}

/** Sum of the live sub-awards of a prime, one award left out (the one being judged). */
export async function liveSubAwardCents(db: Q, primeId: number, exceptAwardId: number | null): Promise<number> {
  let q = db
    .selectFrom("awards")
    .select((eb) => eb.fn.sum<number>("amount_cents").as("cents"))
    .where("prime_award_id", "=", primeId)
    .where("voided_at", "is", null);
  if (exceptAwardId !== null) q = q.where("id", "<>", exceptAwardId);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.cents ?? 0);
}

const FIELD_OF: Record<SubAwardField, string> = { program: "program", popStart: "popStart", popEnd: "popEnd", amount: "amount" };

/** Problems of a sub-award against the prime with this id (app/domain/subawards.ts), its own amount left out of the others. */
export async function subAwardProblemsTx(db: Q, primeId: number, sub: SubAwardFacts, exceptAwardId: number | null) {
  const prime = await db.selectFrom("prime_awards").selectAll().where("id", "=", primeId).executeTakeFirstOrThrow();
  const programs = (await programsOf(db, [prime.id])).get(prime.id) ?? [];
  const others = await liveSubAwardCents(db, prime.id, exceptAwardId);
  return subAwardProblems(
    sub,
    { awardNumber: prime.award_number, programs, amountCents: prime.amount_cents, popStart: prime.pop_start, popEnd: prime.pop_end },
    others,
  );
}

/**
 * Inside a write: finds the prime by number and judges the sub-award against it; throws a Refusal
 * naming the field and the figures. Returns the prime's id and recipient.
 */
export async function checkSubAwardTx(
  trx: Trx,
  primeNumber: string,
  sub: SubAwardFacts,
  exceptAwardId: number | null,
  primeField = "primeAward",
): Promise<{ id: number; recipient: string }> {
  const prime = await trx.selectFrom("prime_awards").select(["id", "recipient"]).where("award_number", "=", primeNumber).executeTakeFirst();
  if (!prime) throw new Refusal(`Unknown prime award ${primeNumber}: it must be recorded first (Prime awards)`, primeField);
  const problems = await subAwardProblemsTx(trx, prime.id, sub, exceptAwardId);
  if (problems.length > 0) throw new Refusal(problems.map((p) => p.message).join(". "), FIELD_OF[problems[0].field]);
  return prime;
}

/** Creates a prime award with its programs (audited, one transaction). */
export async function createPrimeAward(db: Kysely<Database>, userId: number | null, input: PrimeAwardInput): Promise<WriteResult<PrimeAward>> {
  return runWrite(db, async (trx) => {
    const taken = await trx.selectFrom("prime_awards").select("id").where("award_number", "=", input.awardNumber).executeTakeFirst();
    if (taken) throw new Refusal(`Prime award ${input.awardNumber} is already recorded`, "awardNumber");
    if (input.programs.length === 0) throw new Refusal("Name at least one program the prime award funds", "programs");
    const known = await trx.selectFrom("programs").select("code").where("code", "in", input.programs).execute();
    const unknown = input.programs.filter((p) => !known.some((k) => k.code === p));
    if (unknown.length) throw new Refusal(`Unknown program ${unknown.join(", ")}`, "programs");
    return insertPrimeAwardTx(trx, userId, input, null);
  });
}

/** Inserts a prime and its programs inside an open transaction and audits it (used by the form, imports and the demo). */
export async function insertPrimeAwardTx(trx: Trx, userId: number | null, input: PrimeAwardInput, batchId: number | null): Promise<PrimeAward> {
  const prime = await trx
    .insertInto("prime_awards")
    .values({
      award_number: input.awardNumber,
      recipient: input.recipient,
      state: input.state,
      fiscal_year: input.fiscalYear,
      amount_cents: input.amountCents,
      pop_start: input.popStart,
      pop_end: input.popEnd,
      assistance_listing: input.assistanceListing,
      import_batch_id: batchId,
      created_at: new Date().toISOString(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const programs = [...new Set(input.programs)];
  await trx
    .insertInto("prime_award_programs")
    .values(programs.map((program_code) => ({ prime_award_id: prime.id, program_code })))
    .execute();
  await recordAudit(trx, { userId, action: "create", entity: "prime_award", entityId: prime.id, after: { ...prime, programs } });
  return prime;
}

/**
 * Which primes a user sees: administrators and auditors all; state officials the primes of their
 * states; directors the primes their center holds sub-awards under.
 */
export function primesInScope(db: Q, user: Principal) {
  let q = db.selectFrom("prime_awards");
  if (user.role === "state_official") {
    q = user.states.length ? q.where("prime_awards.state", "in", user.states) : q.where(sql.lit(1), "=", sql.lit(0));
  } else if (user.role === "director") {
    const centerId = user.centerId ?? -1;
    q = q.where((eb) =>
      eb.exists(eb.selectFrom("awards").select("awards.id").whereRef("awards.prime_award_id", "=", "prime_awards.id").where("awards.center_id", "=", centerId)),
    );
  }
  return q;
}

export interface PrimeFilter {
  state?: string;
  fiscalYear?: number;
}

/** Primes the user may see, newest year first, with their live sub-awards' total (all centers). */
export async function listPrimeAwards(db: Q, user: Principal, filter: PrimeFilter = {}) {
  let q = primesInScope(db, user)
    .selectAll("prime_awards")
    .select((eb) => [
      eb
        .selectFrom("awards")
        .select((e) => e.fn.coalesce(e.fn.sum<number>("awards.amount_cents"), sql.lit(0)).as("s"))
        .whereRef("awards.prime_award_id", "=", "prime_awards.id")
        .where("awards.voided_at", "is", null)
        .as("allocated_cents"),
      eb
        .selectFrom("awards")
        .select((e) => e.fn.countAll<number>().as("n"))
        .whereRef("awards.prime_award_id", "=", "prime_awards.id")
        .where("awards.voided_at", "is", null)
        .as("sub_awards"),
    ]);
  if (filter.state) q = q.where("prime_awards.state", "=", filter.state);
  if (filter.fiscalYear) q = q.where("prime_awards.fiscal_year", "=", filter.fiscalYear);
  const rows = await q.orderBy("prime_awards.fiscal_year", "desc").orderBy("prime_awards.state").orderBy("prime_awards.award_number").execute();
  const programs = await programsOf(db, rows.map((r) => r.id));
  return rows.map((r) => ({
    ...r,
    allocated_cents: Number(r.allocated_cents ?? 0),
    sub_awards: Number(r.sub_awards ?? 0),
    programs: programs.get(r.id) ?? [],
  }));
}

/** Primes an award form suggests: those of the given states (a director: their center's), newest first, at most 200. */
export async function primeChoices(db: Q, states: string[] | "all") {
  let q = db.selectFrom("prime_awards").select(["id", "award_number", "recipient", "state", "fiscal_year", "pop_start", "pop_end"]);
  if (states !== "all") q = states.length ? q.where("state", "in", states) : q.where(sql.lit(1), "=", sql.lit(0));
  const rows = await q
    .orderBy("fiscal_year", "desc")
    .orderBy("award_number")
    .limit(200)
    .execute();
  const programs = await programsOf(db, rows.map((r) => r.id));
  return rows.map((r) => ({ ...r, programs: programs.get(r.id) ?? [] }));
}

/**
 * One prime the user may see, with its sub-awards to the centers the user may read and the remainder
 * (other subrecipients or not yet allocated); undefined when it does not exist or is out of scope.
 */
export async function primeAwardDetail(db: Q, user: Principal, awardNumber: string) {
  const prime = await primesInScope(db, user).selectAll("prime_awards").where("prime_awards.award_number", "=", awardNumber).executeTakeFirst();
  if (!prime) return undefined;
  let subs = db
    .selectFrom("awards")
    .innerJoin("centers", "centers.id", "awards.center_id")
    .select([
      "awards.award_number",
      "awards.program_code",
      "awards.fiscal_year",
      "awards.amount_cents",
      "awards.spent_cents",
      "awards.pop_start",
      "awards.pop_end",
      "awards.pass_through",
      "awards.voided_at",
      "centers.code as center_code",
      "centers.name as center_name",
    ])
    .where("awards.prime_award_id", "=", prime.id);
  if (user.role !== "admin" && user.role !== "auditor") {
    subs = user.states.length ? subs.where("centers.state", "in", user.states) : subs.where(sql.lit(1), "=", sql.lit(0));
  }
  const subAwards = await subs.orderBy("centers.code").orderBy("awards.award_number").execute();
  const programs = (await programsOf(db, [prime.id])).get(prime.id) ?? [];
  const allocation = primeAllocation(
    prime.amount_cents,
    subAwards.map((s) => ({ centerCode: s.center_code, centerName: s.center_name, amountCents: s.amount_cents, voided: s.voided_at !== null })),
  );
  return { prime: { ...prime, programs }, subAwards, allocation };
}
