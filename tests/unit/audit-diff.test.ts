import { describe, expect, it } from "vitest";
import { actionLabel, describeAuditChange, fieldLabel, formatAuditTime } from "~/domain/audit-diff";

describe("describeAuditChange", () => {
  it("lists only the fields an update changed, money in dollars", () => {
    const before = JSON.stringify({ amount_cents: 120000, title: "Analyst", version: 3 });
    const after = JSON.stringify({ amount_cents: 150050, title: "Analyst", version: 4 });
    expect(describeAuditChange(before, after)).toEqual([
      { field: "amount_cents", before: "$1,200.00", after: "$1,500.50" },
      { field: "version", before: "3", after: "4" },
    ]);
  });

  it("lists the fields a create set, leaving out empty ones", () => {
    expect(describeAuditChange(null, JSON.stringify({ username: "kim", center_id: null, states: "", active: 1 }))).toEqual([
      { field: "username", before: "—", after: "kim" },
      { field: "active", before: "—", after: "1" },
    ]);
    // null → "" is no change a reader could see.
    expect(describeAuditChange('{"note":null}', '{"note":""}')).toEqual([]);
  });

  it("shows fields that were added or removed", () => {
    expect(describeAuditChange('{"a":1}', '{"b":2}')).toEqual([
      { field: "a", before: "1", after: "—" },
      { field: "b", before: "—", after: "2" },
    ]);
  });

  it("shows nested objects as JSON and non-object rows as one value", () => {
    expect(describeAuditChange(null, '{"rows":{"added":3}}')).toEqual([{ field: "rows", before: "—", after: '{"added":3}' }]);
    expect(describeAuditChange(null, "[1,2]")).toEqual([{ field: "value", before: "—", after: "[1,2]" }]);
    expect(describeAuditChange('{"a":1}', '{"a":1}')).toEqual([]);
    expect(describeAuditChange(null, null)).toEqual([]);
  });
});

describe("labels", () => {
  it("reads column names and actions", () => {
    expect(fieldLabel("budgeted_cents")).toBe("budgeted");
    expect(fieldLabel("pop_end")).toBe("pop end");
    expect(actionLabel("void")).toBe("Voided");
    expect(actionLabel("custom")).toBe("custom");
    expect(formatAuditTime("2025-06-30T14:05:09.123Z")).toBe("2025-06-30 14:05 UTC");
  });
});
