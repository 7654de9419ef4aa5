/**
 * Import type `awards`: one award of a center. The required match follows the program's share
 * unless someone set it by hand; an award's amount cannot go below its live budget lines.
 * `prime_award` makes it a sub-award of a recorded prime (docs/decisions/018): judged by the same rule
 * as the award form (app/domain/subawards.ts), the prime's running total following the file's order.
 * Empty `prime_award` and `pass_through` cells leave what is recorded as it is.
 */
import { z } from "zod";
import { dateOutOfRange } from "../../domain/dates";
import { requiredMatchCents } from "../../domain/match";
import { centsToDecimal, formatMoney } from "../../domain/money";
import { subAwardProblems, type SubAwardField } from "../../domain/subawards";
import { date, fiscalYear, identifier, MAX_NAME_CHARS, money, program, PROGRAM_CODES, text } from "../fields";
import { centerHint, EXPORT_PAGE, voidedMessage, type AwardEntry, type ImportTypeDef } from "../handler";

export interface AwardRow {
  awardNumber: string;
  centerCode: string;
  programCode: (typeof PROGRAM_CODES)[number];
  fiscalYear: number;
  amountCents: number;
  popStart: string;
  popEnd: string;
  primeAward: string | null;
  passThrough: string | null;
}

const COLUMN_OF: Record<SubAwardField, string> = { program: "program", popStart: "pop_start", popEnd: "pop_end", amount: "amount" };

