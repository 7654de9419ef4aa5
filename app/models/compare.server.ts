/**
 * Comparing 2 to 8 centers side by side for one fiscal year: score and gaps by area,
 * funding by source, federal funds per open gap and per gap closed since the prior year, the share
 * of federal budget aimed at baseline gaps, and findings by severity. A fixed number of set-based
 * queries; scores from app/domain/scores.ts, "aimed at a gap" from the compliance engine's
 * capability graph (buildCapabilityGraph(...).funds, as gapFunding uses it), findings from findings().
 */
import type { Agency, AssessmentStatus, Q } from "../../db/schema";
import { canReadCenter, centerScope, type Principal } from "../domain/permissions";
import { buildCapabilityGraph } from "../domain/compliance";
import { todayIso } from "../domain/dates";
import type { DefaultYear } from "../domain/fiscal-year";
import { FUNDING_SOURCES, SOURCE_LABELS } from "../domain/grants";
import { share, sumCents } from "../domain/money";
import { assessableCapabilities, computeScore, HEADLINE_FRAMEWORK, scoresByArea } from "../domain/scores";
import { listCapabilities, listLinks } from "./catalog.server";
import { listCenters, networkCenters } from "./centers.server";
import { findings } from "./compliance.server";
import { memoized } from "./memo.server";
import { median, type HeatRow } from "./dashboard.server";
import { defaultFiscalYear } from "./years.server";

/** How many centers a comparison holds: a product choice, enough for one state's network. */
export const MIN_COMPARE = 2;
export const MAX_COMPARE = 8;

export interface CompareSelection {
  codes: string[];
  state?: string;
  fiscalYear?: number;
}

/** The centers and state of a query string; the fiscal year is read by the route (app/http/fiscal-year.server.ts). */
export function parseCompareParams(params: URLSearchParams, fiscalYear?: number): { selection: CompareSelection; notes: string[] } {
  const notes: string[] = [];
  const codes = [
    ...new Set(
      params
        .getAll("c")
        .flatMap((v) => v.split(","))
        .map((v) => v.trim().toUpperCase())
        .filter(Boolean),
    ),
  ];
  const selection: CompareSelection = { codes };
  const state = params.get("state")?.trim().toUpperCase();
  if (state) selection.state = state;
  if (fiscalYear !== undefined) selection.fiscalYear = fiscalYear;
  return { selection, notes };
}

/** The funding and findings figures shown both per center and for the whole comparison. */
interface CompareFigures {
  areas: Record<string, number | null>;
  funding: Record<Agency, number>;
  totalCents: number;
  federalCents: number;
  federalPerOpenGapCents: number | null;
  federalPerClosedGapCents: number | null;
  /** Live federal budget lines of the year's awards. */
  federalBudgetedCents: number;
  /** Of those, lines naming a capability that funds one of the year's gaps. */
  aimedAtGapsCents: number;
  aimedShare: number | null;
  violations: number;
  warnings: number;
}

/** A center's column: who it is and its score as on the dashboard's heat map, plus the comparison's figures. */
export interface CompareCenter extends CompareFigures, Pick<HeatRow, "code" | "name" | "state" | "kind" | "assessed" | "score"> {
  /** Open gaps of the year (null when not assessed). */
  gaps: string[] | null;
  priorAssessed: boolean;
  priorGaps: number | null;
  /** Gaps of the prior year that are no longer gaps (null without both assessments). */
  closedGaps: string[] | null;
}

export interface CompareTotals extends CompareFigures {
  medianScore: number | null;
  gaps: number;
  closedGaps: number;
}

export type Comparison =
  | { kind: "choose"; message: string | null; fiscalYear: number | null }
  | { kind: "forbidden"; codes: string[]; message: string }
  | {
      kind: "ok";
      fiscalYear: number;
      /** How the year was chosen when the URL named none (null when it did). */
      defaultYear: DefaultYear | null;
      years: number[];
      areas: { id: string; title: string }[];
      centers: CompareCenter[];
      totals: CompareTotals;
      /** True when none of the centers has an assessment or a live award in the year. */
      noDataForYear: boolean;
    };

const zeroFunding = (): Record<Agency, number> => ({ DHS: 0, DOJ: 0, STATE: 0, LOCAL: 0, OTHER: 0 });

/** Per gap: integer cents, rounded to the nearest cent; null when there is nothing to divide by. */
function perGap(cents: number, gaps: number | null): number | null {
  return gaps === null || gaps === 0 ? null : Math.round(cents / gaps);
}

/**
 * The comparison reads only tables data_version watches (finding counts by severity, not responses),
 * so it is remembered per committed state (memo.server.ts), keyed by what the user may read.
 */
