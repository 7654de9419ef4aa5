/**
 * Import type `budget_lines`: a line of an award's budget. The award's live lines may not total
 * more than the award (app/domain/guards.ts); a line cannot go below its spending, and a line
 * with spending cannot move to another award.
 */
import { z } from "zod";
import type { CostCategory, Poete } from "../../../db/schema";
import { overBudget } from "../../domain/guards";
import { centsToDecimal, formatMoney } from "../../domain/money";
import { capability, choice, COST_CATEGORIES, identifier, MAX_DESCRIPTION_CHARS, money, POETE_VALUES, text } from "../fields";
import { Deferred, EXPORT_PAGE, unknownCapability, voidedMessage, type AwardEntry, type ImportTypeDef, type LineEntry } from "../handler";

export interface BudgetLineRow {
  lineId: string;
  awardNumber: string;
  capabilityId: string | null;
  poete: Poete;
  costCategory: CostCategory;
  amountCents: number;
  description: string;
}

interface ExistingLine {
  award_id: number;
  capability_id: string | null;
  poete: string;
  cost_category: string;
  amount_cents: number;
  description: string;
}

interface PendingLine {
  n: number;
  r: BudgetLineRow;
  award: AwardEntry;
  ex: LineEntry | null;
  before: BudgetLineRow | null;
}

