import type { Kysely, Transaction } from "kysely";
import { AWARD_COLUMNS, BUDGET_LINE_COLUMNS, type BudgetLine, type CostCategory, type Database, type Poete, type Q, type Spending } from "../../db/schema";
import { inTransaction } from "../../db/transaction";
import { closedPeriodCovering, closedPeriodMessage, lineSpentProblem, overBudget } from "../domain/guards";
import { formatMoney } from "../domain/money";
import { recordAudit } from "./audit.server";
import { friendlyDbError, isPeriodClosedError } from "./db-errors.server";
import { updateVersioned } from "./versioning.server";

/**
 * Budget lines and spending writes. Every write runs in one transaction that checks the
 * money first (so the refusal carries the figures), then writes, then appends the audit row. The
 * triggers of migrations/0003 keep the summary columns and are the backstop for the same rules.
 */

type Trx = Transaction<Database>;

/** A refusal a user can act on; `field` names the form field it belongs to. */
export class Refusal extends Error {
  constructor(
    message: string,
    public field?: string,
  ) {
    super(message);
  }
}

/** The row's version moved on since the form was loaded. */
export class ConflictError extends Error {
  constructor(public current: Record<string, unknown> & { version: number }) {
    super("conflict");
  }
}

export type WriteResult<T> =
  | { ok: true; value: T }
  | { ok: false; kind: "refused"; message: string; field?: string }
  | { ok: false; kind: "conflict"; current: Record<string, unknown> & { version: number } };

/** Runs `fn` in a transaction; a Refusal, a conflict or a database guard rolls it back and comes back as a result. */
export async function runWrite<T>(db: Q, fn: (trx: Trx) => Promise<T>): Promise<WriteResult<T>> {
  try {
    return { ok: true, value: await inTransaction(db, fn) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, kind: "refused", message: error.message, field: error.field };
    if (error instanceof ConflictError) return { ok: false, kind: "conflict", current: error.current };
    const friendly = friendlyDbError(error);
    if (friendly) return { ok: false, kind: "refused", message: friendly, field: isPeriodClosedError(error) ? "date" : "amount" };
    throw error;
  }
}

/** updateVersioned, throwing so the whole transaction rolls back on a conflict. */
export async function versionedOrThrow<Row extends { version: number }>(
  trx: Trx,
  table: "awards" | "budget_lines" | "spending",
  id: number,
  version: number,
  changes: Record<string, unknown>,
  known?: Row,
): Promise<Row> {
  const result = await updateVersioned<Row>(trx, table, id, version, changes, known);
  if (result.ok) return result.after;
  if (result.reason === "missing") throw new Refusal("This record no longer exists; reload the page");
  throw new ConflictError(result.current);
}

// Summary columns move with every payment; they stay out of audit rows so history shows what a person changed.
function auditLine(line: BudgetLine) {
  const { spent_cents: _s, ...rest } = line;
  return rest;
}

export interface LineInput {
  capabilityId: string | null;
  poete: Poete;
  costCategory: CostCategory;
  amountCents: number;
  description: string;
}

export interface SpendingInput {
  date: string;
  amountCents: number;
  description: string;
}

async function liveAward(trx: Trx, awardId: number) {
  const award = await trx.selectFrom("awards").select(AWARD_COLUMNS).where("id", "=", awardId).executeTakeFirst();
  if (!award) throw new Refusal("This award no longer exists");
  if (award.voided_at) throw new Refusal(`This award was voided on ${award.voided_at.slice(0, 10)}; its budget cannot change`);
  return award;
}

async function checkCapability(trx: Trx, capabilityId: string | null): Promise<void> {
  if (capabilityId === null) return;
  const found = await trx.selectFrom("capabilities").select("id").where("id", "=", capabilityId).executeTakeFirst();
  if (!found) throw new Refusal(`Unknown capability "${capabilityId}"`, "capability");
}

/** Refuses with the shared rule's message (app/domain/guards.ts) when `problem` is set. */
function refuseIf(problem: string | null, field: string): void {
  if (problem) throw new Refusal(problem, field);
}

async function nextId(trx: Trx, table: "budget_lines" | "spending", prefix: string, start: number): Promise<string> {
  for (let n = start; ; n++) {
    const id = `${prefix}${n}`;
    const taken =
      table === "budget_lines"
        ? await trx.selectFrom("budget_lines").select("id").where("line_id", "=", id).executeTakeFirst()
        : await trx.selectFrom("spending").select("id").where("spend_id", "=", id).executeTakeFirst();
    if (!taken) return id;
  }
}

