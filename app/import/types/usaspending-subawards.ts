/**
 * Import type `usaspending_subawards`: a USAspending "Subawards" download for assistance, as
 * downloaded (about 110 columns; those Baseline does not read are ignored), detected from a header
 * holding prime_award_fain and subaward_number (docs/domain.md §3.7, docs/decisions/018).
 *
 * The rows are a reference snapshot for the reconciliation, never awards: a file replaces the
 * snapshot rows of every prime it covers, and where one sub-award appears in several rows (amended
 * later) the latest subaward_action_date stands (app/domain/reconcile.ts latestPerSubaward). Only an
 * administrator (or the command line) imports it.
 */
import { z } from "zod";
import { centsToDecimal } from "../../domain/money";
import { latestPerSubaward } from "../../domain/reconcile";
import { date, identifier, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, optionalDate, optionalSignedMoney, publishedUei, signedMoney, text } from "../fields";
import { EXPORT_PAGE, type ImportTypeDef } from "../handler";

export interface UsaspendingRow {
  primeFain: string;
  primeAmountCents: number | null;
  primeAwardeeName: string;
  primeCfda: string;
  primePopStart: string | null;
  primePopEnd: string | null;
  subawardNumber: string;
  amountCents: number;
  actionDate: string;
  uei: string;
  subawardeeName: string;
  description: string;
  permalink: string;
}

const COLUMNS = [
  "prime_award_fain",
  "prime_award_amount",
  "prime_awardee_name",
  "prime_award_cfda_numbers_and_titles",
  "prime_award_period_of_performance_start_date",
  "prime_award_period_of_performance_current_end_date",
  "subaward_number",
  "subaward_amount",
  "subaward_action_date",
  "subawardee_uei",
  "subawardee_name",
  "subaward_description",
  "usaspending_permalink",
] as const;

const snapshotColumns = (r: UsaspendingRow) => [
  r.primeFain,
  r.primeAmountCents,
  r.primeAwardeeName,
  r.primeCfda,
  r.primePopStart,
  r.primePopEnd,
  r.subawardNumber,
  r.amountCents,
  r.actionDate,
  r.uei,
  r.subawardeeName,
  r.description,
  r.permalink,
];

