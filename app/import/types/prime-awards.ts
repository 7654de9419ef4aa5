/**
 * Import type `prime_awards`: a federal award to a recipient (usually the State Administrative Agency)
 * that centers hold sub-awards under (docs/decisions/018). `programs` lists the programs it funds,
 * separated by ";" ("SHSP;UASI"). Only an administrator (or the command line) imports primes. A change
 * that would leave a sub-award outside the prime (a lower amount, a shorter period, a program dropped)
 * is refused by the database guards of migrations/0015 and reported on the row.
 */
import { z } from "zod";
import { centsToDecimal } from "../../domain/money";
import { date, fail, fiscalYear, identifier, MAX_NAME_CHARS, money, PROGRAM_CODES, quote, state, text } from "../fields";
import { EXPORT_PAGE, type ImportTypeDef } from "../handler";
import type { PrimeAwardInput } from "../../models/prime-awards.server";

/** A row is exactly what the model takes to create or update a prime. */
export type PrimeAwardRow = PrimeAwardInput;

const programList = z.string().transform((raw, ctx): string[] => {
  const list = [...new Set(raw.split(/[;,]/).map((p) => p.trim().toUpperCase()).filter(Boolean))];
  if (list.length === 0) return fail(ctx, `Programs are required (one or more of ${PROGRAM_CODES.join(", ")}, separated by ;)`);
  const bad = list.filter((p) => !(PROGRAM_CODES as readonly string[]).includes(p));
  if (bad.length) return fail(ctx, `${quote(bad.join(";"))} is not a program; use ${PROGRAM_CODES.join(", ")}, separated by ;`);
  return list;
});

const LISTING_RE = /^(\d{2}\.\d{3})?$/;