export function getComparison(db: Q, user: Principal, selection: CompareSelection, opts: { asOf: string }): Promise<Comparison> {
  const reader = [user.role, user.centerId, user.states];
  return memoized(db, "comparison", [reader, selection, opts.asOf], () => computeComparison(db, user, selection, opts));
}

async function computeComparison(db: Q, user: Principal, selection: CompareSelection, opts: { asOf: string }): Promise<Comparison> {
  const scope = centerScope(user);
  let chosen: { id: number; code: string; name: string; state: string; kind: "state" | "urban_area" }[];
  if (selection.state && selection.codes.length === 0) {
    if (scope.kind === "states" && !scope.states.includes(selection.state)) {
      return { kind: "forbidden", codes: [], message: `You may not see the centers of ${selection.state}.` };
    }
    chosen = await listCenters(db, scope, { state: selection.state });
    if (chosen.length === 0) return { kind: "choose", message: `There is no center in ${selection.state}.`, fiscalYear: selection.fiscalYear ?? null };
  } else {
    if (selection.codes.length === 0) return { kind: "choose", message: null, fiscalYear: selection.fiscalYear ?? null };
    const { byCode } = await networkCenters(db);
    const unknown = selection.codes.filter((c) => !byCode.has(c));
    if (unknown.length > 0) {
      return { kind: "choose", message: `No center has the code ${unknown.join(", ")}.`, fiscalYear: selection.fiscalYear ?? null };
    }
    const refused = selection.codes.filter((c) => !canReadCenter(user, byCode.get(c)!));
    if (refused.length > 0) {
      return {
        kind: "forbidden",
        codes: refused,
        message: `You may not see ${refused.length === 1 ? "center" : "centers"} ${refused.join(", ")}: they are outside your state(s).`,
      };
    }
    chosen = selection.codes.map((c) => byCode.get(c)!);
  }
  if (chosen.length < MIN_COMPARE || chosen.length > MAX_COMPARE) {
    const what = selection.state && selection.codes.length === 0 ? `${selection.state} has ${chosen.length}` : `you chose ${chosen.length}`;
    return {
      kind: "choose",
      message: `Choose from ${MIN_COMPARE} to ${MAX_COMPARE} centers to compare (${what}).`,
      fiscalYear: selection.fiscalYear ?? null,
    };
  }

  const ids = chosen.map((c) => c.id);
  const [assessmentYears, awardYears, catalog, links] = await Promise.all([
    db.selectFrom("assessments").select("fiscal_year").distinct().where("center_id", "in", ids).execute(),
    db.selectFrom("awards").select("fiscal_year").distinct().where("center_id", "in", ids).where("voided_at", "is", null).execute(),
    listCapabilities(db),
    listLinks(db),
  ]);
  const years = [...new Set([...assessmentYears, ...awardYears].map((r) => r.fiscal_year))].sort((a, b) => b - a);
  const defaultYear = selection.fiscalYear === undefined ? await defaultFiscalYear(db, ids) : null;
  const fy = selection.fiscalYear ?? defaultYear?.fiscalYear ?? null;
  if (fy === null) return { kind: "choose", message: "None of these centers has an assessment or an award yet.", fiscalYear: null };

  const [assessments, money, federalLines, found] = await Promise.all([
    db
      .selectFrom("assessments")
      .select(["center_id", "fiscal_year", "capability_id", "status"])
      .where("center_id", "in", ids)
      .where("fiscal_year", "in", [fy, fy - 1])
      .execute(),
    db
      .selectFrom("awards")
      .innerJoin("programs", "programs.code", "awards.program_code")
      .select((eb) => ["awards.center_id", "programs.agency", "programs.federal", eb.fn.sum<number>("awards.amount_cents").as("cents")])
      .where("awards.center_id", "in", ids)
      .where("awards.fiscal_year", "=", fy)
      .where("awards.voided_at", "is", null)
      .groupBy(["awards.center_id", "programs.agency", "programs.federal"])
      .execute(),
    db
      .selectFrom("budget_lines")
      .innerJoin("awards", "awards.id", "budget_lines.award_id")
      .innerJoin("programs", "programs.code", "awards.program_code")
      .select((eb) => ["awards.center_id", "budget_lines.capability_id", eb.fn.sum<number>("budget_lines.amount_cents").as("cents")])
      .where("awards.center_id", "in", ids)
      .where("awards.fiscal_year", "=", fy)
      .where("awards.voided_at", "is", null)
      .where("budget_lines.voided_at", "is", null)
      .where("programs.federal", "=", 1)
      .groupBy(["awards.center_id", "budget_lines.capability_id"])
      .execute(),
    findings(db, { asOf: opts.asOf, fiscalYear: fy, centerIds: ids }),
  ]);

  const statuses = new Map<string, Map<string, AssessmentStatus>>();
  for (const a of assessments) {
    const key = `${a.center_id}|${a.fiscal_year}`;
    let m = statuses.get(key);
    if (!m) statuses.set(key, (m = new Map()));
    m.set(a.capability_id, a.status);
  }
  const leaves = assessableCapabilities(catalog, HEADLINE_FRAMEWORK);
  const areaIds = [...scoresByArea(catalog, HEADLINE_FRAMEWORK, () => undefined).keys()];
  const titleOf = new Map(catalog.map((c) => [c.id, c.title]));
  const graph = buildCapabilityGraph(
    catalog.map((c) => ({ id: c.id, parent_id: c.parent_id, privacy: c.privacy === 1 })),
    links,
  );

  const centers: CompareCenter[] = chosen.map((c) => {
    const now = statuses.get(`${c.id}|${fy}`);
    const before = statuses.get(`${c.id}|${fy - 1}`);
    const result = now ? computeScore(leaves, (id) => now.get(id)) : null;
    const prior = before ? computeScore(leaves, (id) => before.get(id)) : null;
    const byArea = now ? scoresByArea(catalog, HEADLINE_FRAMEWORK, (id) => now.get(id)) : null;
    const gaps = result ? result.gaps : null;
    const closedGaps = result && prior ? prior.gaps.filter((g) => !result.gaps.includes(g)) : null;

    const funding = zeroFunding();
    let federalCents = 0;
    for (const m of money) {
      if (m.center_id !== c.id) continue;
      const cents = Number(m.cents ?? 0);
      funding[m.agency] += cents;
      if (m.federal === 1) federalCents += cents;
    }
    const lines = federalLines.filter((l) => l.center_id === c.id);
    const federalBudgetedCents = sumCents(lines.map((l) => Number(l.cents ?? 0)));
    const aimedAtGapsCents =
      gaps === null
        ? 0
        : sumCents(
            lines
              .filter((l) => l.capability_id !== null && gaps.some((g) => graph.funds(l.capability_id!, g)))
              .map((l) => Number(l.cents ?? 0)),
          );
    const mine = found.findings.filter((f) => f.centerCode === c.code);
    return {
      code: c.code,
      name: c.name,
      state: c.state,
      kind: c.kind,
      assessed: Boolean(now),
      score: result?.score ?? null,
      gaps,
      areas: Object.fromEntries(areaIds.map((a) => [a, byArea?.get(a)?.score ?? null])),
      priorAssessed: Boolean(before),
      priorGaps: prior ? prior.gaps.length : null,
      closedGaps,
      funding,
      totalCents: sumCents(Object.values(funding)),
      federalCents,
      federalPerOpenGapCents: perGap(federalCents, gaps ? gaps.length : null),
      federalPerClosedGapCents: perGap(federalCents, closedGaps ? closedGaps.length : null),
      federalBudgetedCents,
      aimedAtGapsCents,
      aimedShare: gaps === null || federalBudgetedCents === 0 ? null : share(aimedAtGapsCents, federalBudgetedCents),
      violations: mine.filter((f) => f.severity === "violation").length,
      warnings: mine.filter((f) => f.severity === "warning").length,
    };
  });

  const sum = (f: (c: CompareCenter) => number) => sumCents(centers.map(f));
  const funding = zeroFunding();
  for (const s of FUNDING_SOURCES) funding[s] = sum((c) => c.funding[s]);
  const assessed = centers.filter((c) => c.assessed);
  const withClosed = centers.filter((c) => c.closedGaps !== null);
  const federalOfAssessed = sumCents(assessed.map((c) => c.federalCents));
  const gapsTotal = sumCents(assessed.map((c) => c.gaps!.length));
  const closedTotal = sumCents(withClosed.map((c) => c.closedGaps!.length));
  const budgetedOfAssessed = sumCents(assessed.map((c) => c.federalBudgetedCents));
  const aimed = sum((c) => c.aimedAtGapsCents);
  const totals: CompareTotals = {
    medianScore: median(centers.map((c) => c.score).filter((s): s is number => s !== null)),
    gaps: gapsTotal,
    closedGaps: closedTotal,
    areas: Object.fromEntries(areaIds.map((a) => [a, median(centers.map((c) => c.areas[a]).filter((v): v is number => v !== null))])),
    funding,
    totalCents: sum((c) => c.totalCents),
    federalCents: sum((c) => c.federalCents),
    // Ratios over the centers where the ratio is defined, so "—" columns do not skew them.
    federalPerOpenGapCents: perGap(federalOfAssessed, assessed.length ? gapsTotal : null),
    federalPerClosedGapCents: perGap(sumCents(withClosed.map((c) => c.federalCents)), withClosed.length ? closedTotal : null),
    federalBudgetedCents: sum((c) => c.federalBudgetedCents),
    aimedAtGapsCents: aimed,
    aimedShare: budgetedOfAssessed === 0 ? null : share(aimed, budgetedOfAssessed),
    violations: sum((c) => c.violations),
    warnings: sum((c) => c.warnings),
  };
  return {
    kind: "ok",
    fiscalYear: fy,
    defaultYear,
    years,
    areas: areaIds.map((id) => ({ id, title: titleOf.get(id) ?? id })),
    centers,
    totals,
    noDataForYear: !years.includes(fy),
  };
}