export const budgetLines: ImportTypeDef<BudgetLineRow> = {
  label: "Budget lines",
  columns: ["line_id", "award_number", "capability", "poete", "cost_category", "amount", "description"],
  optional: ["capability", "description"],
  text: ["description"],
  key: ["line_id"],
  notes: {
    line_id: "Your id for the line. Key.",
    award_number: "An award in Baseline.",
    capability: "A catalog id such as I.A, II.B, COC-2, EC-1; empty for none.",
    poete: POETE_VALUES.join(", "),
    cost_category: COST_CATEGORIES.join(", "),
    amount: "Lines of an award may not add up to more than the award.",
    description: "Up to 2,000 characters.",
  },
  schema: z
    .object({
      line_id: identifier("Line id"),
      award_number: identifier("Award number"),
      capability: capability(false),
      poete: choice("POETE category", POETE_VALUES),
      cost_category: choice("Cost category", COST_CATEGORIES, { "m&a": "ma", m_a: "ma" }),
      amount: money,
      description: text("Description", MAX_DESCRIPTION_CHARS, false),
    })
    .transform(
      (v): BudgetLineRow => ({
        lineId: v.line_id,
        awardNumber: v.award_number,
        capabilityId: v.capability,
        poete: v.poete,
        costCategory: v.cost_category,
        amountCents: v.amount,
        description: v.description,
      }),
    ),
  cells: (r) => [r.lineId, r.awardNumber, r.capabilityId ?? "", r.poete, r.costCategory, centsToDecimal(r.amountCents), r.description],

  async handler(ctx) {
    const getLine = ctx.prepare("select award_id, capability_id, poete, cost_category, amount_cents, description from budget_lines where id = ?");
    const insert = ctx.prepare(
      `insert into budget_lines (line_id, award_id, capability_id, poete, cost_category, amount_cents, description,
         import_batch_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning id`,
    );
    const update = ctx.prepare(
      `update budget_lines set award_id = ?, capability_id = ?, poete = ?, cost_category = ?, amount_cents = ?,
         description = ?, version = version + 1, import_batch_id = ? where id = ?`,
    );
    const awards = await ctx.awards();
    const lines = await ctx.lines();
    const capabilities = await ctx.capabilities();

    const delta = (p: PendingLine) => (p.ex && p.ex.awardId === p.award.id ? p.r.amountCents - p.ex.amountCents : p.r.amountCents);
    const deferred = new Deferred<PendingLine>(
      (p) => overBudget(p.award.budgetedCents + delta(p), p.award.amountCents) === null,
      async (p) => {
        const r = p.r;
        const ex = p.ex;
        if (!ex) {
          const w = await ctx.attempt(p.n, "amount", () =>
            insert.get<{ id: number }>(r.lineId, p.award.id, r.capabilityId, r.poete, r.costCategory, r.amountCents, r.description, ctx.batchId, ctx.now),
          );
          if (!w.ok) return;
          const entry: LineEntry = { id: w.value!.id, lineId: r.lineId, awardId: p.award.id, amountCents: r.amountCents, spentCents: 0, voided: false };
          lines.byKey.set(entry.lineId, entry);
          lines.byId.set(entry.id, entry);
          p.award.budgetedCents += r.amountCents;
          ctx.added(p.n, r);
          return;
        }
        const d = delta(p);
        const w = await ctx.attempt(p.n, "amount", () =>
          update.run(p.award.id, r.capabilityId, r.poete, r.costCategory, r.amountCents, r.description, ctx.batchId, ex.id),
        );
        if (!w.ok) return;
        if (ex.awardId !== p.award.id) awards.byId.get(ex.awardId)!.budgetedCents -= ex.amountCents;
        p.award.budgetedCents += d;
        ex.awardId = p.award.id;
        ex.amountCents = r.amountCents;
        ctx.changed(p.n, p.before!, r);
      },
      (p) => ctx.error(p.n, "amount", `Award ${p.award.awardNumber}: ${overBudget(p.award.budgetedCents + delta(p), p.award.amountCents)}`),
    );

    return {
      async row(r, n) {
        const errorsBefore = ctx.errorCount;
        const named = awards.byKey.get(r.awardNumber);
        const award = named && ctx.mine(named.centerId) ? named : undefined;
        if (!award) ctx.error(n, "award_number", ctx.unknown("award", r.awardNumber));
        else if (award.voidedAt) ctx.error(n, "award_number", voidedMessage("Award", award.awardNumber, award.voidedAt, "lines cannot be added to it"));
        if (r.capabilityId !== null && !capabilities.has(r.capabilityId)) ctx.error(n, "capability", unknownCapability(capabilities, r.capabilityId));
        const ex = lines.byKey.get(r.lineId) ?? null;
        const oldAward = ex ? awards.byId.get(ex.awardId)! : null;
        // Another center's line is named like one that does not exist: no figure of it is told.
        if (oldAward && !ctx.mine(oldAward.centerId)) return ctx.error(n, "line_id", ctx.unknown("budget line", r.lineId));
        if (ex?.voided) ctx.error(n, "line_id", `Budget line ${r.lineId} was voided; a voided line cannot be imported again (use a new line_id)`);
        if (ex && oldAward && award && ex.awardId !== award.id && ex.spentCents > 0) {
          ctx.error(
            n,
            "award_number",
            `Budget line ${r.lineId} has ${formatMoney(ex.spentCents)} of spending on award ${oldAward.awardNumber}; a line with spending cannot move to another award`,
          );
        }
        if (ex && r.amountCents < ex.spentCents) {
          ctx.error(n, "amount", `Budget line ${r.lineId} has ${formatMoney(ex.spentCents)} of spending; its amount cannot be lowered to ${formatMoney(r.amountCents)}`);
        }
        if (ctx.errorCount > errorsBefore || !award) return;

        let before: BudgetLineRow | null = null;
        if (ex) {
          const cur = (await getLine.get<ExistingLine>(ex.id))!;
          before = {
            lineId: r.lineId,
            awardNumber: oldAward!.awardNumber,
            capabilityId: cur.capability_id,
            poete: cur.poete as BudgetLineRow["poete"],
            costCategory: cur.cost_category as BudgetLineRow["costCategory"],
            amountCents: cur.amount_cents,
            description: cur.description,
          };
          if (
            cur.award_id === award.id &&
            cur.capability_id === r.capabilityId &&
            cur.poete === r.poete &&
            cur.cost_category === r.costCategory &&
            cur.amount_cents === r.amountCents &&
            cur.description === r.description
          ) {
            return ctx.unchanged();
          }
        }
        await deferred.offer({ n, r, award, ex, before });
      },
      finish: () => deferred.finish(),
    };
  },

  async *exportRows({ db, filter, inScope }) {
    let after = "";
    for (;;) {
      let q = db
        .selectFrom("budget_lines")
        .innerJoin("awards", "awards.id", "budget_lines.award_id")
        .innerJoin("centers", "centers.id", "awards.center_id")
        .select([
          "budget_lines.line_id",
          "awards.award_number",
          "budget_lines.capability_id",
          "budget_lines.poete",
          "budget_lines.cost_category",
          "budget_lines.amount_cents",
          "budget_lines.description",
        ])
        .where("budget_lines.voided_at", "is", null)
        .where("awards.voided_at", "is", null)
        .where("budget_lines.line_id", ">", after);
      q = inScope(q);
      if (filter.centerId !== undefined) q = q.where("awards.center_id", "=", filter.centerId);
      if (filter.fiscalYear !== undefined) q = q.where("awards.fiscal_year", "=", filter.fiscalYear);
      const page = await q.orderBy("budget_lines.line_id").limit(EXPORT_PAGE).execute();
      for (const r of page) {
        yield {
          lineId: r.line_id,
          awardNumber: r.award_number,
          capabilityId: r.capability_id,
          poete: r.poete,
          costCategory: r.cost_category,
          amountCents: r.amount_cents,
          description: r.description,
        };
      }
      if (page.length < EXPORT_PAGE) return;
      after = page[page.length - 1].line_id;
    }
  },
};
