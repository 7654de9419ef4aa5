import { syncAwardObligations } from "./obligations.server";
import { sql, type Kysely } from "kysely";
import { AWARD_COLUMNS, type Agency, type Award, type Database, type Q } from "../../db/schema";
import type { CenterScope } from "../domain/permissions";
import { describeAuditChange, formatAuditTime, inSentence } from "../domain/audit-diff";
import { awardTotals, defaultPopEnd, FUNDING_SOURCES, fundingBySource, type FundingYear } from "../domain/grants";
import { requiredMatchCents } from "../domain/match";
import { formatMoney } from "../domain/money";
import { historyOf, recordAudit } from "./audit.server";
import { scoped } from "./centers.server";
import { checkSubAwardTx } from "./prime-awards.server";
import { ConflictError, Refusal, runWrite, versionedOrThrow, type WriteResult } from "./budget.server";

export interface AwardFilter {
  center?: string;
  program?: string;
  fiscalYear?: number;
  agency?: Agency;
}

/** An award as award lists show it (the grant list, a center's awards): number, year, program, amounts, period. */
const AWARD_ROW_COLUMNS = [
  "awards.id",
  "awards.award_number",
  "awards.fiscal_year",
  "awards.program_code",
  "programs.agency",
  "programs.federal",
  "awards.amount_cents",
  "awards.budgeted_cents",
  "awards.spent_cents",
  "awards.pop_start",
  "awards.pop_end",
  "awards.voided_at",
] as const;

/** Awards the user may see, with center and program, newest year first. Voided awards are included (shown struck through). */
export async function listAwards(db: Q, scope: CenterScope, filter: AwardFilter = {}) {
  let q = db
    .selectFrom("awards")
    .innerJoin("centers", "centers.id", "awards.center_id")
    .innerJoin("programs", "programs.code", "awards.program_code")
    .select([...AWARD_ROW_COLUMNS, "centers.code as center_code", "centers.name as center_name", "centers.state as center_state"]);
  q = scoped(q, scope);
  if (filter.center) q = q.where("centers.code", "=", filter.center);
  if (filter.program) q = q.where("awards.program_code", "=", filter.program);
  if (filter.fiscalYear) q = q.where("awards.fiscal_year", "=", filter.fiscalYear);
  if (filter.agency) q = q.where("programs.agency", "=", filter.agency);
  return q
    .orderBy("awards.fiscal_year", "desc")
    .orderBy("centers.state")
    .orderBy("centers.code")
    .orderBy("programs.sort_order")
    .orderBy("awards.award_number")
    .execute();
}

/** One center's awards (voided included), newest year first, for the center page. */
export async function centerAwards(db: Q, centerId: number) {
  return db
    .selectFrom("awards")
    .innerJoin("programs", "programs.code", "awards.program_code")
    .select(AWARD_ROW_COLUMNS)
    .where("awards.center_id", "=", centerId)
    .orderBy("awards.fiscal_year", "desc")
    .orderBy("programs.sort_order")
    .orderBy("awards.award_number")
    .execute();
}

/**
 * The award list of /awards and its CSV for the URL's filters (center, program, agency; the fiscal year read by the route): the
 * rows the user may see and the totals of the live ones. The page and the export both call this.
 */
export async function awardsForUrl(db: Q, scope: CenterScope, url: URL, fiscalYear?: number) {
  const p = url.searchParams;
  const center = p.get("center")?.trim().toUpperCase() || undefined;
  const program = p.get("program")?.trim().toUpperCase() || undefined;
  const agencyText = p.get("agency")?.toUpperCase() ?? "";
  const agency = (FUNDING_SOURCES as readonly string[]).includes(agencyText) ? (agencyText as Agency) : undefined;
  const rows = await listAwards(db, scope, { center, program, fiscalYear, agency });
  const totals = awardTotals(
    rows.map((r) => ({ amountCents: r.amount_cents, budgetedCents: r.budgeted_cents, spentCents: r.spent_cents, voided: r.voided_at !== null })),
  );
  return {
    filter: { center: center ?? "", program: program ?? "", fy: fiscalYear ? String(fiscalYear) : "", agency: agency ?? "" },
    rows,
    totals,
  };
}

