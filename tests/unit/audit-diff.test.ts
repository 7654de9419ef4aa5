import { describe, expect, it } from "vitest";
import { actionLabel, describeAuditChange, fieldLabel, formatAuditTime } from "~/domain/audit-diff";

describe("describeAuditChange", () => {
  it("lists only the fields an update changed, money in dollars", () => {
    const before = JSON.stringify({ amount_cents: 120000, title: "Analyst", version: 3 });
    const after = JSON.stringify({ amount_cents: 150050, title: "Analyst", version: 4 });
    // The lock counter (version) is bookkeeping, not a change a reader made.
    expect(describeAuditChange(before, after)).toEqual([{ field: "amount_cents", label: "Amount", before: "$1,200.00", after: "$1,500.50" }]);
  });

  it("lists the fields a create set, leaving out empty ones", () => {
    expect(describeAuditChange(null, JSON.stringify({ username: "kim", center_id: null, states: "", active: 1 }))).toEqual([
      { field: "username", label: "Username", before: "—", after: "kim" },
      { field: "active", label: "Active", before: "—", after: "Yes" },
    ]);
    // null → "" is no change a reader could see.
    expect(describeAuditChange('{"note":null}', '{"note":""}')).toEqual([]);
  });

  it("shows fields that were added or removed", () => {
    expect(describeAuditChange('{"a":1}', '{"b":2}')).toEqual([
      { field: "a", label: "A", before: "1", after: "—" },
      { field: "b", label: "B", before: "—", after: "2" },
    ]);
  });

  it("shows nested objects and lists as labelled text, never raw JSON, and non-object rows as one value", () => {
    expect(describeAuditChange(null, '{"rows":{"added":3}}')).toEqual([{ field: "rows", label: "Rows", before: "—", after: "Added: 3" }]);
    expect(describeAuditChange(null, "[1,2]")).toEqual([{ field: "value", label: "Value", before: "—", after: "1, 2" }]);
    expect(describeAuditChange('{"a":1}', '{"a":1}')).toEqual([]);
    expect(describeAuditChange(null, null)).toEqual([]);
  });
});

describe("labels", () => {
  it("reads column names and actions", () => {
    expect(fieldLabel("budgeted_cents")).toBe("Budgeted");
    expect(fieldLabel("pop_end")).toBe("Period end");
    expect(fieldLabel("some_new_field")).toBe("Some new field");
    expect(actionLabel("void")).toBe("Voided");
    expect(actionLabel("custom")).toBe("custom");
    expect(formatAuditTime("2025-06-30T14:05:09.123Z")).toBe("2025-06-30 14:05 UTC");
  });
});

describe("values as people read them", () => {
  it("shows codes as words, ids as the names users know, and plans as their programs and amounts", () => {
    expect(describeAuditChange('{"status":"not_achieved"}', '{"status":"partial"}')).toEqual([{ field: "status", label: "Status", before: "Not achieved", after: "Partial" }]);
    expect(describeAuditChange(null, '{"cost_category":"ma","poete":"training"}').map((c) => c.after)).toEqual(["M&A", "Training"]);
    const names = { centers: { "46": "VA" }, awards: { "7": "2024-VA-SHSP-001" }, users: { "3": "demo-auditor" } };
    expect(describeAuditChange(null, '{"center_id":46,"award_id":7,"reviewed_by":3}', names)).toEqual([
      { field: "center_id", label: "Center", before: "—", after: "VA" },
      { field: "award_id", label: "Award", before: "—", after: "2024-VA-SHSP-001" },
      { field: "reviewed_by", label: "Reviewed by", before: "—", after: "demo-auditor" },
    ]);
    const plan = describeAuditChange(
      '{"status":"draft","funding":[{"program":"SHSP","amount_cents":10000000}]}',
      '{"status":"applied","funding":[{"program":"SHSP","amount_cents":12000000},{"program":"UASI","amount_cents":500000}]}',
    );
    expect(plan).toEqual([
      { field: "status", label: "Status", before: "Draft", after: "Applied" },
      { field: "funding", label: "Funding", before: "SHSP amount $100,000.00", after: "SHSP amount $120,000.00; UASI amount $5,000.00" },
    ]);
  });
});
