import { renderToString } from "react-dom/server";
import { renderRows } from "~/components/chart-memo.server";
import { chartKey } from "~/components/StaticChart";
import { StaticRowsContext, StaticTbody } from "~/components/StaticRows";

type Row = { code: string; note: string | null; cents: number };

function Rows({ rows }: { rows: Row[] }) {
  return (
    <>
      {rows.map((r) => (
        <tr key={r.code}>
          <th scope="row">{r.code}</th>
          <td>
            {r.cents}
            {r.note ? <span> (note: {r.note})</span> : null}
          </td>
        </tr>
      ))}
    </>
  );
}

/** The table as the page renders it in place, and through the server's memo. */
const inPlace = (rows: Row[]) => renderToString(<table><tbody><Rows rows={rows} /></tbody></table>);
const memoized = (rows: Row[]) =>
  renderToString(
    <StaticRowsContext.Provider value={renderRows}>
      <table>
        <StaticTbody memoKey={chartKey("test-rows", rows)}>
          {() => <Rows rows={rows} />}
        </StaticTbody>
      </table>
    </StaticRowsContext.Provider>,
  );

describe("table rows drawn once on the server", () => {
  const rows: Row[] = [
    { code: "VA", note: null, cents: 100 },
    { code: "TX", note: "late", cents: 250 },
  ];

  it("give the page exactly the HTML it had when rendered in place, separators between texts included", () => {
    expect(memoized(rows)).toBe(inPlace(rows));
    // Again, from the memo.
    expect(memoized(rows)).toBe(inPlace(rows));
    expect(inPlace(rows)).toContain("(note: <!-- -->late");
  });

  it("follow the data: a changed figure is a new key and new rows", () => {
    const changed = rows.map((r) => (r.code === "TX" ? { ...r, cents: 300 } : r));
    expect(memoized(changed)).toBe(inPlace(changed));
    expect(memoized(changed)).not.toBe(memoized(rows));
  });

  it("leave the server's rows to the browser while it hydrates (an empty body it does not rewrite)", () => {
    expect(renderToString(<table><StaticTbody memoKey="k">{() => <Rows rows={rows} />}</StaticTbody></table>)).toBe("<table><tbody></tbody></table>");
  });
});
