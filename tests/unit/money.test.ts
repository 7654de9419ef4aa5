import { describe, expect, it } from "vitest";
import { centsToDecimal, formatMoney, formatMoneyShort, parseMoney, percentOfCents } from "~/domain/money";

describe("parseMoney", () => {
  it.each([
    ["1234.56", 123456],
    ["$1,234.56", 123456],
    ["1234", 123400],
    ["0", 0],
    ["0.01", 1],
    ["1.5", 150],
    [" 12 ", 1200],
    ["$1,000,000,000,000", 100_000_000_000_000],
    ["1000000000000.00", 100_000_000_000_000],
  ])("accepts %s as %i cents", (input, cents) => {
    expect(parseMoney(input)).toEqual({ ok: true, cents });
  });

  it.each([
    ["-1", "negative"],
    ["$-5.00", "negative"],
    ["1.234", "two decimals"],
    ["12abc", "not an amount"],
    ["", "Enter an amount"],
    ["1000000000000.01", "over the limit"],
    ["99999999999999", "over the limit"],
    ["1,23,4", "not an amount"],
    ["1.", "no cents"],
    ["1e5", "not an amount"],
  ])("refuses %s", (input, message) => {
    const r = parseMoney(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});

describe("formatting", () => {
  it("formats cents exactly and compactly", () => {
    expect(formatMoney(123456)).toBe("$1,234.56");
    expect(formatMoney(0)).toBe("$0.00");
    expect(formatMoneyShort(123_456_789)).toBe("$1.2M");
    expect(formatMoneyShort(1_234_500)).toBe("$12,345");
    // No trailing ".0": Node and browsers must render the same text, or chart hydration fails.
    expect(formatMoneyShort(19_000_000)).toBe("$190K");
    expect(formatMoneyShort(100_000_000)).toBe("$1M");
    expect(centsToDecimal(5)).toBe("0.05");
    expect(centsToDecimal(123456)).toBe("1234.56");
  });
  it("floors percentages of cents", () => {
    expect(percentOfCents(1_000_001, 5)).toBe(50_000);
    expect(percentOfCents(1999, 50)).toBe(999);
  });
});
