import fc from "fast-check";
import { stringify } from "csv-stringify/sync";
import { describe, expect, it } from "vitest";
import { centsToDecimal, MAX_CENTS } from "../../app/domain/money";
import {
  ASSESSMENT_STATUSES,
  CENTER_KINDS,
  COST_CATEGORIES,
  exportCsv,
  FORMATS,
  IMPORT_TYPES,
  ImportFileError,
  POETE_VALUES,
  PROGRAM_CODES,
  readRows,
  type ImportType,
  type RowValidation,
} from "../../app/import";

/**
 * Hostile import rows: every row of a random file is either accepted — and then comes
 * back exactly the same through export and a second import — or refused with a reason that names
 * its row and column. Nothing in between, and nothing throws.
 */

const junk = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.constantFrom("", " ", "=1+1", "+SUM(A1)", "-2", "@cmd", "'=A1", "''+x", "\t=x", "a,b", 'say "hi"', "line\nbreak", "x\r\ny", "null", "NaN", "\u0000", "\u202e", "😀"),
);

/** Mostly well-formed values (so rows do get accepted), sometimes junk. */
const mostly = (...valid: fc.Arbitrary<string>[]) => fc.oneof({ arbitrary: fc.oneof(...valid), weight: 6 }, { arbitrary: junk, weight: 1 });

const identifier = mostly(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._\-/#:()]{0,12}$/));
const money = mostly(
  fc.integer({ min: 0, max: MAX_CENTS }).map(centsToDecimal),
  fc.integer({ min: 0, max: 10_000_000 }).map((c) => `$${(c / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })}`),
  fc.constantFrom("-1.00", "1.234", "1e5", "1,23", "$", "1000000000000.01"),
);
const date = mostly(
  fc.date({ min: new Date("1990-01-01"), max: new Date("2199-12-31"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.date({ min: new Date("1990-01-01"), max: new Date("2199-12-31"), noInvalidDate: true }).map((d) => `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`),
  fc.constantFrom("2023-02-29", "2024-13-01", "31/12/2024", "2024-1-5"),
);
const fiscalYear = mostly(fc.integer({ min: 1995, max: 2105 }).map(String), fc.integer({ min: 2000, max: 2100 }).map((y) => `FY${y}`));
const choice = (values: readonly string[]) => mostly(fc.constantFrom(...values), fc.constantFrom(...values).map((v) => v.toUpperCase().replace(/_/g, " ")));
const text = (max: number) => fc.oneof(junk, fc.string({ unit: "grapheme", maxLength: 60 }), fc.string({ minLength: max - 2, maxLength: max + 3 }));
const capability = mostly(fc.constantFrom("I.A", "II.B", "COC-2", "EC-1", "FCG-8", "I.A.1"));

const COLUMN_GEN: Record<string, fc.Arbitrary<string>> = {
  code: identifier,
  name: text(200),
  state: mostly(fc.constantFrom("VA", "tx", "DC", "PR", "ZZ")),
  kind: choice(CENTER_KINDS),
  award_number: identifier,
  center: identifier,
  program: choice(PROGRAM_CODES),
  fiscal_year: fiscalYear,
  amount: money,
  pop_start: date,
  pop_end: date,
  line_id: identifier,
  capability,
  poete: choice(POETE_VALUES),
  cost_category: choice([...COST_CATEGORIES, "M&A"]),
  description: text(2000),
  spend_id: identifier,
  date,
  status: choice(ASSESSMENT_STATUSES),
  evidence: text(4000),
  uei: mostly(fc.constantFrom("", "JF5MLMQ3KA88", "jf5mlmq3ka88", "0F5MLMQ3KA88", "SHORT")),
  recipient: mostly(fc.constantFrom("Virginia Department of Emergency Management", "Texas DPS", "=cmd")),
  programs: fc.constantFrom("SHSP", "SHSP;UASI", "shsp; opsg", "JAG", "FEMA", ";"),
  assistance_listing: fc.constantFrom("", "97.067", "16.738", "97067"),
  prime_award: fc.constantFrom(""),
  pass_through: fc.constantFrom("", "VDEM"),
  prime_award_fain: identifier,
  prime_award_amount: money,
  prime_awardee_name: text(200),
  prime_award_cfda_numbers_and_titles: text(2000),
  prime_award_period_of_performance_start_date: date,
  prime_award_period_of_performance_current_end_date: date,
  subaward_number: identifier,
  subaward_amount: money,
  subaward_action_date: date,
  subawardee_uei: mostly(fc.constantFrom("", "JF5MLMQ3KA88", "x")),
  subawardee_name: text(200),
  subaward_description: text(2000),
  usaspending_permalink: text(2000),
};

function recordsFor(type: ImportType) {
  const columns = FORMATS[type].columns;
  const record = fc.tuple(...columns.map((c) => COLUMN_GEN[c])).filter((cells) => cells.some((v) => v.trim() !== ""));
  return fc.array(record, { minLength: 1, maxLength: 12 });
}

async function readAll(type: ImportType, csv: string): Promise<RowValidation[]> {
  const out: RowValidation[] = [];
  for await (const r of readRows({ fileName: `${type}.csv`, buffer: Buffer.from(csv, "utf8") }, { type })) out.push(r);
  return out;
}

describe.each(IMPORT_TYPES)("import of random %s rows", (type) => {
  it("accepts a row only if it round-trips exactly through export and re-import; otherwise names row and column", async () => {
    const columns = FORMATS[type].columns;
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(recordsFor(type), async (records) => {
        // Every field quoted, so a value with line breaks stays one record and rows line up with results.
        const csv = stringify([[...columns], ...records], { quoted: true });
        let results: RowValidation[];
        try {
          results = await readAll(type, csv);
        } catch (error) {
          // A NUL byte near the start marks a binary file: the whole file is refused, with a reason.
          expect(error).toBeInstanceOf(ImportFileError);
          expect((error as ImportFileError).code).toBe("not_tabular");
          expect(csv.slice(0, 4096)).toContain("\u0000");
          return;
        }
        expect(results.length).toBe(records.length);

        const accepted = [];
        let lastRow = 1;
        for (const r of results) {
          expect(r.rowNumber).toBeGreaterThan(lastRow);
          lastRow = r.rowNumber;
          if (r.ok) {
            accepted.push(r.row);
            seen.accepted++;
            continue;
          }
          seen.refused++;
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) {
            expect(e.row).toBe(r.rowNumber);
            expect(["", ...columns]).toContain(e.column);
            expect(e.message.trim().length).toBeGreaterThan(0);
            expect(e.message.length).toBeLessThan(400);
          }
        }
        if (accepted.length === 0) return;
        const again = await readAll(type, exportCsv(type, accepted as never[]));
        expect(again.every((r) => r.ok)).toBe(true);
        expect(again.map((r) => (r.ok ? r.row : null))).toEqual(accepted);
      }),
      // Each column may draw junk, so wider types accept fewer whole rows: they get more runs, enough that
      // both counts below clear 20 with room (13 columns: 109–126 accepted over three seeds; 150 runs once gave exactly 20).
      { numRuns: columns.length >= 13 ? 600 : columns.length >= 9 ? 400 : 150 },
    );
    // Both branches were really exercised, not just one.
    expect(seen.accepted, `${seen.accepted} accepted`).toBeGreaterThan(20);
    expect(seen.refused).toBeGreaterThan(20);
  });
});
