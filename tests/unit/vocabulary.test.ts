/** The forgiving vocabulary real grant files use, read by the one parser of each kind. */
import { describe, expect, it } from "vitest";
import { parseDate } from "~/domain/dates";
import { parseFiscalYear } from "~/domain/fiscal-year";
import { checkHeader, detectType } from "~/import/formats";
import { centerKind, state } from "~/import/fields";
import { primeAwards } from "~/import/types/prime-awards";

describe("fiscal years", () => {
  it.each([
    ["2024", 2024],
    ["FY2024", 2024],
    ["FY24", 2024],
    ["fy 2024", 2024],
    ["FY 2024", 2024],
    ["FFY 2024", 2024],
    ["FFY2022", 2022],
  ])("reads %s as %i", (text, fy) => expect(parseFiscalYear(text)).toBe(fy));
  it.each(["24", "1999", "FY1999", "FY 20245", "CY2024", "FFFY2024", ""])("refuses %s", (text) => expect(parseFiscalYear(text)).toBeNull());
});

describe("dates", () => {
  it("reads 2023-9-1 as 2023-09-01 and still refuses a date that does not exist", () => {
    expect(parseDate("2023-9-1")).toEqual({ ok: true, date: "2023-09-01" });
    expect(parseDate("2023-2-29").ok).toBe(false);
  });
});

describe("states and kinds", () => {
  it.each([
    ["Texas", "TX"],
    ["new york", "NY"],
    ["District of Columbia", "DC"],
    ["Puerto Rico", "PR"],
    ["va", "VA"],
  ])("reads the state %s as %s", (text, code) => expect(state.parse(text)).toBe(code));
  it("refuses a state that is not one", () => expect(state.safeParse("Ontario").success).toBe(false));
  it.each([
    ["Primary", "state"],
    ["Recognized", "urban_area"],
    ["urban area", "urban_area"],
  ])("reads the kind %s as %s", (text, kind) => expect(centerKind.parse(text)).toBe(kind));
  it("refuses __proto__ and other names that are not kinds", () => expect(centerKind.safeParse("_ proto _").success).toBe(false));
});

describe("headers", () => {
  it("match ignoring case, spaces, hyphens and underscores", () => {
    const check = checkHeader("awards", ["Award Number", "Center", "PROGRAM", "Fiscal Year", "amount", "PoP Start", "pop-end"]);
    expect(check.ok).toBe(true);
    expect(check.columns).toEqual(["award_number", "center", "program", "fiscal_year", "amount", "pop_start", "pop_end"]);
    expect(detectType(["Award Number", "Center", "Program", "Fiscal Year", "Amount", "PoP Start", "PoP End"])).toEqual({ ok: true, type: "awards" });
  });

  it("detect a USAspending download from prime_award_fain and subaward_number whatever else it holds", () => {
    expect(detectType(["prime_award_unique_key", "prime_award_fain", "subaward_number", "subaward_amount", "subaward_action_date", "whatever"])).toEqual({
      ok: true,
      type: "usaspending_subawards",
    });
  });
});

describe("prime awards file rows", () => {
  const row = (over: Record<string, string> = {}) => ({
    award_number: "emw-2023-ss-00012",
    recipient: "Virginia Department of Emergency Management",
    state: "Virginia",
    programs: "SHSP; UASI",
    fiscal_year: "FFY 2023",
    amount: "$ 1,000,000",
    pop_start: "2023-9-1",
    pop_end: "2026-08-31",
    assistance_listing: "97.067",
    ...over,
  });
  it("read real-world forms into the prime", () => {
    expect(primeAwards.schema.parse(row())).toEqual({
      awardNumber: "EMW-2023-SS-00012",
      recipient: "Virginia Department of Emergency Management",
      state: "VA",
      programs: ["SHSP", "UASI"],
      fiscalYear: 2023,
      amountCents: 100_000_000,
      popStart: "2023-09-01",
      popEnd: "2026-08-31",
      assistanceListing: "97.067",
    });
  });
  it("refuse a negative amount, an unknown program and a bad listing, naming the column", () => {
    const r = primeAwards.schema.safeParse(row({ amount: "(2,500.00)", programs: "SHSP;FEMA", assistance_listing: "97067" }));
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues.map((i) => i.path[0]).sort()).toEqual(["amount", "assistance_listing", "programs"]);
  });
});