/** Choices for the award list filters, limited to what the user may see. */
export async function awardFilterOptions(db: Q, scope: CenterScope) {
  const [centers, years, programs] = await Promise.all([
    scoped(db.selectFrom("centers").select(["centers.code", "centers.name", "centers.state"]), scope).orderBy("centers.state").orderBy("centers.code").execute(),
    scoped(db.selectFrom("awards").innerJoin("centers", "centers.id", "awards.center_id").select("awards.fiscal_year").distinct(), scope)
      .orderBy("awards.fiscal_year", "desc")
      .execute(),
    db.selectFrom("programs").select(["code", "name", "agency"]).orderBy("sort_order").execute(),
  ]);
  return { centers, years: years.map((y) => y.fiscal_year), programs };
}

/** One award with its center and program, or undefined. */
export async function getAwardByNumber(db: Q, awardNumber: string) {
  return awardWithContext(db)
    .leftJoin("prime_awards", "prime_awards.id", "awards.prime_award_id")
    .select("prime_awards.award_number as prime_award_number")
    .where("awards.award_number", "=", awardNumber)
    .executeTakeFirst();
}

/**
 * One award by id with its center and program, without its prime award's number: it reads only
 * tables data_version watches, so a memoized result may hold it (memo.server.ts).
 */
export async function getAwardContext(db: Q, awardId: number) {
  return awardWithContext(db).where("awards.id", "=", awardId).executeTakeFirst();
}

function awardWithContext(db: Q) {
  return db
    .selectFrom("awards")
    .innerJoin("centers", "centers.id", "awards.center_id")
    .innerJoin("programs", "programs.code", "awards.program_code")
    .select(AWARD_COLUMNS.map((c) => `awards.${c}` as const))
    .select([
      "centers.code as center_code",
      "centers.name as center_name",
      "centers.state as center_state",
      "programs.name as program_name",
      "programs.agency",
      "programs.federal",
      "programs.pop_months",
      "programs.match_pct",
      "programs.reports",
    ]);
}

export type AwardWithContext = NonNullable<Awaited<ReturnType<typeof getAwardByNumber>>>;

/** Budget lines of an award (voided included), with the capability title, in entry order. */
export async function awardLines(db: Q, awardId: number) {
  return db
    .selectFrom("budget_lines")
    .leftJoin("capabilities", "capabilities.id", "budget_lines.capability_id")
    .selectAll("budget_lines")
    .select("capabilities.title as capability_title")
    .where("budget_lines.award_id", "=", awardId)
    .orderBy("budget_lines.id")
    .execute();
}

function spendingOfAward(db: Q, awardId: number) {
  return db
    .selectFrom("spending")
    .innerJoin("budget_lines", "budget_lines.id", "spending.budget_line_id")
    .where("budget_lines.award_id", "=", awardId);
}

