/**
 * Import type `spending`: one payment on a budget line, negative for a refund or credit. Payments on
 * a line add up to between zero and the line (judged on the file's final state), and spending dated in a closed reporting period cannot change (app/domain/guards.ts).
 *
 * Speed (1M-row files): a new payment that fits goes out in multi-row INSERTs (ctx.batchRows rows,
 * by engine) with ON CONFLICT DO NOTHING, so it costs no SELECT; only a spend_id that already exists
 * is read back, to tell changed from unchanged.
 */
import { z } from "zod";
import { dateOutOfRange } from "../../domain/dates";
import { closedPeriodCovering, closedPeriodMessage, lineSpentProblem, type ClosedPeriod } from "../../domain/guards";
import { centsToDecimal } from "../../domain/money";
import { date, identifier, MAX_DESCRIPTION_CHARS, signedMoney, text } from "../fields";
import { Deferred, EXPORT_PAGE, voidedMessage, type AwardEntry, type ImportTypeDef, type LineEntry } from "../handler";

export interface SpendingRow {
  spendId: string;
  lineId: string;
  date: string;
  amountCents: number;
  description: string;
}

interface ExistingSpending {
  id: number;
  budget_line_id: number;
  date: string;
  amount_cents: number;
  description: string;
  voided_at: string | null;
}

interface PendingSpend {
  n: number;
  r: SpendingRow;
  line: LineEntry;
  /** The payment already recorded under this spend_id, and its line. */
  ex: { id: number; line: LineEntry; before: SpendingRow; amountCents: number } | null;
}

const INSERT_COLUMNS = [
  ["spend_id", "text"],
  ["budget_line_id", "bigint"],
  ["date", "text"],
  ["amount_cents", "bigint"],
  ["description", "text"],
  ["import_batch_id", "bigint"],
  ["created_at", "text"],
] as const;
const COLUMNS = INSERT_COLUMNS.map(([name]) => name).join(", ");

