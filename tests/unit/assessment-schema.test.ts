import { parseWithZod } from "@conform-to/zod/v4";
import { describe, expect, it } from "vitest";
import {
  assessmentRowsSchema,
  EVIDENCE_MAX,
  parseRowsIntent,
  reviewSchema,
  startYearSchema,
  STATUS_MESSAGE,
  submittedVersions,
  validateRow,
  YEAR_MESSAGE,
} from "~/schemas/assessment";
import { parseFiscalYear } from "~/domain/fiscal-year";

const known = new Set(["I.A", "I.B", "II.B", "COC-1"]);

function form(entries: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(entries)) fd.append(k, v);
  return fd;
}

const parseRows = (entries: Record<string, string>) => parseWithZod(form(entries), { schema: assessmentRowsSchema(known) });

describe("validateRow", () => {
  const ok = (raw: Record<string, string>) => {
    const r = validateRow(raw, 3, known);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    return r.value;
  };
  const issues = (raw: Record<string, string>) => {
    const r = validateRow(raw, 0, known);
    return r.ok ? [] : r.issues;
  };

  it("accepts each of the four statuses and keeps the row's position", () => {
    for (const status of ["achieved", "partial", "not_achieved", "not_applicable"]) {
      expect(ok({ capabilityId: "I.A", status })).toMatchObject({ index: 3, capabilityId: "I.A", status, evidence: "", estCostCents: null, version: null });
    }
  });

  it("refuses an unknown status with the list of allowed ones", () => {
    expect(issues({ capabilityId: "I.A", status: "done" })).toEqual([{ field: "status", message: STATUS_MESSAGE }]);
    expect(STATUS_MESSAGE).toBe("Choose a status: achieved, partial, not achieved, not applicable");
    expect(issues({ capabilityId: "I.A", status: "Achieved" })[0].field).toBe("status");
  });

  it("refuses an unknown capability, and a section that is not assessable", () => {
    expect(issues({ capabilityId: "I.Z", status: "achieved" })).toEqual([{ field: "capabilityId", message: 'Unknown capability "I.Z"' }]);
    expect(issues({ capabilityId: "I", status: "achieved" })[0].message).toBe('Unknown capability "I"');
    expect(issues({ status: "achieved" })).toEqual([{ field: "capabilityId", message: "The capability is missing" }]);
  });

  it("leaves a never-assessed row alone when nothing was typed, but not when evidence or a cost was", () => {
    expect(ok({ capabilityId: "I.A", status: "", evidence: "", estCost: "" }).status).toBeNull();
    expect(issues({ capabilityId: "I.A", status: "", evidence: "SOP 2024" })).toEqual([{ field: "status", message: "Choose a status to save evidence or a cost" }]);
    expect(issues({ capabilityId: "I.A", estCost: "100" })[0].field).toBe("status");
  });

  it("does not let an assessed row go back to not assessed", () => {
    expect(issues({ capabilityId: "I.A", status: "", version: "4" })[0]).toEqual({
      field: "status",
      message: "Choose a status: a capability already assessed cannot go back to not assessed",
    });
  });

  it("allows evidence up to 4,000 characters, counting a line break as one", () => {
    expect(EVIDENCE_MAX).toBe(4000);
    expect(ok({ capabilityId: "I.A", status: "achieved", evidence: "x".repeat(4000) }).evidence).toHaveLength(4000);
    expect(issues({ capabilityId: "I.A", status: "achieved", evidence: "x".repeat(4001) })).toEqual([
      { field: "evidence", message: "Evidence is 4,001 characters; the limit is 4,000" },
    ]);
    // A browser sends line breaks as CRLF: 1,200 lines are 4,800 characters sent but 3,600 stored.
    const crlf = "ab\r\n".repeat(1200);
    expect(ok({ capabilityId: "I.A", status: "achieved", evidence: crlf }).evidence).toBe("ab\n".repeat(1200));
  });

  it("reads the estimated cost as money text into cents, blank as none", () => {
    expect(ok({ capabilityId: "I.A", status: "partial", estCost: "$1,234.56" }).estCostCents).toBe(123456);
    expect(ok({ capabilityId: "I.A", status: "partial", estCost: "250000" }).estCostCents).toBe(25_000_000);
    expect(ok({ capabilityId: "I.A", status: "partial", estCost: "  " }).estCostCents).toBeNull();
    expect(issues({ capabilityId: "I.A", status: "partial", estCost: "-5" })).toEqual([{ field: "estCost", message: "Amount cannot be negative" }]);
    expect(issues({ capabilityId: "I.A", status: "partial", estCost: "12.345" })).toEqual([{ field: "estCost", message: "Amount has more than two decimals (cents)" }]);
  });

  it("reads the version, refusing anything but a positive whole number", () => {
    expect(ok({ capabilityId: "I.A", status: "achieved", version: "7" }).version).toBe(7);
    expect(issues({ capabilityId: "I.A", status: "achieved", version: "0" })[0].field).toBe("version");
    expect(issues({ capabilityId: "I.A", status: "achieved", version: "2a" })[0].field).toBe("version");
  });

  it("reports every problem of a row at once", () => {
    expect(issues({ capabilityId: "nope", status: "maybe", evidence: "y".repeat(5000), estCost: "abc" }).map((i) => i.field)).toEqual([
      "capabilityId",
      "status",
      "evidence",
      "estCost",
    ]);
  });
});