/** How many payments an award has (voided included). */
export async function countAwardSpending(db: Q, awardId: number): Promise<number> {
  const row = await spendingOfAward(db, awardId)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** An award's payments (voided included) with their line ids. */
function paymentsOfAward(db: Q, awardId: number) {
  return spendingOfAward(db, awardId).selectAll("spending").select("budget_lines.line_id");
}

/** One page of an award's payments (voided included), newest first: the award page lists them in pages. */
export async function awardSpendingPage(db: Q, awardId: number, window: { offset: number; limit: number }) {
  return paymentsOfAward(db, awardId)
    .orderBy("spending.date", "desc")
    .orderBy("spending.id", "desc")
    .limit(window.limit)
    .offset(window.offset)
    .execute();
}

/** One payment of an award by its payment id, or undefined. */
export async function awardPayment(db: Q, awardId: number, spendId: string) {
  return paymentsOfAward(db, awardId).where("spending.spend_id", "=", spendId).executeTakeFirst();
}

/** Spending of an award (voided included), with its line id, by date. */
export async function awardSpending(db: Q, awardId: number) {
  return paymentsOfAward(db, awardId)
    .orderBy("spending.date")
    .orderBy("spending.id")
    .execute();
}

/** Audit history of an award, its budget lines and their spending, newest first. */
export async function awardHistory(db: Kysely<Database>, awardId: number, lineIds: number[], limit = 500) {
  // The payments are selected in SQL, not bound one by one: an award may have tens of thousands.
  const spendIds = spendingOfAward(db, awardId).select(sql<string>`cast(spending.id as text)`.as("id"));
  const [a, l, s] = await Promise.all([historyOf(db, "award", [awardId]), historyOf(db, "budget_line", lineIds), historyOf(db, "spending", spendIds)]);
  return [...a, ...l, ...s].sort((x, y) => y.id - x.id).slice(0, limit);
}

/** Funding by source per fiscal year for one center (the stacked bar on the center page). */
export async function centerFundingBySource(db: Q, centerId: number): Promise<FundingYear[]> {
  const rows = await db
    .selectFrom("awards")
    .innerJoin("programs", "programs.code", "awards.program_code")
    .select(["awards.fiscal_year", "programs.agency", "awards.amount_cents", "awards.voided_at"])
    .where("awards.center_id", "=", centerId)
    .execute();
  return fundingBySource(rows.map((r) => ({ fiscalYear: r.fiscal_year, agency: r.agency, amountCents: r.amount_cents, voided: r.voided_at !== null })));
}

/** Live awards of a center, for the plan's "turn into budget lines" choice. */
export async function liveAwardsOfCenter(db: Q, centerId: number) {
  return db
    .selectFrom("awards")
    .select(["id", "award_number", "program_code", "fiscal_year", "amount_cents", "budgeted_cents"])
    .where("center_id", "=", centerId)
    .where("voided_at", "is", null)
    .orderBy("fiscal_year", "desc")
    .orderBy("award_number")
    .execute();
}

/**
 * What others changed in a record since the version a form was loaded with, read from the audit
 * trail ("who at when: field before → after"), for the conflict message.
 */
export async function auditChangesSince(db: Q, entity: string, entityId: string | number, loadedVersion: number): Promise<string[]> {
  const rows = await db
    .selectFrom("audit_log")
    .leftJoin("users", "users.id", "audit_log.user_id")
    .select(["audit_log.before_json", "audit_log.after_json", "users.username", "audit_log.at"])
    .where("audit_log.entity", "=", entity)
    .where("audit_log.entity_id", "=", String(entityId))
    .orderBy("audit_log.id")
    .execute();
  const out: string[] = [];
  for (const r of rows) {
    const before = r.before_json ? JSON.parse(r.before_json) : null;
    if (!before || typeof before.version !== "number" || before.version < loadedVersion) continue;
    const who = `${r.username ?? "someone"} at ${formatAuditTime(r.at)}`;
    for (const c of describeAuditChange(r.before_json, r.after_json)) {
      if (IGNORED_IN_CONFLICT.has(c.field)) continue;
      out.push(`${who} changed ${inSentence(c.label)}: ${c.before} → ${c.after}`);
    }
  }
  return out;
}

const IGNORED_IN_CONFLICT = new Set(["version", "updated_at", "updated_by", "budgeted_cents", "spent_cents"]);

// ---------------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------------

export interface NewAwardInput {
  awardNumber: string;
  centerId: number;
  programCode: string;
  fiscalYear: number;
  amountCents: number;
  popStart: string;
  /** null: start + the program's pop_months, less a day. */
  popEnd: string | null;
  /** The prime award's number (FAIN) when this is a sub-award (docs/decisions/018); null or absent for a direct award. */
  primeAward?: string | null;
  /** The pass-through entity; defaults to the prime's recipient. */
  passThrough?: string | null;
}

function auditAward(a: Award) {
  const { budgeted_cents: _b, spent_cents: _s, ...rest } = a;
  return rest;
}

/** Creates an award (audited). Refuses a duplicate number, an unknown program, or a missing period end. */
export async function createAward(db: Q, userId: number, input: NewAwardInput): Promise<WriteResult<Award>> {
  return runWrite(db, async (trx) => {
    const program = await trx.selectFrom("programs").selectAll().where("code", "=", input.programCode).executeTakeFirst();
    if (!program) throw new Refusal(`Unknown program ${input.programCode}`, "program");
    const taken = await trx.selectFrom("awards").select("award_number").where("award_number", "=", input.awardNumber).executeTakeFirst();
    if (taken) throw new Refusal(`Award number ${input.awardNumber} is already recorded`, "awardNumber");
    const popEnd = input.popEnd ?? defaultPopEnd(input.popStart, program.pop_months);
    if (popEnd === null) throw new Refusal(`${program.code} has no default period of performance; enter the end date`, "popEnd");
    if (popEnd < input.popStart) throw new Refusal(`The period cannot end (${popEnd}) before it starts (${input.popStart})`, "popEnd");
    const prime = input.primeAward
      ? await checkSubAwardTx(trx, input.primeAward, { programCode: program.code, amountCents: input.amountCents, popStart: input.popStart, popEnd }, null)
      : null;
    const inserted = await trx
      .insertInto("awards")
      .values({
        award_number: input.awardNumber,
        center_id: input.centerId,
        program_code: program.code,
        fiscal_year: input.fiscalYear,
        amount_cents: input.amountCents,
        pop_start: input.popStart,
        pop_end: popEnd,
        // Required local match from the program's percent (COPS 25%, docs/domain.md §3.4), as match.ts defines it.
        match_required_cents: requiredMatchCents(input.amountCents, program.match_pct),
        prime_award_id: prime?.id ?? null,
        pass_through: prime ? input.passThrough || prime.recipient : input.passThrough || null,
        created_at: new Date().toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { userId, action: "create", entity: "award", entityId: inserted.id, after: auditAward(inserted) });
    // Reporting obligations (BSIR, SF-425, PMT, FINAL) are stored with the award, in the same transaction.
    await syncAwardObligations(trx, inserted.id, userId);
    return inserted;
  });
}

/**
 * Voids an award (kept, struck through, out of totals). An award with live budget lines cannot be
 * voided: its lines (and their spending) must be voided first, so no live money hangs off a void award.
 */
export async function voidAward(db: Kysely<Database>, userId: number, awardId: number, version: number, reason: string): Promise<WriteResult<Award>> {
  return runWrite(db, async (trx) => {
    const award = await trx.selectFrom("awards").selectAll().where("id", "=", awardId).executeTakeFirst();
    if (!award) throw new Refusal("This award no longer exists");
    if (award.voided_at) throw new Refusal(`This award was already voided on ${award.voided_at.slice(0, 10)}`);
    if (award.version !== version) throw new ConflictError(award);
    const live = await trx
      .selectFrom("budget_lines")
      .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.sum<number>("amount_cents").as("cents")])
      .where("award_id", "=", awardId)
      .where("voided_at", "is", null)
      .executeTakeFirstOrThrow();
    if (Number(live.n) > 0) {
      throw new Refusal(
        `This award still has ${live.n} live budget line${Number(live.n) === 1 ? "" : "s"} totalling ${formatMoney(Number(live.cents))}; void them (and their spending) first`,
        "reason",
      );
    }
    const after = await versionedOrThrow<Award>(trx, "awards", awardId, version, { voided_at: new Date().toISOString(), void_reason: reason });
    await recordAudit(trx, { userId, action: "void", entity: "award", entityId: awardId, before: auditAward(award), after: auditAward(after) });
    return after;
  });
}