export const spending: ImportTypeDef<SpendingRow> = {
  label: "Spending",
  columns: ["spend_id", "line_id", "date", "amount", "description"],
  optional: ["description"],
  text: ["description"],
  key: ["spend_id"],
  notes: {
    spend_id: "Your id for the payment. Key.",
    line_id: "A budget line in Baseline.",
    date: "YYYY-MM-DD or MM/DD/YYYY, in fiscal years 2000–2100.",
    amount: "A refund or credit is negative (-2,500.00 or (2,500.00)). Payments on a line add up to between zero and the line.",
    description: "Up to 2,000 characters.",
  },
  schema: z
    .object({
      spend_id: identifier("Spend id"),
      line_id: identifier("Line id"),
      date,
      amount: signedMoney,
      description: text("Description", MAX_DESCRIPTION_CHARS, false),
    })
    .transform(
      (v): SpendingRow => ({
        spendId: v.spend_id,
        lineId: v.line_id,
        date: v.date,
        amountCents: v.amount,
        description: v.description,
      }),
    ),
  cells: (r) => [r.spendId, r.lineId, r.date, centsToDecimal(r.amountCents), r.description],

  async handler(ctx) {
    const batchRows = ctx.batchRows();
    const insertOne = ctx.prepare(`insert into spending (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?) on conflict (spend_id) do nothing`);
    const insertRows = ctx.insertRows("spending", INSERT_COLUMNS, "on conflict (spend_id) do nothing");
    // A full batch's look-up of keys already present, and a shorter one's for the end of the file (prepared once, when needed).
    const batchStatements = (rows: number) => ({
      existingIds: ctx.prepare(
        `select spend_id from spending where spend_id in (${Array.from({ length: rows }, () => "?").join(", ")})
           and (import_batch_id is null or import_batch_id <> ?)`,
      ),
    });
    const full = batchStatements(batchRows);
    const getSpending = ctx.prepare("select id, budget_line_id, date, amount_cents, description, voided_at from spending where spend_id = ?");
    const update = ctx.prepare(
      `update spending set budget_line_id = ?, date = ?, amount_cents = ?, description = ?, version = version + 1,
         import_batch_id = ? where id = ?`,
    );
    /** True when the row was inserted, false when the spend_id already exists (nothing written). */
    const insertIfNew = async (r: SpendingRow, lineId: number) =>
      (await insertOne.run(r.spendId, lineId, r.date, r.amountCents, r.description, ctx.batchId, ctx.now)).changes === 1;

    const awards = await ctx.awards();
    const lines = await ctx.lines();
    const closed = new Map<number, ClosedPeriod[]>();
    for (const p of await ctx.trx
      .selectFrom("closed_periods")
      .select(["award_id", "period_start", "period_end"])
      .where("reopened_at", "is", null)
      .execute()) {
      const list = closed.get(p.award_id) ?? [];
      list.push({ start: p.period_start, end: p.period_end });
      closed.set(p.award_id, list);
    }
    const closedPeriod = (awardId: number, day: string) => closedPeriodCovering(closed.get(awardId), day);
    const closedMessage = (awardId: number, day: string, what: string) =>
      closedPeriodMessage(what, day, closedPeriod(awardId, day)!, awards.byId.get(awardId)?.awardNumber ?? "");

    const total = (p: PendingSpend) =>
      p.ex && p.ex.line === p.line ? p.line.spentCents - p.ex.amountCents + p.r.amountCents : p.line.spentCents + p.r.amountCents;
    const deferred = new Deferred<PendingSpend>(
      (p) => lineSpentProblem(p.line.lineId, total(p), p.line.amountCents) === null,
      async (p) => {
        const ex = p.ex;
        if (!ex) {
          const w = await ctx.attempt(p.n, "amount", () => insertIfNew(p.r, p.line.id));
          if (!w.ok) return;
          p.line.spentCents += p.r.amountCents;
          ctx.added(p.n, p.r);
          return;
        }
        const w = await ctx.attempt(p.n, "amount", () => update.run(p.line.id, p.r.date, p.r.amountCents, p.r.description, ctx.batchId, ex.id));
        if (!w.ok) return;
        ex.line.spentCents -= ex.amountCents;
        p.line.spentCents += p.r.amountCents;
        ctx.changed(p.n, ex.before, p.r);
      },
      (p) => ctx.error(p.n, "amount", lineSpentProblem(p.line.lineId, total(p), p.line.amountCents)!),
    );

    /** Any payment the hot path could not place: an existing spend_id, a closed period, a line it would overrun. */
    async function slow(n: number, r: SpendingRow, line: LineEntry, award: AwardEntry, closedNew: boolean): Promise<void> {
      const cur = await getSpending.get<ExistingSpending>(r.spendId);
      if (!cur) {
        if (closedNew) return ctx.error(n, "date", closedMessage(award.id, r.date, "The payment date"));
        return deferred.offer({ n, r, line, ex: null });
      }
      const oldLine = lines.byId.get(cur.budget_line_id)!;
      const oldAward = awards.byId.get(oldLine.awardId)!;
      // Another center's payment is named like one that does not exist: no date or figure of it is told.
      if (!ctx.mine(oldAward.centerId)) return ctx.error(n, "spend_id", ctx.unknown("payment", r.spendId));
      if (cur.voided_at) {
        return ctx.error(n, "spend_id", voidedMessage("Payment", r.spendId, cur.voided_at, "a voided payment cannot be imported again (use a new spend_id)"));
      }
      if (cur.budget_line_id === line.id && cur.date === r.date && cur.amount_cents === r.amountCents && cur.description === r.description) {
        return ctx.unchanged();
      }
      if (closedPeriod(oldAward.id, cur.date)) return ctx.error(n, "date", closedMessage(oldAward.id, cur.date, `Payment ${r.spendId} is dated`));
      if (closedNew) return ctx.error(n, "date", closedMessage(award.id, r.date, "The payment date"));
      const before: SpendingRow = { spendId: r.spendId, lineId: oldLine.lineId, date: cur.date, amountCents: cur.amount_cents, description: cur.description };
      return deferred.offer({ n, r, line, ex: { id: cur.id, line: oldLine, before, amountCents: cur.amount_cents } });
    }

    /** One payment on its own statement (a batch the database refused as a whole). */
    async function single(n: number, r: SpendingRow, line: LineEntry, award: AwardEntry): Promise<void> {
      const w = await ctx.attempt(n, "amount", () => insertIfNew(r, line.id));
      if (!w.ok) return;
      if (!w.value) return slow(n, r, line, award, false);
      line.spentCents += r.amountCents;
      ctx.added(n, r);
    }

    // Hot path: payments that are new and fit go out batchRows at a time. Their amounts are
    // already counted in the lines' running totals; a spend_id that turns out to exist is taken
    // back out and goes the slow way. Only a full batch goes to the database, so the other rows
    // answer nothing and cost no promise.
    const batch: Array<{ n: number; r: SpendingRow; line: LineEntry; award: AwardEntry }> = [];
    const params: unknown[] = [];
    async function flush(): Promise<void> {
      if (batch.length === 0) return;
      const items = batch.splice(0);
      const values = params.splice(0);
      const { existingIds } = items.length === batchRows ? full : batchStatements(items.length);
      const w = await ctx.refusable(() => insertRows.run(values));
      if (w.ok) {
        const inserted = w.value.changes;
        const existing =
          inserted === items.length ? null : new Set(await existingIds.column<string>(...items.map((it) => it.r.spendId), ctx.batchId));
        for (const it of items) {
          if (existing?.has(it.r.spendId)) {
            it.line.spentCents -= it.r.amountCents;
            await slow(it.n, it.r, it.line, it.award, false);
          } else ctx.added(it.n, it.r);
        }
        return;
      }
      for (const it of items) {
        it.line.spentCents -= it.r.amountCents;
        await single(it.n, it.r, it.line, it.award);
      }
    }

    return {
      row(r, n) {
        const named = lines.byKey.get(r.lineId);
        const line = named && ctx.mine(awards.byId.get(named.awardId)!.centerId) ? named : undefined;
        // The forms' date rule (app/domain/dates.ts parseGrantDate): a date one accepts, the other does too.
        const outOfRange = dateOutOfRange(r.date);
        if (outOfRange) ctx.error(n, "date", outOfRange);
        if (!line) return ctx.error(n, "line_id", ctx.unknown("budget line", r.lineId));
        const award = awards.byId.get(line.awardId)!;
        if (line.voided) return ctx.error(n, "line_id", `Budget line ${r.lineId} was voided; spending cannot be added to it`);
        if (award.voidedAt) return ctx.error(n, "line_id", voidedMessage("Award", award.awardNumber, award.voidedAt, "spending cannot be added to it"));
        if (outOfRange) return;
        const closedNew = closedPeriod(award.id, r.date) !== undefined;
        if (closedNew || lineSpentProblem(line.lineId, line.spentCents + r.amountCents, line.amountCents)) return slow(n, r, line, award, closedNew);
        line.spentCents += r.amountCents;
        batch.push({ n, r, line, award });
        params.push(r.spendId, line.id, r.date, r.amountCents, r.description, ctx.batchId, ctx.now);
        if (batch.length === batchRows) return flush();
      },
      async finish() {
        await flush();
        await deferred.finish();
      },
    };
  },

  async *exportRows({ db, filter, inScope }) {
    let after = "";
    for (;;) {
      let q = db
        .selectFrom("spending")
        .innerJoin("budget_lines", "budget_lines.id", "spending.budget_line_id")
        .innerJoin("awards", "awards.id", "budget_lines.award_id")
        .innerJoin("centers", "centers.id", "awards.center_id")
        .select(["spending.spend_id", "budget_lines.line_id", "spending.date", "spending.amount_cents", "spending.description"])
        .where("spending.voided_at", "is", null)
        .where("budget_lines.voided_at", "is", null)
        .where("awards.voided_at", "is", null)
        .where("spending.spend_id", ">", after);
      q = inScope(q);
      if (filter.centerId !== undefined) q = q.where("awards.center_id", "=", filter.centerId);
      if (filter.fiscalYear !== undefined) q = q.where("awards.fiscal_year", "=", filter.fiscalYear);
      const page = await q.orderBy("spending.spend_id").limit(EXPORT_PAGE).execute();
      for (const r of page) {
        yield { spendId: r.spend_id, lineId: r.line_id, date: r.date, amountCents: r.amount_cents, description: r.description };
      }
      if (page.length < EXPORT_PAGE) return;
      after = page[page.length - 1].spend_id;
    }
  },
};