export const awards: ImportTypeDef<AwardRow> = {
  label: "Awards",
  columns: ["award_number", "center", "program", "fiscal_year", "amount", "pop_start", "pop_end", "prime_award", "pass_through"],
  optional: ["prime_award", "pass_through"],
  text: ["pass_through"],
  key: ["award_number"],
  notes: {
    award_number: "As on the award document. Key.",
    center: "Code of a center in Baseline.",
    program: PROGRAM_CODES.join(", "),
    fiscal_year: "2024 or FY2024 (federal fiscal years 2000–2100).",
    amount: "1234.56, $1,234.56 or 1234.",
    pop_start: "YYYY-MM-DD or MM/DD/YYYY.",
    pop_end: "Not before pop_start.",
    prime_award: "Optional: the prime award (FAIN) this is a sub-award of; its program, period and total must fit the prime.",
    pass_through: "Optional: the entity that made the sub-award; empty is the prime's recipient.",
  },
  schema: z
    .object({
      award_number: identifier("Award number"),
      center: identifier("Center code"),
      program,
      fiscal_year: fiscalYear,
      amount: money,
      pop_start: date,
      pop_end: date,
      prime_award: z.string().transform((raw) => raw.trim().toUpperCase() || null),
      pass_through: text("Pass-through entity", MAX_NAME_CHARS, false),
    })
    .superRefine((v, ctx) => {
      if (v.pop_start > v.pop_end) {
        ctx.addIssue({
          code: "custom",
          path: ["pop_end"],
          message: `The period of performance ends (${v.pop_end}) before it starts (${v.pop_start})`,
        });
      }
    })
    .transform(
      (v): AwardRow => ({
        awardNumber: v.award_number,
        centerCode: v.center,
        programCode: v.program,
        fiscalYear: v.fiscal_year,
        amountCents: v.amount,
        popStart: v.pop_start,
        popEnd: v.pop_end,
        primeAward: v.prime_award,
        passThrough: v.pass_through || null,
      }),
    ),
  cells: (r) => [r.awardNumber, r.centerCode, r.programCode, String(r.fiscalYear), centsToDecimal(r.amountCents), r.popStart, r.popEnd, r.primeAward ?? "", r.passThrough ?? ""],

  async handler(ctx) {
    const insert = ctx.prepare(
      `insert into awards (award_number, center_id, program_code, fiscal_year, amount_cents, pop_start, pop_end,
         match_required_cents, import_batch_id, created_at, prime_award_id, pass_through) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id`,
    );
    const update = ctx.prepare(
      `update awards set center_id = ?, program_code = ?, fiscal_year = ?, amount_cents = ?, pop_start = ?, pop_end = ?,
         match_required_cents = ?, version = version + 1, import_batch_id = ?, prime_award_id = ?, pass_through = ? where id = ?`,
    );
    // Primes and the live total of their sub-awards, kept as a running total while the file is read.
    const primes = new Map<string, { id: number; number: string; recipient: string; programs: string[]; amountCents: number; popStart: string; popEnd: string; allocatedCents: number }>();
    const primeById = new Map<number, string>();
    for (const p of await ctx.prepare("select id, award_number, recipient, amount_cents, pop_start, pop_end from prime_awards").all<{
      id: number;
      award_number: string;
      recipient: string;
      amount_cents: number;
      pop_start: string;
      pop_end: string;
    }>()) {
      primes.set(p.award_number, { id: p.id, number: p.award_number, recipient: p.recipient, programs: [], amountCents: p.amount_cents, popStart: p.pop_start, popEnd: p.pop_end, allocatedCents: 0 });
      primeById.set(p.id, p.award_number);
    }
    for (const [id, code] of await ctx.prepare("select prime_award_id, program_code from prime_award_programs").values<[number, string]>()) primes.get(primeById.get(id)!)!.programs.push(code);
    const links = new Map<number, { prime: string | null; passThrough: string | null }>();
    for (const [id, primeId, passThrough, amount, voided] of await ctx
      .prepare("select id, prime_award_id, pass_through, amount_cents, voided_at from awards")
      .values<[number, number | null, string | null, number, string | null]>()) {
      const prime = primeId === null ? null : primeById.get(primeId)!;
      links.set(id, { prime, passThrough });
      if (prime && voided === null) primes.get(prime)!.allocatedCents += amount;
    }
    const awards = await ctx.awards();
    const programs = new Map((await ctx.trx.selectFrom("programs").select(["code", "match_pct"]).execute()).map((p) => [p.code, p.match_pct]));
    const asRow = (a: AwardEntry): AwardRow => ({
      awardNumber: a.awardNumber,
      centerCode: ctx.centers.byId.get(a.centerId)?.code ?? "",
      programCode: a.program as AwardRow["programCode"],
      fiscalYear: a.fiscalYear,
      amountCents: a.amountCents,
      popStart: a.popStart,
      popEnd: a.popEnd,
      primeAward: links.get(a.id)?.prime ?? null,
      passThrough: links.get(a.id)?.passThrough ?? null,
    });
    /** Awards added or changed: their reporting obligations follow, as on the form (docs/decisions/013-import-layout.md). */
    const written: number[] = [];
    return {
      async row(r, n) {
        const before = ctx.errorCount;
        const found = ctx.centers.byKey.get(r.centerCode);
        const center = found && ctx.mine(found.id) ? found : undefined;
        if (!center) ctx.error(n, "center", ctx.unknown("center", r.centerCode, centerHint(ctx.centers, r.centerCode)));
        if (!programs.has(r.programCode)) ctx.error(n, "program", `Program ${r.programCode} is not set up in this database`);
        for (const [column, day] of [["pop_start", r.popStart], ["pop_end", r.popEnd]] as const) {
          const problem = dateOutOfRange(day);
          if (problem) ctx.error(n, column, problem);
        }
        const ex = awards.byKey.get(r.awardNumber);
        // Another center's award is named like one that does not exist: no figure of it is told.
        if (ex && !ctx.mine(ex.centerId)) ctx.error(n, "award_number", ctx.unknown("award", r.awardNumber));
        else if (ex) {
          if (ex.voidedAt) ctx.error(n, "award_number", voidedMessage("Award", ex.awardNumber, ex.voidedAt, "a voided award cannot be imported again"));
          if (r.amountCents < ex.budgetedCents) {
            ctx.error(
              n,
              "amount",
              `Award ${ex.awardNumber} has live budget lines totalling ${formatMoney(ex.budgetedCents)}; its amount cannot be lowered to ${formatMoney(r.amountCents)}`,
            );
          }
        }
        // An empty cell keeps the recorded prime and pass-through (a file from before these columns changes nothing).
        const link = ex ? links.get(ex.id) : undefined;
        const primeNumber = r.primeAward ?? link?.prime ?? null;
        const prime = primeNumber === null ? null : primes.get(primeNumber);
        if (primeNumber !== null && !prime) ctx.error(n, "prime_award", `Unknown prime award ${primeNumber}: import it first (type prime_awards)`);
        const passThrough = prime ? (r.passThrough ?? link?.passThrough ?? prime.recipient) : null;
        const liveBefore = ex && !ex.voidedAt && link?.prime ? { prime: link.prime, cents: ex.amountCents } : null;
        if (prime) {
          const others = prime.allocatedCents - (liveBefore?.prime === prime.number ? liveBefore.cents : 0);
          for (const p of subAwardProblems(
            { programCode: r.programCode, amountCents: r.amountCents, popStart: r.popStart, popEnd: r.popEnd },
            { awardNumber: prime.number, programs: prime.programs, amountCents: prime.amountCents, popStart: prime.popStart, popEnd: prime.popEnd },
            others,
          )) {
            ctx.error(n, COLUMN_OF[p.field], p.message);
          }
        }
        if (ctx.errorCount > before || !center) return;
        if (ex && ex.centerId !== center.id) {
          const from = ctx.centers.byId.get(ex.centerId)?.code ?? "";
          if (!ctx.moved(n, ex.awardNumber, from, center.code)) {
            return ctx.error(
              n,
              "center",
              `Award ${ex.awardNumber} is recorded for ${from}; this row would move it to ${center.code}. Confirm the move on the import page, or import with --allow-move`,
            );
          }
        }
        const full: AwardRow = { ...r, primeAward: prime?.number ?? null, passThrough };
        const allocate = () => {
          if (liveBefore) primes.get(liveBefore.prime)!.allocatedCents -= liveBefore.cents;
          if (prime) prime.allocatedCents += r.amountCents;
        };
        const values = {
          awardNumber: r.awardNumber,
          centerId: center.id,
          program: r.programCode,
          fiscalYear: r.fiscalYear,
          amountCents: r.amountCents,
          popStart: r.popStart,
          popEnd: r.popEnd,
          matchCents: requiredMatchCents(r.amountCents, programs.get(r.programCode) ?? null),
        };
        const v = values;
        if (!ex) {
          const w = await ctx.attempt(n, "award_number", () =>
            insert.get<{ id: number }>(v.awardNumber, v.centerId, v.program, v.fiscalYear, v.amountCents, v.popStart, v.popEnd, v.matchCents, ctx.batchId, ctx.now, prime?.id ?? null, passThrough),
          );
          if (!w.ok) return;
          const entry: AwardEntry = { id: w.value!.id, ...values, budgetedCents: 0, voidedAt: null };
          awards.byKey.set(entry.awardNumber, entry);
          awards.byId.set(entry.id, entry);
          links.set(entry.id, { prime: prime?.number ?? null, passThrough });
          allocate();
          written.push(entry.id);
          ctx.added(n, full);
          return;
        }
        const old = asRow(ex);
        if (
          ex.centerId === center.id &&
          ex.program === r.programCode &&
          ex.fiscalYear === r.fiscalYear &&
          ex.amountCents === r.amountCents &&
          ex.popStart === r.popStart &&
          ex.popEnd === r.popEnd &&
          old.primeAward === full.primeAward &&
          old.passThrough === full.passThrough
        ) {
          return ctx.unchanged();
        }
        // A required match someone set by hand (app/models/match.server.ts) is kept; a computed one follows the new amount.
        const computedBefore = requiredMatchCents(ex.amountCents, programs.get(ex.program) ?? null);
        if (ex.matchCents !== computedBefore) values.matchCents = ex.matchCents;
        const w = await ctx.attempt(n, "amount", () =>
          update.run(v.centerId, v.program, v.fiscalYear, v.amountCents, v.popStart, v.popEnd, v.matchCents, ctx.batchId, prime?.id ?? null, passThrough, ex.id),
        );
        if (!w.ok) return;
        Object.assign(ex, values);
        links.set(ex.id, { prime: full.primeAward, passThrough });
        allocate();
        written.push(ex.id);
        ctx.changed(n, old, full);
      },
      async finish() {
        if (written.length > 0 && ctx.errorCount === 0) await ctx.syncObligations(written);
      },
    };
  },

  async *exportRows({ db, filter, inScope }) {
    let after = "";
    for (;;) {
      let q = db
        .selectFrom("awards")
        .innerJoin("centers", "centers.id", "awards.center_id")
        .leftJoin("prime_awards", "prime_awards.id", "awards.prime_award_id")
        .select([
          "prime_awards.award_number as prime_award",
          "awards.pass_through",
          "awards.award_number",
          "centers.code",
          "awards.program_code",
          "awards.fiscal_year",
          "awards.amount_cents",
          "awards.pop_start",
          "awards.pop_end",
        ])
        .where("awards.voided_at", "is", null)
        .where("awards.award_number", ">", after);
      q = inScope(q);
      if (filter.centerId !== undefined) q = q.where("awards.center_id", "=", filter.centerId);
      if (filter.fiscalYear !== undefined) q = q.where("awards.fiscal_year", "=", filter.fiscalYear);
      const page = await q.orderBy("awards.award_number").limit(EXPORT_PAGE).execute();
      for (const r of page) {
        yield {
          awardNumber: r.award_number,
          centerCode: r.code,
          programCode: r.program_code as AwardRow["programCode"],
          fiscalYear: r.fiscal_year,
          amountCents: r.amount_cents,
          popStart: r.pop_start,
          popEnd: r.pop_end,
          primeAward: r.prime_award,
          passThrough: r.pass_through,
        };
      }
      if (page.length < EXPORT_PAGE) return;
      after = page[page.length - 1].award_number;
    }
  },
};