describe("the bulk form schema", () => {
  it("returns every valid row of a 'save', in form order", () => {
    const s = parseRows({
      intent: "save",
      "rows[0].capabilityId": "I.A",
      "rows[0].status": "achieved",
      "rows[0].evidence": "Policy 12",
      "rows[0].version": "2",
      "rows[1].capabilityId": "I.B",
      "rows[1].status": "",
      "rows[2].capabilityId": "COC-1",
      "rows[2].status": "partial",
      "rows[2].estCost": "50,000",
    });
    expect(s.status).toBe("success");
    if (s.status !== "success") return;
    expect(s.value.intent).toEqual({ kind: "save" });
    expect(s.value.rows.map((r) => [r.index, r.capabilityId, r.status, r.evidence, r.estCostCents, r.version])).toEqual([
      [0, "I.A", "achieved", "Policy 12", null, 2],
      [1, "I.B", null, "", null, null],
      [2, "COC-1", "partial", "", 5_000_000, null],
    ]);
  });

  it("puts each message next to its field and keeps everything typed", () => {
    const s = parseRows({
      intent: "save",
      "rows[0].capabilityId": "I.A",
      "rows[0].status": "achieved",
      "rows[0].evidence": "Typed and kept",
      "rows[1].capabilityId": "I.B",
      "rows[1].status": "done",
      "rows[1].evidence": "Also kept",
    });
    expect(s.status).toBe("error");
    const reply = s.reply();
    expect(reply.error).toEqual({ "rows[1].status": [STATUS_MESSAGE] });
    expect(reply.initialValue).toMatchObject({ rows: [{ evidence: "Typed and kept" }, { status: "done", evidence: "Also kept" }] });
  });

  it("refuses the same capability twice", () => {
    const s = parseRows({ intent: "save", "rows[0].capabilityId": "I.A", "rows[0].status": "achieved", "rows[1].capabilityId": "I.A", "rows[1].status": "partial" });
    expect(s.status).toBe("error");
    expect(s.reply().error).toEqual({ "rows[1].capabilityId": ["I.A appears twice in the form (row 1)"] });
  });

  it("for one row's Save, checks and returns only that row", () => {
    const s = parseRows({
      intent: "row:I.B",
      "rows[0].capabilityId": "I.A",
      "rows[0].status": "bogus",
      "rows[1].capabilityId": "I.B",
      "rows[1].status": "partial",
      "rows[1].version": "3",
    });
    expect(s.status).toBe("success");
    if (s.status === "success") expect(s.value.rows).toEqual([{ index: 1, capabilityId: "I.B", status: "partial", evidence: "", estCostCents: null, version: 3 }]);
    const bad = parseRows({ intent: "row:I.A", "rows[0].capabilityId": "I.A", "rows[0].status": "bogus", "rows[1].capabilityId": "I.B", "rows[1].status": "nope" });
    expect(bad.reply().error).toEqual({ "rows[0].status": [STATUS_MESSAGE] });
  });

  it("refuses a missing intent, and a row Save naming no row of the form", () => {
    expect(parseRows({ "rows[0].capabilityId": "I.A", "rows[0].status": "achieved" }).reply().error).toEqual({ "": ["Use the Save buttons of the form"] });
    expect(parseRows({ intent: "row:II.F", "rows[0].capabilityId": "I.A" }).reply().error).toEqual({ "": ['Unknown capability "II.F"'] });
  });

  it("accepts an empty form", () => {
    const s = parseRows({ intent: "save" });
    expect(s.status === "success" && s.value.rows).toEqual([]);
  });

  it("parses the intent of the submit buttons", () => {
    expect(parseRowsIntent("save")).toEqual({ kind: "save" });
    expect(parseRowsIntent("row:II.B")).toEqual({ kind: "row", capabilityId: "II.B" });
    expect(parseRowsIntent("row:")).toBeNull();
    expect(parseRowsIntent(undefined)).toBeNull();
  });

  it("hands back the version each submitted row carried", () => {
    const fd = form({ "rows[0].capabilityId": "I.A", "rows[0].version": "3", "rows[1].capabilityId": "I.B", "rows[1].version": "" });
    expect(submittedVersions(fd)).toEqual({ "I.A": 3, "I.B": null });
  });
});

