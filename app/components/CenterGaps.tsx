import { Link } from "@remix-run/react";
import { formatMoney } from "~/domain/money";
import { formatScore } from "~/domain/scores";
import { AssessmentCharts, type AreaScore, type YearScore } from "./AssessmentCharts";
import { FiscalYearPicker } from "./FiscalYearPicker";
import { ScrollTable } from "./ScrollTable";
import { StaticTbody } from "./StaticRows";

/** The shape of centerGapView (app/models/assessments.server.ts) as the page receives it. */
export interface GapRowData {
  capabilityId: string;
  title: string;
  areaId: string;
  areaTitle: string;
  statusLabel: string;
  estCostCents: number | null;
  fundingCents: number;
  cocEc: string[];
}

export interface CenterGapData {
  fiscalYear: number | null;
  years: number[];
  score: { score: number | null; achieved: number; partial: number; notAchieved: number; notAssessed: number; notApplicable: number; status: string } | null;
  reviewText: string | null;
  gaps: GapRowData[];
  byArea: { areaId: string; title: string; gaps: GapRowData[] }[];
  byCocEc: { id: string | null; title: string; gaps: GapRowData[] }[];
  fundingTotalCents: number;
  estCostTotalCents: number;
  areaScores: AreaScore[];
  yearScores: YearScore[];
}

function GapTable({
  groups,
  caption,
  groupLabel,
  rowsKey,
}: {
  groups: { key: string; heading: string; gaps: GapRowData[] }[];
  caption: string;
  groupLabel: string;
  rowsKey: string;
}) {
  return (
    <ScrollTable>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Capability</th>
          <th scope="col">Status</th>
          <th scope="col">{groupLabel}</th>
          <th scope="col" className="num">
            Funding this year
          </th>
          <th scope="col" className="num">
            Estimated cost to close
          </th>
        </tr>
      </thead>
      {groups.map((g) => (
        // Drawn once per distinct gap view on the server (StaticRows.tsx): rowsKey hashes the whole view these rows are drawn from.
        <StaticTbody key={g.key} memoKey={`${rowsKey}|${groupLabel}|${g.key}`}>
          {() => (
            <>
              <tr>
                <th colSpan={5} scope="colgroup">
                  {g.heading}
                </th>
              </tr>
              {g.gaps.map((gap) => (
                <tr key={gap.capabilityId}>
                  <td>
                    {/* A plain anchor: rows drawn once have no router (docs/decisions/030-per-center-memo.md). */}
                    <a href={`/capabilities/${encodeURIComponent(gap.capabilityId)}`}>{gap.capabilityId}</a> {gap.title}
                  </td>
                  <td>{gap.statusLabel}</td>
                  <td>{groupLabel === "Maps to" ? gap.cocEc.join(", ") || "—" : gap.areaId}</td>
                  <td className="num">{gap.fundingCents > 0 ? formatMoney(gap.fundingCents) : <span className="muted">none</span>}</td>
                  <td className="num">{formatMoney(gap.estCostCents)}</td>
                </tr>
              ))}
            </>
          )}
        </StaticTbody>
      ))}
    </ScrollTable>
  );
}

/**
 * The center page's gap section: the year's gaps grouped by area and by the COC/EC they map to,
 * with the money aimed at each and the director's estimate to close it, and the three charts.
 * `rowsKey` is the memo key of everything the gap rows are drawn from (the view but its sign-off).
 */
export function CenterGaps({ code, view, rowsKey }: { code: string; view: CenterGapData; rowsKey: string }) {
  const fy = view.fiscalYear;
  return (
    <section className="panel" aria-labelledby="gaps">
      <h2 id="gaps">Gaps{fy !== null ? `, FY${fy}` : ""}</h2>
      {view.years.length > 1 ? <FiscalYearPicker years={view.years} fy={fy} /> : null}
      {fy === null || !view.score ? (
        <p className="empty">
          No assessment recorded yet. <Link to={`/centers/${encodeURIComponent(code)}/assessments`}>Assessments</Link>
        </p>
      ) : (
        <>
          <p>
            FY{fy} baseline score <strong>{formatScore(view.score.score)}</strong> ({view.score.achieved} achieved, {view.score.partial} partial,{" "}
            {view.score.notAchieved} not achieved, {view.score.notAssessed} not assessed, {view.score.notApplicable} not applicable) —{" "}
            <strong>{view.score.status}</strong>
            {view.reviewText ? <span className="badge green" style={{ marginLeft: 8 }}>{view.reviewText}</span> : null}
          </p>
          <p className="actions">
            <Link to={`/centers/${encodeURIComponent(code)}/assessments/${fy}`}>Open the FY{fy} assessment</Link>
            {view.gaps.length ? (
              <a href={`/centers/${encodeURIComponent(code)}/gaps.csv?fy=${fy}`} className="button secondary" download>
                Download the FY{fy} gaps (CSV)
              </a>
            ) : null}
          </p>
          {view.gaps.length === 0 ? (
            <p className="empty">No gaps: this center meets the baseline in FY{fy}.</p>
          ) : (
            <>
              <p className="muted">
                Funding this year: the FY{fy} budget lines (not voided) that name the gap, one of its items, or a capability linked to it.
                Budget lines aimed at any gap total {formatMoney(view.fundingTotalCents)}; the director's estimates to close the gaps total{" "}
                {formatMoney(view.estCostTotalCents)}.
              </p>
              <GapTable
                caption={`Gaps by section and area, FY${fy}`}
                groupLabel="Maps to"
                rowsKey={rowsKey}
                groups={view.byArea.map((a) => ({ key: a.areaId, heading: `${a.areaId} ${a.title}`, gaps: a.gaps }))}
              />
              <GapTable
                caption={`Gaps by the COC or EC they map to, FY${fy}`}
                groupLabel="Area"
                rowsKey={rowsKey}
                groups={view.byCocEc.map((c) => ({ key: c.id ?? "none", heading: c.id ? `${c.id} ${c.title}` : c.title, gaps: c.gaps }))}
              />
            </>
          )}
          <AssessmentCharts fiscalYear={fy} areaScores={view.areaScores} yearScores={view.yearScores} />
        </>
      )}
    </section>
  );
}
