import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useLocation } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { StackedMoneyChart, ComplianceStatusChart } from "~/components/ReportCharts";
import { heatClass } from "~/components/palette";
import { getDb } from "~/db.server";
import { SOURCE_LABELS, sourcesPresent } from "~/domain/grants";
import { formatMoney, formatMoneyShort } from "~/domain/money";
import { describeDefaultYear } from "~/domain/fiscal-year";
import { formatScore } from "~/domain/scores";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { dashboardForUrl, type HeatSortKey } from "~/models/dashboard.server";
import { ScrollTable } from "~/components/ScrollTable";
import { chartKey } from "~/components/StaticChart";
import { StaticTbody } from "~/components/StaticRows";
import { FigureTile } from "~/components/FigureTile";
import { FilterSelect, codeNameChoices, sourceChoices, yearChoices } from "~/components/FilterSelect";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Dashboard${data?.fiscalYear ? ` FY${data.fiscalYear}` : ""} — Baseline` }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "read" });
  return dashboardForUrl(getDb(), user, new URL(request.url), oneFiscalYearOf(request));
}

const SCOPE_TEXT: Record<string, string> = {
  admin: "All centers in the network",
  auditor: "All centers in the network",
  director: "Your center and the other centers of its state",
  state_official: "The centers of your state(s)",
};

const STATUS_WORD = { red: "red", amber: "amber", green: "green", not_assessed: "not assessed" } as const;

/** A query string with some parameters changed (empty values removed). */
function withParams(search: string, changes: Record<string, string | null>): string {
  const p = new URLSearchParams(search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === "") p.delete(k);
    else p.set(k, v);
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

export default function DashboardPage() {
  const d = useLoaderData<typeof loader>();
  const location = useLocation();
  const fy = d.fiscalYear;
  const filtered = Boolean(d.filters.state || d.filters.program || d.filters.agency);
  const sources = sourcesPresent(d.funding);
  const csvHref = `/dashboard.csv${withParams(location.search, { fy: fy ? String(fy) : null })}`;

  const sortHeader = (key: HeatSortKey, label: string, title?: string) => {
    const active = d.sort.key === key;
    const nextDir = active && d.sort.dir === "asc" ? "desc" : active ? "asc" : key === "code" || key === "name" || key === "state" ? "asc" : "desc";
    return (
      <th
        key={key}
        scope="col"
        className={key === "code" || key === "name" || key === "state" ? undefined : "num"}
        aria-sort={active ? (d.sort.dir === "asc" ? "ascending" : "descending") : undefined}
        title={title}
      >
        <Link to={withParams(location.search, { sort: key, dir: nextDir })} preventScrollReset>
          {label}
          {active ? (d.sort.dir === "asc" ? " ▲" : " ▼") : ""}
        </Link>
      </th>
    );
  };

  return (
    <>
      <h1>Dashboard{fy ? ` — FY${fy}` : ""}</h1>
      <p className="muted">
        {SCOPE_TEXT[d.role]}. Figures for the federal fiscal year (October to September)
        {d.defaultYear ? <>: showing {describeDefaultYear(d.defaultYear)}</> : null}.
      </p>

      <Form method="get" className="filters" aria-label="Dashboard filters">
        <FilterSelect
          label="Fiscal year"
          name="fy"
          value={fy}
          all={d.years.length === 0 ? "No data yet" : undefined}
          choices={yearChoices(fy !== null && !d.years.includes(fy) ? [fy, ...d.years] : d.years)}
        />
        <FilterSelect label="State" name="state" value={d.filters.state} all="All states" choices={d.options.states} />
        <FilterSelect label="Program" name="program" value={d.filters.program} all="All programs" choices={codeNameChoices(d.options.programs)} />
        <FilterSelect label="Agency" name="agency" value={d.filters.agency} all="All sources" choices={sourceChoices(d.options.agencies)} />
        {d.sort.key !== "score" || d.sort.dir !== "desc" ? (
          <>
            <input type="hidden" name="sort" value={d.sort.key} />
            <input type="hidden" name="dir" value={d.sort.dir} />
          </>
        ) : null}
        <button type="submit">Show</button>
        {filtered ? (
          <Link to={fy ? `?fy=${fy}` : "."} className="button secondary">
            Clear filters
          </Link>
        ) : null}
      </Form>

      {d.filterSummary ? (
        <p className="muted" role="status">
          {d.filterSummary}
        </p>
      ) : null}

      {d.notes.map((n) => (
        <p key={n} className="notice" role="status">
          {n}
        </p>
      ))}

      {d.years.length === 0 ? (
        <p className="empty">There is no data yet: no center you may see has an assessment or an award.</p>
      ) : d.noDataForYear ? (
        <p className="empty">
          No data for FY{fy}: no center you may see has an assessment or an award in that year. Choose another year (data runs from FY
          {d.years[d.years.length - 1]} to FY{d.years[0]}).
        </p>
      ) : d.rows.length === 0 ? (
        <p className="empty">
          No center matches these filters in FY{fy}
          {d.filters.program ? ` (no center holds a ${d.filters.program} award that year)` : ""}
          {d.filters.agency ? ` (no center holds a ${SOURCE_LABELS[d.filters.agency]} award that year)` : ""}. <Link to={`?fy=${fy}`}>Clear the filters</Link>.
        </p>
      ) : (
        <>
          <section className="tiles" aria-label="Key figures">
            <FigureTile value={d.tiles.centers} label={`centers (${d.tiles.assessed} assessed in FY${fy})`} />
            <FigureTile value={d.tiles.meetingBaseline} label="centers meeting the baseline (no gaps)" />
            <FigureTile value={formatScore(d.tiles.medianScore)} label="median baseline score" />
            <FigureTile
              value={formatMoneyShort(d.tiles.federalCents)}
              title={formatMoney(d.tiles.federalCents)}
              label={
                `federal funds FY${fy}: DHS ${formatMoneyShort(d.tiles.dhsCents)} · DOJ ${formatMoneyShort(d.tiles.dojCents)}` +
                (d.tiles.otherFederalCents > 0 ? ` · other federal ${formatMoneyShort(d.tiles.otherFederalCents)}` : "")
              }
            />
            <FigureTile value={d.tiles.openViolations} label="open violations (not resolved)" />
            <FigureTile
              value={d.tiles.overdueReports}
              label={`overdue reports${d.filters.program || d.filters.agency ? " (any program, before the program/agency filter)" : ""}`}
            />
          </section>

          <section aria-labelledby="heatmap-title" className="print-section">
            <div className="actions">
              <h2 id="heatmap-title" style={{ margin: 0 }}>
                Baseline capability areas, FY{fy}
              </h2>
              <a href={csvHref} className="button secondary" download>
                Download CSV
              </a>
            </div>
            <p className="muted">
              Area score: achieved 100, partial 50, not achieved or not assessed 0 (— when the center recorded no assessment). Select a cell to see the center's
              gaps; select a column heading to sort.
            </p>
            <ScrollTable className="heatmap">
                <caption>
                  {d.rows.length} center{d.rows.length === 1 ? "" : "s"}, FY{fy}
                </caption>
                <thead>
                  <tr>
                    {sortHeader("code", "Center")}
                    {sortHeader("state", "State")}
                    {sortHeader("score", "Score")}
                    {sortHeader("gaps", "Gaps")}
                    {d.areas.map((a) => sortHeader(`area:${a.id}`, a.id, a.title))}
                    {sortHeader("federal", "Federal funds")}
                    {sortHeader("status", "Compliance")}
                  </tr>
                </thead>
                {/* Drawn once per distinct rows on the server: 80 rows of 18 cells were most of the page's render. */}
                <StaticTbody memoKey={chartKey("heat-rows", { fy, areas: d.areas.map((a) => a.id), rows: d.rows })}>
                  {() => d.rows.map((r) => {
                    const gapsHref = `/centers/${encodeURIComponent(r.code)}?fy=${fy}#gaps`;
                    return (
                      <tr key={r.code}>
                        <th scope="row">
                          {/* A plain anchor like the cells: 80 Remix Links were an eighth of the page's server render. */}
                          <a href={`/centers/${encodeURIComponent(r.code)}`} title={r.name}>
                            {r.code}
                          </a>
                        </th>
                        <td>{r.state}</td>
                        <td className="num">{formatScore(r.score)}</td>
                        <td className="num">{r.gaps ?? "—"}</td>
                        {d.areas.map((a) => {
                          const score = r.areas[a.id] ?? null;
                          // Classes, not inline styles, and a short label (the column heading names the
                          // area): 960 cells make up most of the page's weight. Only a cell with
                          // something to see links to the gaps: a full score or a not-applicable area has none.
                          const hasGaps = !r.assessed || (score !== null && score < 100);
                          return (
                            <td key={a.id} className={`num heat ${heatClass(r.assessed ? score : null)}`}>
                              {hasGaps ? (
                                <a href={gapsHref} aria-label={`${r.code} ${a.id}: ${r.assessed ? formatScore(score) : "not assessed"}`}>
                                  {r.assessed ? formatScore(score) : "—"}
                                </a>
                              ) : (
                                <span>{formatScore(score)}</span>
                              )}
                            </td>
                          );
                        })}
                        <td className="num">{formatMoney(r.federalCents)}</td>
                        <td>
                          <span className={`badge ${r.compliance}`}>{STATUS_WORD[r.compliance]}</span>
                        </td>
                      </tr>
                    );
                  })}
                </StaticTbody>
                <tfoot>
                  <tr>
                    <th scope="row" colSpan={2}>
                      All {d.rows.length} (median, total gaps)
                    </th>
                    <td className="num">{formatScore(d.footer.medianScore)}</td>
                    <td className="num">{d.footer.totalGaps}</td>
                    {d.areas.map((a) => (
                      <td key={a.id} className="num">
                        {formatScore(d.footer.areaMedians[a.id] ?? null)}
                      </td>
                    ))}
                    <td className="num">{formatMoney(d.footer.federalCents)}</td>
                    <td>
                      {d.compliance.red} red · {d.compliance.amber} amber · {d.compliance.green} green
                      {d.compliance.not_assessed > 0 ? ` · ${d.compliance.not_assessed} not assessed` : ""}
                    </td>
                  </tr>
                </tfoot>
            </ScrollTable>
          </section>

          <div className="grid-2 print-section">
            <StackedMoneyChart
              title={`Funding by source and fiscal year, all ${d.centersInScope} centers in view${d.filters.program ? ` (${d.filters.program} only)` : ""}${
                d.filters.agency ? ` (${SOURCE_LABELS[d.filters.agency]} only)` : ""
              }`}
              data={d.funding.map((f) => ({ ...f, year: `FY${f.fiscalYear}` }))}
              categoryKey="year"
              series={sources.map((s) => ({ key: s, label: SOURCE_LABELS[s] }))}
              table={{
                columns: ["Fiscal year", ...sources.map((s) => SOURCE_LABELS[s]), "Total"],
                rows: d.funding.map((f) => [`FY${f.fiscalYear}`, ...sources.map((s) => formatMoney(f[s])), formatMoney(f.totalCents)]),
                footer: [
                  `All years, all ${d.centersInScope} centers`,
                  ...sources.map((s) => formatMoney(d.funding.reduce((sum, f) => sum + f[s], 0))),
                  formatMoney(d.funding.reduce((sum, f) => sum + f.totalCents, 0)),
                ],
              }}
            />
            <ComplianceStatusChart
              title={`Compliance status of the ${d.rows.length === 1 ? "center" : `${d.rows.length} centers`}, FY${fy}`}
              counts={d.compliance}
            />
          </div>
        </>
      )}
    </>
  );
}