describe("fiscal years", () => {
  it("accepts whole years from 2000 to 2100 only", () => {
    expect(parseFiscalYear("2000")).toBe(2000);
    expect(parseFiscalYear(" 2024 ")).toBe(2024);
    expect(parseFiscalYear("2100")).toBe(2100);
    expect(parseFiscalYear(2025)).toBe(2025);
    for (const bad of ["1999", "2101", "20a4", "2024.0", "", "-2024", null, undefined]) expect(parseFiscalYear(bad)).toBeNull();
  });

  it("starting a year says what is wrong next to the field", () => {
    for (const bad of ["1999", "2101", "", "next"]) {
      const s = parseWithZod(form({ fiscalYear: bad }), { schema: startYearSchema });
      expect(s.status).toBe("error");
      expect(s.reply().error).toEqual({ fiscalYear: [YEAR_MESSAGE] });
    }
    expect(YEAR_MESSAGE).toBe("Enter a fiscal year from 2000 to 2100");
    const ok = parseWithZod(form({ fiscalYear: "2026" }), { schema: startYearSchema });
    expect(ok.status === "success" && ok.value).toEqual({ fiscalYear: 2026 });
  });
});

describe("sign-off form", () => {
  const parse = (entries: Record<string, string>) => parseWithZod(form(entries), { schema: reviewSchema });

  it("needs a note to request changes, not to validate", () => {
    expect(parse({ intent: "request_changes", note: "  ", reviewVersion: "2" }).reply().error).toEqual({ note: ["Say what needs to change"] });
    const v = parse({ intent: "validate", reviewVersion: "2" });
    expect(v.status === "success" && v.value).toEqual({ intent: "validate", reviewVersion: 2 });
    // A year without a sign-off row yet sends an empty version.
    const first = parse({ intent: "submit", reviewVersion: "" });
    expect(first.status === "success" && first.value).toEqual({ intent: "submit" });
    expect(parse({ intent: "submit", reviewVersion: "x1" }).reply().error).toEqual({ reviewVersion: ["Reload the page"] });
  });

  it("refuses an unknown step and an overlong note", () => {
    expect(parse({ intent: "approve" }).reply().error).toEqual({ intent: ["Unknown sign-off step"] });
    expect(parse({ intent: "validate", note: "n".repeat(4001) }).reply().error).toEqual({ note: ["The note is over 4,000 characters"] });
  });
});
