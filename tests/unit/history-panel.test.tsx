import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { HistoryPanel, type HistoryEntry } from "~/components/HistoryPanel";

const rows: HistoryEntry[] = [
  {
    id: 12,
    at: "2025-06-30T14:05:09.000Z",
    username: "demo-director",
    action: "update",
    entity: "budget_line",
    entity_id: "7",
    before_json: '{"amount_cents":120000,"description":"Analyst"}',
    after_json: '{"amount_cents":150000,"description":"Analyst"}',
  },
  { id: 3, at: "2025-06-01T09:00:00.000Z", username: null, action: "create", entity: "budget_line", entity_id: "7", before_json: null, after_json: '{"amount_cents":120000}' },
];

describe("HistoryPanel", () => {
  it("labels assessment statuses as the audit log does, not as codes", () => {
    const status: HistoryEntry = { id: 20, at: "2025-07-01T10:00:00.000Z", username: "demo-director", action: "update", before_json: '{"status":"not_achieved"}', after_json: '{"status":"partial"}' };
    const html = renderToStaticMarkup(<HistoryPanel rows={[status]} />);
    expect(html).toContain("<strong>Status</strong>: Not achieved → Partial");
    expect(html).not.toContain("not_achieved");
  });

  it("shows when, who, the action and what changed", () => {
    const html = renderToStaticMarkup(<HistoryPanel rows={rows} />);
    expect(html).toContain("<h2");
    expect(html).toContain(">History</h2>");
    expect(html).toContain("2025-06-30 14:05 UTC");
    expect(html).toContain("demo-director");
    expect(html).toContain("Changed");
    expect(html).toContain("<strong>Amount</strong>: $1,200.00 → $1,500.00");
    expect(html).not.toContain("description");
    // The create row: no "before", and no user means the system (an import or the demo load).
    expect(html).toContain("system");
    expect(html).toContain("<strong>Amount</strong>: $1,200.00</li>");
    expect(html).not.toContain("<th scope=\"col\">Record</th>");
  });

  it("can show which record each row belongs to, and says so when there is no history", () => {
    expect(renderToStaticMarkup(<HistoryPanel rows={rows} showRecord title="Line history" />)).toContain("Budget line 7");
    const named = rows.map((r) => ({ ...r, record: "Budget line L-7 (Analyst), award 2024-VA-SHSP-001" }));
    expect(renderToStaticMarkup(<HistoryPanel rows={named} showRecord />)).toContain("Budget line L-7 (Analyst), award 2024-VA-SHSP-001");
    expect(renderToStaticMarkup(<HistoryPanel rows={[]} />)).toContain("No recorded changes.");
  });
});
