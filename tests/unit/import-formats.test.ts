import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkHeader, detectType, escapeCell, progressLine, unescapeCell } from "~/import";

describe("detectType", () => {
  it.each([
    [["code", "name", "state", "kind"], "centers"],
    [["award_number", "center", "program", "fiscal_year", "amount", "pop_start", "pop_end"], "awards"],
    [["line_id", "award_number", "capability", "poete", "cost_category", "amount", "description"], "budget_lines"],
    [["line_id", "award_number", "poete", "cost_category", "amount"], "budget_lines"],
    [["spend_id", "line_id", "date", "amount", "description"], "spending"],
    [["spend_id", "line_id", "date", "amount"], "spending"],
    [["center", "fiscal_year", "capability", "status", "evidence"], "assessments"],
    [[" Evidence ", "STATUS", "Capability", "fiscal_year", "center"], "assessments"],
  ])("%j is %s", (headers, type) => {
    expect(detectType(headers)).toEqual({ ok: true, type });
  });

  it("still recognises a header with one misspelt column, so the column check can name it", () => {
    expect(detectType(["spend_id", "line_id", "date", "ammount", "description"])).toEqual({ ok: true, type: "spending" });
  });

  it("refuses a header shared by two types", () => {
    expect(detectType(["center", "fiscal_year"])).toEqual({
      ok: false,
      error: "The header row fits both awards and assessments; choose the type of data explicitly",
    });
  });

  it("refuses a header that matches nothing, or only one common column", () => {
    for (const h of [["name", "email"], ["amount"], []]) {
      const r = detectType(h);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/^The header row does not match any import type/);
    }
  });
});

describe("checkHeader", () => {
  it("maps header cells to columns, ignoring case and surrounding spaces; blank cells are kept as null", () => {
    expect(checkHeader("centers", [" CODE", "Name ", "state", "kind", ""])).toMatchObject({
      ok: true,
      columns: ["code", "name", "state", "kind", null],
    });
  });

  it("optional columns may be absent, required ones may not", () => {
    expect(checkHeader("budget_lines", ["line_id", "award_number", "poete", "cost_category", "amount"]).ok).toBe(true);
    const r = checkHeader("assessments", ["center", "fiscal_year", "status"]);
    expect(r.missing).toEqual(["capability"]);
  });
});

describe("escapeCell / unescapeCell", () => {
  it.each([
    ["=1+1", "'=1+1"],
    ["+15551234567", "'+15551234567"],
    ["-5", "'-5"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tindented", "'\tindented"],
    ["\rcarriage", "'\rcarriage"],
    ["'=already looks escaped", "''=already looks escaped"],
    ["''-two", "'''-two"],
    ["plain", "plain"],
    ["'Tis", "'Tis"],
    ["", ""],
    ["a=b", "a=b"],
  ])("%j is written as %j and read back unchanged", (text, escaped) => {
    expect(escapeCell(text)).toBe(escaped);
    expect(unescapeCell(escaped)).toBe(text);
  });

  it("round trip holds for every string, including ones built from apostrophes and formula characters", () => {
    const tricky = fc.string({ unit: fc.constantFrom("'", "=", "+", "-", "@", "\t", "\r", "a", " ") });
    fc.assert(fc.property(fc.oneof(fc.string(), tricky), (x) => unescapeCell(escapeCell(x)) === x));
  });

  it("an escaped cell never starts with a formula character", () => {
    fc.assert(fc.property(fc.string(), (x) => !/^[=+\-@\t\r]/.test(escapeCell(x))));
  });
});

describe("progressLine", () => {
  it("rows, rate and time left from bytes", () => {
    // 120,000 rows / 1.411 s = 85,046 rows/s. 60 MB left at 40 MB per 1.411 s = 2.12 s, rounded up to 3 s.
    expect(progressLine({ rowsRead: 120_000, elapsedMs: 1411, bytesRead: 40_000_000, totalBytes: 100_000_000 })).toBe(
      "120,000 rows read · 85,046 rows/s · about 3 s left",
    );
  });

  it("without a file size there is no time left", () => {
    expect(progressLine({ rowsRead: 10_000, elapsedMs: 2000 })).toBe("10,000 rows read · 5,000 rows/s");
  });

  it("minutes and hours for long files; one row; nothing elapsed yet", () => {
    // 1 MB of 1 GB in 1 s: 999 MB left at 1 MB/s = 999 s = 16.65 min → 17 min.
    expect(progressLine({ rowsRead: 1, elapsedMs: 1000, bytesRead: 1_000_000, totalBytes: 1_000_000_000 })).toBe(
      "1 row read · 1 rows/s · about 17 min left",
    );
    // 1 MB of 10 GB in 1 s: 9,999 s = 166.65 min → 167 min = 2 h 47 min.
    expect(progressLine({ rowsRead: 5, elapsedMs: 1000, bytesRead: 1_000_000, totalBytes: 10_000_000_000 })).toContain(
      "about 2 h 47 min left",
    );
    expect(progressLine({ rowsRead: 0, elapsedMs: 0 })).toBe("0 rows read");
  });
});
