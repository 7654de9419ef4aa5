import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { centsToDecimal, formatMoney, MAX_CENTS, parseMoney } from "../../app/domain/money";
import { daysInMonth, isValidYmd, parseDate } from "../../app/domain/dates";

/**
 * Hostile input: the only money and date parsers never throw, whatever they are given,
 * and what they accept survives formatting and parsing again unchanged.
 */

const RUNS = { numRuns: 2000 };

/** Text that looks a bit like money: digits, separators, signs, currency marks and junk. */
const moneyish = fc
  .array(fc.constantFrom(..."0123456789", ",", ".", "$", "-", "(", ")", " ", "e", "E", "+", "\u00a0", "€", "١"), { maxLength: 24 })
  .map((cs) => cs.join(""));

const anyText = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), moneyish);

describe("parseMoney", () => {
  it("never throws, and answers either whole cents in range or a short message", () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.anything()), (input) => {
        const r = parseMoney(input);
        if (r.ok) {
          expect(Number.isSafeInteger(r.cents)).toBe(true);
          expect(r.cents).toBeGreaterThanOrEqual(0);
          expect(r.cents).toBeLessThanOrEqual(MAX_CENTS);
        } else {
          expect(r.error.length).toBeGreaterThan(0);
          expect(r.error.length).toBeLessThan(200);
        }
      }),
      RUNS,
    );
  });

  it("does not echo a 2 MB value back into its message", () => {
    const huge = "9".repeat(2 * 1024 * 1024);
    for (const input of [huge, `$${huge}.00`, `${huge}x`, "x".repeat(2 * 1024 * 1024)]) {
      const r = parseMoney(input);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.length).toBeLessThan(200);
    }
  });

  it("every accepted amount formats back (1234.56 and $1,234.56) and re-parses to the same cents", () => {
    fc.assert(
      fc.property(anyText, (input) => {
        const r = parseMoney(input);
        if (!r.ok) return;
        expect(parseMoney(centsToDecimal(r.cents))).toEqual({ ok: true, cents: r.cents });
        expect(parseMoney(formatMoney(r.cents))).toEqual({ ok: true, cents: r.cents });
      }),
      RUNS,
    );
  });

  it("every amount from $0.00 to $1,000,000,000,000.00 round-trips through both formats", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: MAX_CENTS }), fc.integer({ min: 0, max: 100_000 })), (cents) => {
        expect(parseMoney(centsToDecimal(cents))).toEqual({ ok: true, cents });
        expect(parseMoney(formatMoney(cents))).toEqual({ ok: true, cents });
      }),
      RUNS,
    );
  });

  it("refuses one cent over the limit and any negative amount", () => {
    expect(parseMoney(centsToDecimal(MAX_CENTS + 1)).ok).toBe(false);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_CENTS }), (cents) => {
        expect(parseMoney(`-${centsToDecimal(cents)}`).ok).toBe(false);
        expect(parseMoney(`(${centsToDecimal(cents)})`).ok).toBe(false);
      }),
      RUNS,
    );
  });
});

const ymd = fc
  .record({ y: fc.integer({ min: 1900, max: 2199 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }) })
  .filter(({ y, m, d }) => d <= daysInMonth(y, m));

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

describe("parseDate", () => {
  it("never throws; what it accepts is a real ISO calendar date", () => {
    const dateish = fc.array(fc.constantFrom(..."0123456789-/ T:.", "\u2010", "٠"), { maxLength: 16 }).map((cs) => cs.join(""));
    fc.assert(
      fc.property(fc.oneof(anyText, dateish, fc.anything()), (input) => {
        const r = parseDate(input);
        if (r.ok) {
          const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(r.date);
          expect(m).not.toBeNull();
          expect(isValidYmd(+m![1], +m![2], +m![3])).toBe(true);
          expect(parseDate(r.date)).toEqual(r);
        } else {
          expect(r.error.length).toBeLessThan(120);
        }
      }),
      RUNS,
    );
  });

  it("every valid date parses to the same ISO date from YYYY-MM-DD and from MM/DD/YYYY (padded or not)", () => {
    fc.assert(
      fc.property(ymd, ({ y, m, d }) => {
        const iso = `${y}-${pad(m)}-${pad(d)}`;
        expect(parseDate(iso)).toEqual({ ok: true, date: iso });
        expect(parseDate(`${pad(m)}/${pad(d)}/${y}`)).toEqual({ ok: true, date: iso });
        expect(parseDate(`${m}/${d}/${y}`)).toEqual({ ok: true, date: iso });
        expect(parseDate(`  ${iso}\t`)).toEqual({ ok: true, date: iso });
      }),
      RUNS,
    );
  });

  it("refuses days past the end of the month in both formats (Feb 29 only in leap years)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2199 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 3 }), (y, m, extra) => {
        const d = daysInMonth(y, m) + extra;
        if (d > 31 + 3) return;
        expect(parseDate(`${y}-${pad(m)}-${pad(d)}`).ok).toBe(false);
        expect(parseDate(`${m}/${d}/${y}`).ok).toBe(false);
      }),
      RUNS,
    );
    expect(parseDate("2024-02-29")).toEqual({ ok: true, date: "2024-02-29" });
    expect(parseDate("2100-02-29").ok).toBe(false);
    expect(parseDate("02/29/2000")).toEqual({ ok: true, date: "2000-02-29" });
  });
});
