import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { centerScope } from "~/domain/permissions";
import { GroupedBarChart, StackedMoneyChart } from "~/components/ReportCharts";
import { heatColor, heatIsDark, STATUS_COLORS } from "~/components/palette";
import { getDb } from "~/db.server";
import { FUNDING_SOURCES, SOURCE_LABELS } from "~/domain/grants";
import { formatMoney, formatPercent } from "~/domain/money";
import { formatScore } from "~/domain/scores";
import { listCenters, listStates } from "~/models/centers.server";
import { describeDefaultYear } from "~/domain/fiscal-year";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { comparisonForUrl, comparisonTable, MAX_COMPARE, MIN_COMPARE, type FigureRow } from "~/models/compare.server";
import { ScrollTable } from "~/components/ScrollTable";
import { StaticInner, StaticTbody } from "~/components/StaticRows";
import { FilterSelect } from "~/components/FilterSelect";

export const meta: MetaFunction = () => [{ title: "Compare centers — Baseline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "read" });
  const db = getDb();
  const url = new URL(request.url);
  const { selection, notes, comparison } = await comparisonForUrl(db, user, url, oneFiscalYearOf(request));
  if (comparison.kind === "forbidden") throw new Response(comparison.message, { status: 403, statusText: "Forbidden" });
  const scope = centerScope(user);
  const [centers, states] = await Promise.all([listCenters(db, scope), listStates(db, scope)]);
  const table = comparison.kind === "ok" ? comparisonTable(comparison) : [];
  const asked = selection.codes.length > 0 || Boolean(selection.state);
  const status = comparison.kind === "choose" && comparison.message && asked ? 400 : 200;
  // The limits travel with the data: a .server module's values do not exist in the browser bundle.
  return json({ selection, notes, comparison, table, centers, states, limits: { min: MIN_COMPARE, max: MAX_COMPARE } }, { status });
}

function cell(row: FigureRow, v: number | string | null): string {
  if (v === null || v === "") return row.kind === "text" ? "" : "—";
  if (typeof v === "string") return v;
  switch (row.kind) {
    case "score":
      return formatScore(v);
    case "money":
      return formatMoney(v);
    case "percent":
      return formatPercent(v);
    default:
      return String(v);
  }
}

function selectionQuery(selection: { codes: string[]; state?: string }, fy: number | null): string {
  const p = new URLSearchParams();
  if (selection.codes.length > 0) for (const c of selection.codes) p.append("c", c);
  else if (selection.state) p.set("state", selection.state);
  if (fy) p.set("fy", String(fy));
  return `?${p.toString()}`;
}

export default function ComparePage() {
  const { selection, notes, comparison, table, centers, states, limits } = useLoaderData<typeof loader>();
  const ok = comparison.kind === "ok" ? comparison : null;
  const fy = ok ? ok.fiscalYear : comparison.fiscalYear;
  const chosen = new Set(ok ? ok.centers.map((c) => c.code) : selection.codes);

  return (
    <>
      <h1>Compare centers{ok ? ` — FY${ok.fiscalYear}` : ""}</h1>
      <p className="muted">
        Choose {limits.min} to {limits.max} centers, or every center of a state, to see their baseline scores, gaps, funding and findings side by side.
      </p>
      {notes.map((n) => (
        <p key={n} className="notice" role="status">
          {n}
        </p>
      ))}
      {comparison.kind === "choose" && comparison.message ? (
        <p className="notice error" role="alert">
          {comparison.message}
        </p>
      ) : null}

      <details open={!ok} className="panel no-print">
        <summary>{ok ? "Change the centers" : "Choose centers"}</summary>
        <div className="grid-2">
          <Form method="get" aria-label="Compare chosen centers">
            <fieldset>
              <legend>
                Centers ({limits.min} to {limits.max})
              </legend>
              {/* Every center in scope, drawn once per list and choice (StaticInner, decision 032). */}
              <StaticInner
                as="div"
                style={{ maxHeight: "18rem", overflowY: "auto", columns: "12rem" }}
                memoKey={`compare-choices:${JSON.stringify(centers.map((c) => [c.code, c.name, chosen.has(c.code)]))}`}
              >
                {() =>
                  centers.map((c) => (
                    <label key={c.code} style={{ display: "block" }}>
                      <input type="checkbox" name="c" value={c.code} defaultChecked={chosen.has(c.code)} /> {c.code}{" "}
                      <span className="muted">{c.name}</span>
                    </label>
                  ))
                }
              </StaticInner>
            </fieldset>
            {fy ? <input type="hidden" name="fy" value={fy} /> : null}
            <p>
              <button type="submit">Compare these centers</button>
            </p>
          </Form>
          <Form method="get" aria-label="Compare all centers of a state">
            <FilterSelect className="field" label="All centers of a state" name="state" value={selection.state} choices={states} />
            {fy ? <input type="hidden" name="fy" value={fy} /> : null}
            <button type="submit">Compare the state's centers</button>
          </Form>
        </div>
      </details>

      {ok ? (
        <>
          <nav aria-label="Fiscal year" className="actions">
            <span>Fiscal year:</span>
            {ok.years.map((y) => (
              <Link key={y} to={selectionQuery(selection, y)} aria-current={y === ok.fiscalYear ? "page" : undefined} className={y === ok.fiscalYear ? "button" : "button secondary"}>
                FY{y}
              </Link>
            ))}
            <a className="button secondary" href={`/compare.csv${selectionQuery(selection, ok.fiscalYear)}`} download>
              Download CSV
            </a>
          </nav>
          {ok.defaultYear ? <p className="muted">Showing {describeDefaultYear(ok.defaultYear)}.</p> : null}

          {ok.noDataForYear ? (
            <p className="empty">
              No data for FY{ok.fiscalYear}: none of these centers has an assessment or an award in that year.
            </p>
          ) : (
            <>
              <div className="grid-2">
                <GroupedBarChart
                  title={`Baseline score, FY${ok.fiscalYear}`}
                  data={ok.centers.map((c) => ({ center: c.code, score: c.score }))}
                  categoryKey="center"
                  series={[{ key: "score", label: "Baseline score" }]}
                  domain={[0, 100]}
                  table={{ columns: ["Center", "Score"], rows: ok.centers.map((c) => [c.code, formatScore(c.score)]), footer: ["Median", formatScore(ok.totals.medianScore)] }}
                />
                <GroupedBarChart
                  title={`Open gaps FY${ok.fiscalYear} and gaps closed since FY${ok.fiscalYear - 1}`}
                  data={ok.centers.map((c) => ({ center: c.code, open: c.gaps?.length ?? null, closed: c.closedGaps?.length ?? null }))}
                  categoryKey="center"
                  series={[
                    { key: "open", label: "Open gaps", color: STATUS_COLORS.red },
                    { key: "closed", label: "Gaps closed", color: STATUS_COLORS.green },
                  ]}
                  table={{
                    columns: ["Center", "Open gaps", "Gaps closed"],
                    rows: ok.centers.map((c) => [c.code, c.gaps ? c.gaps.length : "—", c.closedGaps ? c.closedGaps.length : "—"]),
                    footer: ["All", ok.totals.gaps, ok.totals.closedGaps],
                  }}
                />
                <StackedMoneyChart
                  title={`Funding by source, FY${ok.fiscalYear}`}
                  data={ok.centers.map((c) => ({ center: c.code, ...c.funding }))}
                  categoryKey="center"
                  series={FUNDING_SOURCES.filter((s) => ok.centers.some((c) => c.funding[s] > 0)).map((s) => ({ key: s, label: SOURCE_LABELS[s] }))}
                  table={{
                    columns: ["Center", ...FUNDING_SOURCES.map((s) => SOURCE_LABELS[s]), "Total"],
                    rows: ok.centers.map((c) => [c.code, ...FUNDING_SOURCES.map((s) => formatMoney(c.funding[s])), formatMoney(c.totalCents)]),
                    footer: ["All", ...FUNDING_SOURCES.map((s) => formatMoney(ok.totals.funding[s])), formatMoney(ok.totals.totalCents)],
                  }}
                />
                <GroupedBarChart
                  title={`Findings by severity, FY${ok.fiscalYear}`}
                  data={ok.centers.map((c) => ({ center: c.code, violations: c.violations, warnings: c.warnings }))}
                  categoryKey="center"
                  stacked
                  series={[
                    { key: "violations", label: "Violations", color: STATUS_COLORS.red },
                    { key: "warnings", label: "Warnings", color: STATUS_COLORS.amber },
                  ]}
                  table={{
                    columns: ["Center", "Violations", "Warnings"],
                    rows: ok.centers.map((c) => [c.code, c.violations, c.warnings]),
                    footer: ["All", ok.totals.violations, ok.totals.warnings],
                  }}
                />
              </div>

              <section aria-labelledby="figures" className="print-section">
                <h2 id="figures">Figures side by side, FY{ok.fiscalYear}</h2>
                <p className="muted">
                  Area scores: achieved 100, partial 50, not achieved 0. A budget line is aimed at a gap when it names the gap, one of its items or a
                  linked capability (the rule the compliance checks use). Per-gap figures divide the year's federal funds; — means there is nothing
                  to divide by (no gaps, no gap closed, or no assessment).
                </p>
                <ScrollTable className="compare">
                    <thead>
                      <tr>
                        <th scope="col">Figure</th>
                        {ok.centers.map((c) => (
                          <th key={c.code} scope="col" className="num">
                            <Link to={`/centers/${encodeURIComponent(c.code)}`} title={c.name}>
                              {c.code}
                            </Link>
                          </th>
                        ))}
                        <th scope="col" className="num">
                          All {ok.centers.length}
                        </th>
                      </tr>
                    </thead>
                    {/* The page's longest part, drawn once per distinct figures (StaticInner, decision 032). */}
                    <StaticTbody memoKey={`compare-figures:${JSON.stringify([table, ok.centers.map((c) => c.assessed)])}`}>
                      {() => table.map((row) => (
                        <tr key={row.key}>
                          <th scope="row">{row.label}</th>
                          {row.values.map((v, i) => {
                            const heat = row.key.startsWith("area:") && ok.centers[i].assessed ? heatColor(v as number | null) : undefined;
                            const dark = heat !== undefined && heatIsDark(v as number | null);
                            return (
                              <td key={i} className="num" style={heat ? { background: heat, color: dark ? "#fff" : undefined } : undefined}>
                                {cell(row, v)}
                              </td>
                            );
                          })}
                          <td className="num">
                            <strong>{cell(row, row.total)}</strong>
                          </td>
                        </tr>
                      ))}
                    </StaticTbody>
                </ScrollTable>
                <p className="muted">The last column totals money, gaps and findings; for scores it shows the median; per-gap figures and the share are worked out over the totals.</p>
              </section>
            </>
          )}
        </>
      ) : comparison.kind === "choose" && !comparison.message ? (
        <p className="empty">No centers chosen yet: tick two or more centers above, or pick a state.</p>
      ) : null}
    </>
  );
}
