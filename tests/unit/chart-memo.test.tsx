import { renderToString } from "react-dom/server";
import { chartMemoSize, renderChart } from "~/components/chart-memo.server";
import { StackedMoneyChart } from "~/components/ReportCharts";
import { chartKey, StaticChartContext } from "~/components/StaticChart";

/** The page as the server renders it: charts go through the memo (entry.server.tsx provides it). */
function serverHtml(dhs: number, doj: number): string {
  return renderToString(
    <StaticChartContext.Provider value={renderChart}>
      <StackedMoneyChart
        title="Funding by source"
        data={[
          { year: "FY2024", DHS: dhs, DOJ: doj },
          { year: "FY2025", DHS: 2 * dhs, DOJ: doj },
        ]}
        categoryKey="year"
        series={[
          { key: "DHS", label: "DHS" },
          { key: "DOJ", label: "DOJ" },
        ]}
        table={{ columns: ["Fiscal year", "DHS", "DOJ"], rows: [] }}
      />
    </StaticChartContext.Provider>,
  );
}

/** Heights of the drawn bars (recharts draws each as a path with class recharts-rectangle). */
const bars = (html: string) => [...html.matchAll(/<path[^>]*\sheight="([\d.]+)"[^>]*class="recharts-rectangle"/g)].map((m) => Number(m[1]));

describe("server-drawn charts through the memo", () => {
  it("puts the drawn SVG in the page, so the chart shows without JavaScript", () => {
    const html = serverHtml(100_000_00, 50_000_00);
    expect(html).toContain("<svg");
    // Two years × two sources.
    expect(bars(html)).toHaveLength(4);
  });

  it("draws the same figures once and reuses the markup", () => {
    const first = serverHtml(300_000_00, 100_000_00);
    const size = chartMemoSize();
    const second = serverHtml(300_000_00, 100_000_00);
    expect(second).toBe(first);
    expect(chartMemoSize()).toBe(size);
  });

  it("draws again when any figure changes: the picture follows the data", () => {
    const before = bars(serverHtml(400_000_00, 100_000_00));
    const size = chartMemoSize();
    const after = bars(serverHtml(400_000_00, 300_000_00));
    expect(chartMemoSize()).toBe(size + 1);
    expect(after).not.toEqual(before);
  });

  it("renders no second chart while the browser hydrates: the server's SVG is kept until the live chart takes over", () => {
    // Without the server's memo, the first (hydrating) render is an empty placeholder that React
    // leaves as the server wrote it; the live recharts chart replaces it right after.
    const html = renderToString(
      <StackedMoneyChart
        title="Hydrating"
        data={[{ year: "FY2025", DHS: 1_00 }]}
        categoryKey="year"
        series={[{ key: "DHS", label: "DHS" }]}
        table={{ columns: ["Fiscal year", "DHS"], rows: [] }}
      />,
    );
    expect(html).toContain('class="chart-canvas"');
    expect(html).not.toContain("<svg");
  });

  it("keys a chart by its kind and inputs, naming module-level formatters", () => {
    function formatMoneyShort() {
      return "";
    }
    expect(chartKey("bars", { a: 1, format: formatMoneyShort })).toBe('bars:{"a":1,"format":"fn:formatMoneyShort"}');
    expect(chartKey("bars", { a: 1 })).not.toBe(chartKey("bars", { a: 2 }));
    expect(chartKey("bars", { a: 1 })).not.toBe(chartKey("line", { a: 1 }));
  });
});
