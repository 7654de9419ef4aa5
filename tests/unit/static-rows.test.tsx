import { renderToString } from "react-dom/server";
import { renderRows } from "~/components/chart-memo.server";
import { chartKey } from "~/components/StaticChart";
import { StaticInner, StaticRowsContext, StaticTbody } from "~/components/StaticRows";

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

describe("an element's content drawn once on the server (StaticInner)", () => {
  const content = (n: number) => () => (
    <>
      <p>
        Finding {n} of {"VA"}
      </p>
      <input type="hidden" name="key" value={`k${n}`} />
    </>
  );
  const element = (memoKey: string | null, n: number) => (
    <StaticInner as="article" className="panel finding" id={`f-${n}`} aria-label={`card ${n}`} memoKey={memoKey}>
      {content(n)}
    </StaticInner>
  );
  const withMemo = (memoKey: string | null, n: number) => renderToString(<StaticRowsContext.Provider value={renderRows}>{element(memoKey, n)}</StaticRowsContext.Provider>);

  it("keeps the element's own attributes and gives the HTML of the content drawn in place", () => {
    const inPlace = withMemo(null, 1);
    expect(inPlace).toBe('<article class="panel finding" id="f-1" aria-label="card 1"><p>Finding <!-- -->1<!-- --> of <!-- -->VA</p><input type="hidden" name="key" value="k1"/></article>');
    expect(withMemo(chartKey("test-card", 1), 1)).toBe(inPlace);
    expect(withMemo(chartKey("test-card", 1), 1)).toBe(inPlace);
    expect(withMemo(chartKey("test-card", 2), 2)).toBe(withMemo(null, 2));
  });

  it("draws a null key in place even in the browser before hydration, and leaves a memoized one to hydration", () => {
    expect(renderToString(element(null, 3))).toBe(withMemo(null, 3));
    expect(renderToString(element("k", 3))).toBe('<article class="panel finding" id="f-3" aria-label="card 3"></article>');
  });
});