/** Line of an award by its line id; refuses a line of another award (a form cannot reach across awards). */
async function lineOfAward(trx: Trx, awardId: number, lineKey: string): Promise<BudgetLine> {
  const line = await trx.selectFrom("budget_lines").select(BUDGET_LINE_COLUMNS).where("line_id", "=", lineKey).where("award_id", "=", awardId).executeTakeFirst();
  if (!line) throw new Refusal(`No budget line ${lineKey} on this award`);
  return line;
}

async function spendingOfAward(trx: Trx, awardId: number, spendKey: string): Promise<Spending & { line_key: string }> {
  const row = await trx
    .selectFrom("spending")
    .innerJoin("budget_lines", "budget_lines.id", "spending.budget_line_id")
    .selectAll("spending")
    .select("budget_lines.line_id as line_key")
    .where("spending.spend_id", "=", spendKey)
    .where("budget_lines.award_id", "=", awardId)
    .executeTakeFirst();
  if (!row) throw new Refusal(`No payment ${spendKey} on this award`);
  return row;
}

// ---------------------------------------------------------------------------------------------
// Budget lines
// ---------------------------------------------------------------------------------------------

/** Inserts a budget line inside an open transaction (used by the form and by applying a plan). Throws Refusal. */
export async function insertBudgetLineTx(trx: Trx, userId: number, awardId: number, input: LineInput): Promise<BudgetLine> {
  const award = await liveAward(trx, awardId);
  await checkCapability(trx, input.capabilityId);
  refuseIf(overBudget(award.budgeted_cents + input.amountCents, award.amount_cents), "amount");
  const count = await trx.selectFrom("budget_lines").select((eb) => eb.fn.countAll<number>().as("n")).where("award_id", "=", awardId).executeTakeFirstOrThrow();
  const lineId = await nextId(trx, "budget_lines", `${award.award_number}-L`, Number(count.n) + 1);
  const line = await trx
    .insertInto("budget_lines")
    .values({
      line_id: lineId,
      award_id: awardId,
      capability_id: input.capabilityId,
      poete: input.poete,
      cost_category: input.costCategory,
      amount_cents: input.amountCents,
      description: input.description,
      created_at: new Date().toISOString(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, { userId, action: "create", entity: "budget_line", entityId: line.id, after: { award_number: award.award_number, ...auditLine(line) } });
  return line;
}

export function addBudgetLine(db: Q, userId: number, awardId: number, input: LineInput): Promise<WriteResult<BudgetLine>> {
  return runWrite(db, (trx) => insertBudgetLineTx(trx, userId, awardId, input));
}

export function editBudgetLine(
  db: Kysely<Database>,
  userId: number,
  awardId: number,
  lineKey: string,
  version: number,
  input: LineInput,
): Promise<WriteResult<BudgetLine>> {
  return runWrite(db, async (trx) => {
    const award = await liveAward(trx, awardId);
    const line = await lineOfAward(trx, awardId, lineKey);
    if (line.voided_at) throw new Refusal(`Line ${lineKey} is voided; it cannot be edited`);
    if (line.version !== version) throw new ConflictError(line);
    // The line's own capability was checked when it was set (and the foreign key holds it).
    if (input.capabilityId !== line.capability_id) await checkCapability(trx, input.capabilityId);
    if (input.amountCents < line.spent_cents) {
      throw new Refusal(`Line ${lineKey} already has ${formatMoney(line.spent_cents)} spent; its amount cannot go below that`, "amount");
    }
    refuseIf(overBudget(award.budgeted_cents - line.amount_cents + input.amountCents, award.amount_cents), "amount");
    const after = await versionedOrThrow<BudgetLine>(
      trx,
      "budget_lines",
      line.id,
      version,
      {
        capability_id: input.capabilityId,
        poete: input.poete,
        cost_category: input.costCategory,
        amount_cents: input.amountCents,
        description: input.description,
      },
      line,
    );
    await recordAudit(trx, { userId, action: "update", entity: "budget_line", entityId: line.id, before: auditLine(line), after: auditLine(after) });
    return after;
  });
}

/** Voids a line (kept, struck through, out of totals). A line with live spending is refused until that spending is voided. */
export function voidBudgetLine(db: Kysely<Database>, userId: number, awardId: number, lineKey: string, version: number, reason: string): Promise<WriteResult<BudgetLine>> {
  return runWrite(db, async (trx) => {
    await liveAward(trx, awardId);
    const line = await lineOfAward(trx, awardId, lineKey);
    if (line.voided_at) throw new Refusal(`Line ${lineKey} was already voided on ${line.voided_at.slice(0, 10)}`);
    if (line.version !== version) throw new ConflictError(line);
    const live = await trx
      .selectFrom("spending")
      .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.sum<number>("amount_cents").as("cents")])
      .where("budget_line_id", "=", line.id)
      .where("voided_at", "is", null)
      .executeTakeFirstOrThrow();
    if (Number(live.n) > 0) {
      const n = Number(live.n);
      throw new Refusal(
        `Line ${lineKey} has ${n} live payment${n === 1 ? "" : "s"} totalling ${formatMoney(Number(live.cents))}; void that spending first`,
        "reason",
      );
    }
    const after = await versionedOrThrow<BudgetLine>(trx, "budget_lines", line.id, version, { voided_at: new Date().toISOString(), void_reason: reason });
    await recordAudit(trx, { userId, action: "void", entity: "budget_line", entityId: line.id, before: auditLine(line), after: auditLine(after) });
    return after;
  });
}

