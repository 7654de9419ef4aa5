import { describe, expect, it } from "vitest";
import { addMonths, daysBetweenInclusive, fiscalYearEnd, fiscalYearOf, fiscalYearStart, parseDate } from "~/domain/dates";

describe("fiscal years", () => {
  it("puts October in the next federal fiscal year", () => {
    expect(fiscalYearOf("2023-09-30")).toBe(2023);
    expect(fiscalYearOf("2023-10-01")).toBe(2024);
    expect(fiscalYearOf("2024-09-30")).toBe(2024);
    expect(fiscalYearOf("2023-12-31")).toBe(2024);
    expect(fiscalYearStart(2024)).toBe("2023-10-01");
    expect(fiscalYearEnd(2024)).toBe("2024-09-30");
  });
});

describe("parseDate", () => {
  it("accepts ISO and US forms", () => {
    expect(parseDate("2024-02-29")).toEqual({ ok: true, date: "2024-02-29" });
    expect(parseDate("2/9/2024")).toEqual({ ok: true, date: "2024-02-09" });
    expect(parseDate("12/31/2023")).toEqual({ ok: true, date: "2023-12-31" });
  });
  it("refuses impossible dates", () => {
    expect(parseDate("2023-02-29").ok).toBe(false);
    expect(parseDate("2024-13-01").ok).toBe(false);
    expect(parseDate("31/12/2023").ok).toBe(false);
    expect(parseDate("yesterday").ok).toBe(false);
    expect(parseDate("").ok).toBe(false);
  });
  it("adds months clamping to month end, and counts days inclusively", () => {
    expect(addMonths("2024-01-31", 1)).toBe("2024-02-29");
    expect(addMonths("2023-10-01", 36)).toBe("2026-10-01");
    expect(daysBetweenInclusive("2024-01-01", "2024-12-31")).toBe(366);
  });
});
