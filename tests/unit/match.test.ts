import { describe, expect, it } from "vitest";
import {
  matchProvidedCents,
  matchShortfallCents,
  requiredMatchCents,
  requiredMatchOfTotalCostCents,
} from "~/domain/match";

describe("requiredMatchCents (percent of the award)", () => {
  it("takes 25% of a COPS award", () => {
    expect(requiredMatchCents(75_000_00, 25)).toBe(18_750_00);
    expect(requiredMatchCents(400, 25)).toBe(100);
  });
  it("rounds a fraction of a cent up", () => {
    expect(requiredMatchCents(1, 25)).toBe(1); // 0.25 cent
    expect(requiredMatchCents(10_001, 25)).toBe(2_501); // 2,500.25 cents
    expect(requiredMatchCents(3, 33)).toBe(1); // 0.99 cent
  });
  it("is zero for a 0% or missing match and for a zero award", () => {
    expect(requiredMatchCents(1_000_000_00, 0)).toBe(0);
    expect(requiredMatchCents(1_000_000_00, null)).toBe(0);
    expect(requiredMatchCents(0, 25)).toBe(0);
  });
  it("stays exact where amount × percent passes 2^53", () => {
    // 99,999,999,999,999 × 99 = 9,899,999,999,999,901; / 100 = 98,999,999,999,999.01 → up to 99,000,000,000,000.
    expect(requiredMatchCents(99_999_999_999_999, 99)).toBe(99_000_000_000_000);
    expect(requiredMatchCents(100_000_000_000_000, 100)).toBe(100_000_000_000_000);
  });
  it("refuses fractional or out-of-range percents and bad amounts", () => {
    expect(() => requiredMatchCents(100, 12.5)).toThrow(RangeError);
    expect(() => requiredMatchCents(100, 101)).toThrow(RangeError);
    expect(() => requiredMatchCents(100, -1)).toThrow(RangeError);
    expect(() => requiredMatchCents(-100, 25)).toThrow(RangeError);
    expect(() => requiredMatchCents(10.5, 25)).toThrow(RangeError);
  });
});

describe("requiredMatchOfTotalCostCents (percent of federal + local)", () => {
  it("makes the local share 25% of the project when federal pays 75%", () => {
    // $75,000 federal + $25,000 local = $100,000; $25,000 is 25% of it.
    expect(requiredMatchOfTotalCostCents(75_000_00, 25)).toBe(25_000_00);
    // Three COPS positions at the $125,000 cap.
    expect(requiredMatchOfTotalCostCents(375_000_00, 25)).toBe(125_000_00);
    expect(requiredMatchOfTotalCostCents(1_000, 50)).toBe(1_000);
  });
  it("rounds up and handles 0% and null", () => {
    expect(requiredMatchOfTotalCostCents(1, 25)).toBe(1); // 1/3 cent
    expect(requiredMatchOfTotalCostCents(100, 25)).toBe(34); // 33.33 cents
    expect(requiredMatchOfTotalCostCents(5_000_00, 0)).toBe(0);
    expect(requiredMatchOfTotalCostCents(5_000_00, null)).toBe(0);
  });
  it("refuses 100% (no federal share left)", () => {
    expect(() => requiredMatchOfTotalCostCents(100, 100)).toThrow(RangeError);
  });
});

describe("matchProvidedCents and matchShortfallCents", () => {
  const lines = [
    { amountCents: 10_000_00, kind: "cash" as const },
    { amountCents: 5_000_00, kind: "in_kind" as const },
    { amountCents: 3_000_00, kind: "cash" as const, voided: true },
    { amountCents: 2_500_00, kind: "cash" as const, voided: false },
  ];

  it("adds cash and in-kind, leaving voided lines out", () => {
    expect(matchProvidedCents(lines)).toBe(17_500_00);
    expect(matchProvidedCents([])).toBe(0);
  });

  it("can count cash alone", () => {
    expect(matchProvidedCents(lines, { cashOnly: true })).toBe(12_500_00);
    expect(matchShortfallCents(15_000_00, lines, { cashOnly: true })).toBe(2_500_00);
  });

  it("is 1 cent short, exactly met, or over (shortfall never negative)", () => {
    expect(matchShortfallCents(17_500_01, lines)).toBe(1);
    expect(matchShortfallCents(17_500_00, lines)).toBe(0);
    expect(matchShortfallCents(10_000_00, lines)).toBe(0);
    expect(matchShortfallCents(18_750_00, [])).toBe(18_750_00);
    expect(matchShortfallCents(0, [])).toBe(0);
  });

  it("does not let a voided line cover the gap", () => {
    const required = requiredMatchCents(75_000_00, 25); // $18,750
    expect(matchShortfallCents(required, [...lines, { amountCents: 1_250_00, voided: true }])).toBe(1_250_00);
    expect(matchShortfallCents(required, [...lines, { amountCents: 1_250_00 }])).toBe(0);
  });

  it("refuses a negative or fractional line", () => {
    expect(() => matchProvidedCents([{ amountCents: -1 }])).toThrow(RangeError);
    expect(() => matchProvidedCents([{ amountCents: 0.5 }])).toThrow(RangeError);
  });
});