/**
 * Names (or clears) the prime award and pass-through entity of an award. A sub-award is judged against
 * its prime (program, period, the prime's total; app/domain/subawards.ts) before anything is written.
 */
export async function setAwardPrime(
  db: Kysely<Database>,
  userId: number,
  awardId: number,
  version: number,
  input: { primeAward: string | null; passThrough: string | null },
): Promise<WriteResult<Award>> {
  return runWrite(db, async (trx) => {
    const award = await trx.selectFrom("awards").selectAll().where("id", "=", awardId).executeTakeFirst();
    if (!award) throw new Refusal("This award no longer exists");
    if (award.voided_at) throw new Refusal(`This award was voided on ${award.voided_at.slice(0, 10)}; it cannot change`);
    if (award.version !== version) throw new ConflictError(award);
    const prime = input.primeAward
      ? await checkSubAwardTx(
          trx,
          input.primeAward,
          { programCode: award.program_code, amountCents: award.amount_cents, popStart: award.pop_start, popEnd: award.pop_end },
          award.id,
        )
      : null;
    const changes = {
      prime_award_id: prime?.id ?? null,
      pass_through: prime ? input.passThrough || prime.recipient : input.passThrough || null,
    };
    if (changes.prime_award_id === award.prime_award_id && changes.pass_through === award.pass_through) {
      throw new Refusal("Nothing changed: the prime award and pass-through entity are the same as now", "primeAward");
    }
    const after = await versionedOrThrow<Award>(trx, "awards", awardId, version, changes);
    await recordAudit(trx, { userId, action: "update", entity: "award", entityId: awardId, before: auditAward(award), after: auditAward(after) });
    return after;
  });
}