export const usaspendingSubawards: ImportTypeDef<UsaspendingRow> = {
  label: "USAspending sub-awards (reference)",
  columns: COLUMNS,
  optional: COLUMNS.filter((c) => !["prime_award_fain", "subaward_number", "subaward_amount", "subaward_action_date"].includes(c)),
  // The sub-award number is the prime recipient's own numbering, published as typed: free text, escaped
  // on export like the names (it is read as text, so the escape must be written back for a round trip).
  text: ["prime_awardee_name", "prime_award_cfda_numbers_and_titles", "subaward_number", "subawardee_name", "subaward_description", "usaspending_permalink"],
  key: [],
  ignoresUnknownColumns: true,
  detectBy: ["prime_award_fain", "subaward_number"],
  notes: {
    prime_award_fain: "The prime award's number (FAIN). A file replaces the snapshot rows of every prime it lists.",
    subaward_amount: "Dollars; a negative amount (a de-obligation) is read as such.",
    subaward_action_date: "Where a sub-award appears more than once, the latest action date stands.",
    subawardee_uei: "Matched to a center's UEI; sub-awards to other subrecipients are kept but not reconciled.",
  },
  schema: z
    .object({
      prime_award_fain: identifier("Prime award FAIN"),
      prime_award_amount: optionalSignedMoney,
      prime_awardee_name: text("Prime awardee name", MAX_NAME_CHARS, false),
      prime_award_cfda_numbers_and_titles: text("Assistance listings", MAX_DESCRIPTION_CHARS, false),
      prime_award_period_of_performance_start_date: optionalDate,
      prime_award_period_of_performance_current_end_date: optionalDate,
      subaward_number: text("Sub-award number", MAX_NAME_CHARS, true),
      subaward_amount: signedMoney,
      subaward_action_date: date,
      subawardee_uei: publishedUei("Sub-awardee UEI"),
      subawardee_name: text("Sub-awardee name", MAX_NAME_CHARS, false),
      subaward_description: text("Sub-award description", MAX_DESCRIPTION_CHARS, false),
      usaspending_permalink: text("USAspending permalink", MAX_DESCRIPTION_CHARS, false),
    })
    .partial({
      prime_award_amount: true,
      prime_awardee_name: true,
      prime_award_cfda_numbers_and_titles: true,
      prime_award_period_of_performance_start_date: true,
      prime_award_period_of_performance_current_end_date: true,
      subawardee_uei: true,
      subawardee_name: true,
      subaward_description: true,
      usaspending_permalink: true,
    })
    .transform(
      (v): UsaspendingRow => ({
        // FAINs are case-insensitive: USAspending and the DATA Act broker match sub-awards to their prime
        // on the upper-cased FAIN, so "emw-2024-ss-00011" and "EMW-2024-SS-00011" are one prime
        // (docs/domain.md §3.7). Stored upper-cased, as prime_awards.award_number is.
        primeFain: v.prime_award_fain.toUpperCase(),
        primeAmountCents: v.prime_award_amount ?? null,
        primeAwardeeName: v.prime_awardee_name ?? "",
        primeCfda: v.prime_award_cfda_numbers_and_titles ?? "",
        primePopStart: v.prime_award_period_of_performance_start_date ?? null,
        primePopEnd: v.prime_award_period_of_performance_current_end_date ?? null,
        subawardNumber: v.subaward_number,
        amountCents: v.subaward_amount,
        actionDate: v.subaward_action_date,
        uei: v.subawardee_uei ?? "",
        subawardeeName: v.subawardee_name ?? "",
        description: v.subaward_description ?? "",
        permalink: v.usaspending_permalink ?? "",
      }),
    ),
  cells: (r) => [
    r.primeFain,
    r.primeAmountCents === null ? "" : centsToDecimal(r.primeAmountCents),
    r.primeAwardeeName,
    r.primeCfda,
    r.primePopStart ?? "",
    r.primePopEnd ?? "",
    r.subawardNumber,
    centsToDecimal(r.amountCents),
    r.actionDate,
    r.uei,
    r.subawardeeName,
    r.description,
    r.permalink,
  ],

  async handler(ctx) {
    const rows: Array<UsaspendingRow & { n: number }> = [];
    const refused = ctx.user !== null && ctx.user.role !== "admin";
    return {
      row(r, n) {
        if (refused) return ctx.error(n, "prime_award_fain", "Only an administrator can import a USAspending download (it is the reference every center is reconciled with)");
        rows.push({ ...r, n });
      },
      async finish() {
        if (ctx.errorCount > 0) return;
        const latest = latestPerSubaward(rows);
        const primes = [...new Set(latest.map((r) => r.primeFain))];
        const existing = new Map<string, unknown[]>();
        const select = ctx.prepare(
          `select prime_award_fain, prime_award_amount_cents, prime_awardee_name, prime_award_cfda, prime_pop_start, prime_pop_end, subaward_number,
             subaward_amount_cents, subaward_action_date, subawardee_uei, subawardee_name, subaward_description, usaspending_permalink
           from usaspending_subawards where prime_award_fain = ?`,
        );
        const remove = ctx.prepare("delete from usaspending_subawards where prime_award_fain = ?");
        for (const fain of primes) {
          for (const e of await select.values(fain)) existing.set(`${e[0]}\u0000${e[6]}`, e);
          await remove.run(fain);
        }
        const insert = ctx.prepare(
          `insert into usaspending_subawards (prime_award_fain, prime_award_amount_cents, prime_awardee_name, prime_award_cfda, prime_pop_start, prime_pop_end,
             subaward_number, subaward_amount_cents, subaward_action_date, subawardee_uei, subawardee_name, subaward_description, usaspending_permalink,
             import_batch_id) values (${Array.from({ length: 14 }, () => "?").join(", ")})`,
        );
        for (const { n, ...r } of latest) {
          const values = snapshotColumns(r);
          if (!(await ctx.attempt(n, "subaward_number", () => insert.run(...values, ctx.batchId))).ok) continue;
          const before = existing.get(`${r.primeFain}\u0000${r.subawardNumber}`);
          if (!before) ctx.added(n, r);
          else if (before.every((v, i) => v === values[i])) ctx.unchanged();
          else ctx.changed(n, toRow(before), r);
        }
      },
    };
  },

  async *exportRows({ db }) {
    let after = 0;
    for (;;) {
      const page = await db.selectFrom("usaspending_subawards").selectAll().where("id", ">", after).orderBy("id").limit(EXPORT_PAGE).execute();
      for (const e of page) {
        yield toRow([
          e.prime_award_fain,
          e.prime_award_amount_cents,
          e.prime_awardee_name,
          e.prime_award_cfda,
          e.prime_pop_start,
          e.prime_pop_end,
          e.subaward_number,
          e.subaward_amount_cents,
          e.subaward_action_date,
          e.subawardee_uei,
          e.subawardee_name,
          e.subaward_description,
          e.usaspending_permalink,
        ]);
      }
      if (page.length < EXPORT_PAGE) return;
      after = page[page.length - 1].id;
    }
  },
};

function toRow(v: unknown[]): UsaspendingRow {
  return {
    primeFain: v[0] as string,
    primeAmountCents: v[1] as number | null,
    primeAwardeeName: v[2] as string,
    primeCfda: v[3] as string,
    primePopStart: v[4] as string | null,
    primePopEnd: v[5] as string | null,
    subawardNumber: v[6] as string,
    amountCents: v[7] as number,
    actionDate: v[8] as string,
    uei: v[9] as string,
    subawardeeName: v[10] as string,
    description: v[11] as string,
    permalink: v[12] as string,
  };
}