export const primeAwards: ImportTypeDef<PrimeAwardRow> = {
  label: "Prime awards",
  columns: ["award_number", "recipient", "state", "programs", "fiscal_year", "amount", "pop_start", "pop_end", "assistance_listing"],
  optional: ["assistance_listing"],
  text: ["recipient"],
  key: ["award_number"],
  notes: {
    award_number: "The FAIN, e.g. EMW-2023-SS-00012. Key.",
    recipient: "Usually the State Administrative Agency.",
    state: "USPS code or the state's name.",
    programs: "One or more program codes separated by ; (SHSP;UASI;OPSG).",
    amount: "The whole prime award; its centers' sub-awards may not add up to more.",
    assistance_listing: "e.g. 97.067 (HSGP), 16.738 (JAG), 16.710 (COPS).",
  },
  schema: z
    .object({
      award_number: identifier("Award number"),
      recipient: text("Recipient", MAX_NAME_CHARS, true),
      state,
      programs: programList,
      fiscal_year: fiscalYear,
      amount: money,
      pop_start: date,
      pop_end: date,
      assistance_listing: z.string().transform((raw, ctx) => {
        const s = raw.trim();
        return LISTING_RE.test(s) ? s : fail(ctx, `${quote(s)} is not an Assistance Listing number (like 97.067)`);
      }),
    })
    .superRefine((v, ctx) => {
      if (v.amount <= 0) ctx.addIssue({ code: "custom", path: ["amount"], message: "A prime award's amount must be more than $0.00" });
      if (v.pop_start > v.pop_end) {
        ctx.addIssue({ code: "custom", path: ["pop_end"], message: `The period of performance ends (${v.pop_end}) before it starts (${v.pop_start})` });
      }
    })
    .transform(
      (v): PrimeAwardRow => ({
        awardNumber: v.award_number.toUpperCase(),
        recipient: v.recipient,
        state: v.state,
        programs: v.programs,
        fiscalYear: v.fiscal_year,
        amountCents: v.amount,
        popStart: v.pop_start,
        popEnd: v.pop_end,
        assistanceListing: v.assistance_listing,
      }),
    ),
  cells: (r) => [r.awardNumber, r.recipient, r.state, r.programs.join(";"), String(r.fiscalYear), centsToDecimal(r.amountCents), r.popStart, r.popEnd, r.assistanceListing],

  async handler(ctx) {
    const existing = new Map<string, PrimeAwardRow & { id: number }>();
    const rows = await ctx
      .prepare("select id, award_number, recipient, state, fiscal_year, amount_cents, pop_start, pop_end, assistance_listing from prime_awards")
      .all<{ id: number; award_number: string; recipient: string; state: string; fiscal_year: number; amount_cents: number; pop_start: string; pop_end: string; assistance_listing: string }>();
    const programsOf = ctx.prepare("select program_code from prime_award_programs where prime_award_id = ? order by program_code");
    for (const p of rows) {
      existing.set(p.award_number, {
        id: p.id,
        awardNumber: p.award_number,
        recipient: p.recipient,
        state: p.state,
        programs: await programsOf.column<string>(p.id),
        fiscalYear: p.fiscal_year,
        amountCents: p.amount_cents,
        popStart: p.pop_start,
        popEnd: p.pop_end,
        assistanceListing: p.assistance_listing,
      });
    }
    const insert = ctx.prepare(
      `insert into prime_awards (award_number, recipient, state, fiscal_year, amount_cents, pop_start, pop_end, assistance_listing, import_batch_id, created_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id`,
    );
    const update = ctx.prepare(
      `update prime_awards set recipient = ?, state = ?, fiscal_year = ?, amount_cents = ?, pop_start = ?, pop_end = ?, assistance_listing = ?,
         version = version + 1, import_batch_id = ? where id = ?`,
    );
    const addProgram = ctx.prepare("insert into prime_award_programs (prime_award_id, program_code) values (?, ?) on conflict do nothing");
    const dropProgram = ctx.prepare("delete from prime_award_programs where prime_award_id = ? and program_code = ?");
    const refused = ctx.user !== null && ctx.user.role !== "admin";
    const same = (a: PrimeAwardRow, b: PrimeAwardRow) =>
      a.recipient === b.recipient &&
      a.state === b.state &&
      a.fiscalYear === b.fiscalYear &&
      a.amountCents === b.amountCents &&
      a.popStart === b.popStart &&
      a.popEnd === b.popEnd &&
      a.assistanceListing === b.assistanceListing &&
      [...a.programs].sort().join(";") === [...b.programs].sort().join(";");
    return {
      async row(r, n) {
        if (refused) return ctx.error(n, "award_number", "Only an administrator can import prime awards");
        const ex = existing.get(r.awardNumber);
        if (!ex) {
          const w = await ctx.attempt(n, "award_number", async () => {
            const { id } = (await insert.get<{ id: number }>(r.awardNumber, r.recipient, r.state, r.fiscalYear, r.amountCents, r.popStart, r.popEnd, r.assistanceListing, ctx.batchId, ctx.now))!;
            for (const p of r.programs) await addProgram.run(id, p);
            return id;
          });
          if (w.ok) ctx.added(n, r);
          return;
        }
        if (same(ex, r)) return ctx.unchanged();
        const w = await ctx.attempt(n, "amount", async () => {
          await update.run(r.recipient, r.state, r.fiscalYear, r.amountCents, r.popStart, r.popEnd, r.assistanceListing, ctx.batchId, ex.id);
          for (const p of r.programs) await addProgram.run(ex.id, p);
          for (const p of ex.programs) if (!r.programs.includes(p)) await dropProgram.run(ex.id, p);
        });
        if (w.ok) ctx.changed(n, ex, r);
      },
      finish() {},
    };
  },

  async *exportRows({ db }) {
    let after = "";
    for (;;) {
      const page = await db.selectFrom("prime_awards").selectAll().where("award_number", ">", after).orderBy("award_number").limit(EXPORT_PAGE).execute();
      const programs = new Map<number, string[]>();
      if (page.length) {
        for (const p of await db.selectFrom("prime_award_programs").select(["prime_award_id", "program_code"]).where("prime_award_id", "in", page.map((r) => r.id)).execute()) {
          programs.set(p.prime_award_id, [...(programs.get(p.prime_award_id) ?? []), p.program_code]);
        }
      }
      for (const r of page) {
        yield {
          awardNumber: r.award_number,
          recipient: r.recipient,
          state: r.state,
          programs: (programs.get(r.id) ?? []).sort(),
          fiscalYear: r.fiscal_year,
          amountCents: r.amount_cents,
          popStart: r.pop_start,
          popEnd: r.pop_end,
          assistanceListing: r.assistance_listing,
        };
      }
      if (page.length < EXPORT_PAGE) return;
      after = page[page.length - 1].award_number;
    }
  },
};