/** What /compare and /compare.csv show for a signed-in user and the page's URL. */
export async function comparisonForUrl(db: Q, user: Principal, url: URL, fiscalYear?: number, asOf: string = todayIso()) {
  const { selection, notes } = parseCompareParams(url.searchParams, fiscalYear);
  const comparison = await getComparison(db, user, selection, { asOf });
  return { selection, notes, comparison };
}

export interface FigureRow {
  key: string;
  label: string;
  kind: "score" | "count" | "money" | "percent" | "text";
  values: Array<number | string | null>;
  total: number | string | null;
}

/** The comparison as one table (a row per figure, a column per center, then all selected): the page and the CSV both use it. */
export function comparisonTable(c: Extract<Comparison, { kind: "ok" }>): FigureRow[] {
  const fy = c.fiscalYear;
  const col = <T>(f: (x: CompareCenter) => T) => c.centers.map(f);
  const rows: FigureRow[] = [
    { key: "state", label: "State", kind: "text", values: col((x) => x.state), total: "" },
    { key: "score", label: `Baseline score FY${fy}`, kind: "score", values: col((x) => x.score), total: c.totals.medianScore },
    { key: "gaps", label: `Open gaps FY${fy}`, kind: "count", values: col((x) => (x.gaps ? x.gaps.length : null)), total: c.totals.gaps },
    { key: "gapList", label: "Gap areas", kind: "text", values: col((x) => (x.gaps ? x.gaps.join(" ") || "none" : "not assessed")), total: "" },
    { key: "priorGaps", label: `Gaps FY${fy - 1}`, kind: "count", values: col((x) => x.priorGaps), total: sumCents(c.centers.map((x) => x.priorGaps ?? 0)) },
    { key: "closed", label: `Gaps closed since FY${fy - 1}`, kind: "count", values: col((x) => (x.closedGaps ? x.closedGaps.length : null)), total: c.totals.closedGaps },
    ...c.areas.map((a) => ({
      key: `area:${a.id}`,
      label: `${a.id} ${a.title}`,
      kind: "score" as const,
      values: col((x) => x.areas[a.id] ?? null),
      total: c.totals.areas[a.id] ?? null,
    })),
    ...FUNDING_SOURCES.map((s) => ({
      key: `funding:${s}`,
      label: `Funding FY${fy}: ${SOURCE_LABELS[s]}`,
      kind: "money" as const,
      values: col((x) => x.funding[s]),
      total: c.totals.funding[s],
    })),
    { key: "total", label: `Funding FY${fy}: all sources`, kind: "money", values: col((x) => x.totalCents), total: c.totals.totalCents },
    { key: "federal", label: `Federal funds FY${fy}`, kind: "money", values: col((x) => x.federalCents), total: c.totals.federalCents },
    { key: "perOpen", label: "Federal funds per open gap", kind: "money", values: col((x) => x.federalPerOpenGapCents), total: c.totals.federalPerOpenGapCents },
    {
      key: "perClosed",
      label: `Federal funds per gap closed since FY${fy - 1}`,
      kind: "money",
      values: col((x) => x.federalPerClosedGapCents),
      total: c.totals.federalPerClosedGapCents,
    },
    { key: "budgeted", label: "Federal budget lines", kind: "money", values: col((x) => x.federalBudgetedCents), total: c.totals.federalBudgetedCents },
    { key: "aimed", label: "Federal budget aimed at baseline gaps", kind: "money", values: col((x) => x.aimedAtGapsCents), total: c.totals.aimedAtGapsCents },
    { key: "aimedShare", label: "Share of federal budget aimed at gaps", kind: "percent", values: col((x) => x.aimedShare), total: c.totals.aimedShare },
    { key: "violations", label: `Findings FY${fy}: violations`, kind: "count", values: col((x) => x.violations), total: c.totals.violations },
    { key: "warnings", label: `Findings FY${fy}: warnings`, kind: "count", values: col((x) => x.warnings), total: c.totals.warnings },
  ];
  return rows;
}
