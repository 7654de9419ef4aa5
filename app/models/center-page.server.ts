/**
 * The center page's figures (app/routes/centers.$code._index.tsx): award totals per year, its awards,
 * the latest assessment's score, the gaps of a year, compliance findings for the default year as
 * of a date, and funding by source. Everything read from tables data_version watches is remembered
 * per committed state (memo.server.ts, docs/decisions/031-center-page-and-award-report-memo.md); the
 * assessment sign-offs and the findings' responses are remembered apart, under the responses counter, which a save
 * to a center's rows leaves alone (docs/decisions/042-responses-and-settings-counter.md, 046-one-list-of-centers.md).
 * The caller checks the reader's permission on the center before calling.
 */
import type { Q } from "../../db/schema";
import { centerYearStatus, complianceStatus } from "../domain/compliance";
import { assessableCapabilities, baselineStatus, computeScore, HEADLINE_FRAMEWORK } from "../domain/scores";
import { getReview, reviewLabel } from "./assessment-reviews.server";
import { assessmentYears, centerGapFigures, statusesFor, withGapReview } from "./assessments.server";
import { centerAwards, centerFundingBySource } from "./awards.server";
import { listCapabilities } from "./catalog.server";
import { centerAwardTotalsByYear } from "./centers.server";
import { evaluatedFindings, respondedFindings } from "./compliance.server";
import { memoized, rowsKey } from "./memo.server";
import { defaultFiscalYear } from "./years.server";

/** Center pages remembered per committed state: about one per center of the national network. */
export const CENTER_PAGE_ENTRIES = 96;

/** The part of the page read from watched tables only: one memo entry per center, gap year and report date. */
async function centerFigures(db: Q, centerId: number, gapYear: number | null, asOf: string) {
  const [totals, awards, years, catalog, fundingBySource, defaultYear] = await Promise.all([
    centerAwardTotalsByYear(db, centerId),
    centerAwards(db, centerId),
    assessmentYears(db, centerId),
    listCapabilities(db),
    centerFundingBySource(db, centerId),
    defaultFiscalYear(db, [centerId]),
  ]);
  const latestYear = years[0] ?? null;
  let latest = null;
  if (latestYear !== null) {
    const statuses = await statusesFor(db, centerId, latestYear);
    const result = computeScore(assessableCapabilities(catalog, HEADLINE_FRAMEWORK), (id) => statuses.get(id));
    latest = { fiscalYear: latestYear, ...result, status: baselineStatus(result).label };
  }
  // Gaps of ?fy= or the latest assessed year.
  const gapView = await centerGapFigures(db, centerId, gapYear ?? latestYear);
  // Compliance for the default year (years.server.ts), as of asOf: the engine's findings, responses attached per call.
  const complianceYear = defaultYear?.fiscalYear ?? null;
  let compliance = null;
  if (complianceYear !== null) {
    const load = { asOf, fiscalYear: complianceYear, centerIds: [centerId] };
    const evaluated = await evaluatedFindings(db, load);
    compliance = { load, evaluated, status: centerYearStatus(complianceStatus(evaluated.findings), years.includes(complianceYear)) };
  }
  // The awards' and gaps' rows are drawn once per distinct rows (StaticRows.tsx): their keys are computed here, once per entry,
  // from all the rows are drawn from (the gap view without its sign-off, which is read per call and not in the rows).
  return { totals, awards, awardsKey: rowsKey("center-awards", awards), latest, gapView, gapsKey: rowsKey("center-gaps", gapView), compliance, fundingBySource };
}

/** The center page's data for `centerId`: the gaps of `gapYear` (default: the latest assessed year), compliance as of `asOf`. */
export async function centerPage(db: Q, centerId: number, opts: { gapYear: number | null; asOf: string }) {
  const f = await memoized(db, "center-page", [centerId, opts.gapYear, opts.asOf], () => centerFigures(db, centerId, opts.gapYear, opts.asOf), {
    entries: CENTER_PAGE_ENTRIES,
  });
  // Sign-offs apart from the figures (under the responses counter): one look-up when the gap year is the latest year (the default).
  const latestYear = f.latest?.fiscalYear ?? null;
  const gapYear = f.gapView.fiscalYear;
  const [latestReview, gapReview, found] = await Promise.all([
    latestYear !== null ? getReview(db, centerId, latestYear) : null,
    gapYear !== null && gapYear !== latestYear ? getReview(db, centerId, gapYear) : null,
    f.compliance ? respondedFindings(db, f.compliance.evaluated, f.compliance.load) : null,
  ]);
  return {
    totals: f.totals,
    awards: f.awards,
    awardsKey: f.awardsKey,
    latest: f.latest,
    latestReviewText: reviewLabel(latestReview),
    gapView: withGapReview(f.gapView, gapYear === latestYear ? latestReview : gapReview),
    gapsKey: f.gapsKey,
    compliance:
      f.compliance && found
        ? { fiscalYear: f.compliance.load.fiscalYear, asOf: opts.asOf, findings: found.findings, status: f.compliance.status }
        : null,
    fundingBySource: f.fundingBySource,
  };
}