// ---------------------------------------------------------------------------------------------
// Spending
// ---------------------------------------------------------------------------------------------

/** Refuses spending dated in a closed reporting period with the figures (app/domain/guards.ts); the trigger of migrations/0005 is the backstop. */
async function refuseIfClosed(trx: Trx, award: { id: number; award_number: string }, what: string, date: string): Promise<void> {
  const periods = await trx
    .selectFrom("closed_periods")
    .select(["period_start as start", "period_end as end"])
    .where("award_id", "=", award.id)
    .where("reopened_at", "is", null)
    .execute();
  const period = closedPeriodCovering(periods, date);
  if (period) throw new Refusal(closedPeriodMessage(what, date, period, award.award_number), "date");
}

export function addSpending(db: Q, userId: number, awardId: number, lineKey: string, input: SpendingInput): Promise<WriteResult<Spending>> {
  return runWrite(db, async (trx) => {
    const award = await liveAward(trx, awardId);
    const line = await lineOfAward(trx, awardId, lineKey);
    if (line.voided_at) throw new Refusal(`Line ${lineKey} is voided; spending cannot be added to it`);
    await refuseIfClosed(trx, award, "The payment date", input.date);
    refuseIf(lineSpentProblem(lineKey, line.spent_cents + input.amountCents, line.amount_cents), "amount");
    const count = await trx.selectFrom("spending").select((eb) => eb.fn.countAll<number>().as("n")).where("budget_line_id", "=", line.id).executeTakeFirstOrThrow();
    const spendId = await nextId(trx, "spending", `${lineKey}-S`, Number(count.n) + 1);
    const row = await trx
      .insertInto("spending")
      .values({
        spend_id: spendId,
        budget_line_id: line.id,
        date: input.date,
        amount_cents: input.amountCents,
        description: input.description,
        created_at: new Date().toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { userId, action: "create", entity: "spending", entityId: row.id, after: { line_id: lineKey, ...row } });
    return row;
  });
}

export function editSpending(
  db: Kysely<Database>,
  userId: number,
  awardId: number,
  spendKey: string,
  version: number,
  input: SpendingInput,
): Promise<WriteResult<Spending>> {
  return runWrite(db, async (trx) => {
    const award = await liveAward(trx, awardId);
    const { line_key, ...row } = await spendingOfAward(trx, awardId, spendKey);
    if (row.voided_at) throw new Refusal(`Payment ${spendKey} is voided; it cannot be edited`);
    if (row.version !== version) throw new ConflictError(row);
    await refuseIfClosed(trx, award, `Payment ${spendKey} is dated`, row.date);
    await refuseIfClosed(trx, award, "The payment date", input.date);
    const line = await lineOfAward(trx, awardId, line_key);
    refuseIf(lineSpentProblem(line_key, line.spent_cents - row.amount_cents + input.amountCents, line.amount_cents), "amount");
    const after = await versionedOrThrow<Spending>(trx, "spending", row.id, version, { date: input.date, amount_cents: input.amountCents, description: input.description });
    await recordAudit(trx, { userId, action: "update", entity: "spending", entityId: row.id, before: row, after });
    return after;
  });
}

export function voidSpending(db: Kysely<Database>, userId: number, awardId: number, spendKey: string, version: number, reason: string): Promise<WriteResult<Spending>> {
  return runWrite(db, async (trx) => {
    await liveAward(trx, awardId);
    const { line_key, ...row } = await spendingOfAward(trx, awardId, spendKey);
    if (row.voided_at) throw new Refusal(`Payment ${spendKey} was already voided on ${row.voided_at.slice(0, 10)}`);
    if (row.version !== version) throw new ConflictError(row);
    // Voiding a refund raises spent again; voiding a payment that a later refund offsets lowers it.
    const line = await lineOfAward(trx, awardId, line_key);
    refuseIf(lineSpentProblem(line_key, line.spent_cents - row.amount_cents, line.amount_cents), "reason");
    const after = await versionedOrThrow<Spending>(trx, "spending", row.id, version, { voided_at: new Date().toISOString(), void_reason: reason });
    await recordAudit(trx, { userId, action: "void", entity: "spending", entityId: row.id, before: row, after });
    return after;
  });
}
