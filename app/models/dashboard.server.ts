/**
 * The dashboard: tiles, the centers × baseline areas heat map, funding by source per
 * year and compliance status counts, for the user's scope and the URL's filters. A fixed handful
 * of set-based queries whatever the number of centers; scores come from app/domain/scores.ts,
 * findings from the compliance engine (findings()), funding rows from app/domain/grants.ts.
 *
 * Filters: fiscal year, state, program, agency. A program or agency filter keeps the centers that
 * hold a live award of that program/agency in the fiscal year, and counts only that money.
 */
import type { Agency, Q } from "../../db/schema";
import { centerScope, type CenterScope, type Principal } from "../domain/permissions";
import { centerYearStatus, statusByCenterYear, type CenterYearStatus } from "../domain/compliance";
import { todayIso } from "../domain/dates";
import type { DefaultYear } from "../domain/fiscal-year";
import { FUNDING_SOURCES, fundingBySource, sumFundingYears, type FundingYear } from "../domain/grants";
import {
  assessableCapabilities,
  baselineStatus,
  computeScore,
  HEADLINE_FRAMEWORK,
  roundOneDecimal,
  scoresByArea,
} from "../domain/scores";
import { rememberedCapabilities } from "./catalog.server";
import { listCenters, listStates } from "./centers.server";
import { evaluatedFindings, respondedFindings, type EvaluatedFindings } from "./compliance.server";
import { memoized, perCenter, perShared } from "./memo.server";
import { overdueByCenter } from "./obligations.server";
import { yearsOfCenters } from "./years.server";

export interface DashboardFilters {
  fiscalYear?: number;
  state?: string;
  program?: string;
  agency?: Agency;
}

export type HeatSortKey = "code" | "name" | "state" | "score" | "gaps" | "federal" | "status" | `area:${string}`;
export interface HeatSort {
  key: HeatSortKey;
  dir: "asc" | "desc";
}

export const DEFAULT_SORT: HeatSort = { key: "score", dir: "desc" };

/**
 * Reads the filters and sort order from a URL's query string; bad values are dropped with a note.
 * The fiscal year is read by the route (app/http/fiscal-year.server.ts) and passed in.
 */
export function parseDashboardParams(params: URLSearchParams, fiscalYear?: number): { filters: DashboardFilters; sort: HeatSort; notes: string[] } {
  const notes: string[] = [];
  const filters: DashboardFilters = {};
  if (fiscalYear !== undefined) filters.fiscalYear = fiscalYear;
  const state = params.get("state")?.trim().toUpperCase();
  if (state) filters.state = state;
  const program = params.get("program")?.trim().toUpperCase();
  if (program) filters.program = program;
  const agency = params.get("agency")?.trim().toUpperCase();
  if (agency) {
    if ((FUNDING_SOURCES as readonly string[]).includes(agency)) filters.agency = agency as Agency;
    else notes.push(`"${agency}" is not a funding agency; the agency filter was ignored.`);
  }
  const sortParam = params.get("sort")?.trim() ?? "";
  const dirParam = params.get("dir");
  let key: HeatSortKey = DEFAULT_SORT.key;
  if (["code", "name", "state", "score", "gaps", "federal", "status"].includes(sortParam)) key = sortParam as HeatSortKey;
  else if (sortParam.startsWith("area:") && sortParam.length > 5) key = sortParam as HeatSortKey;
  const dir = dirParam === "asc" || dirParam === "desc" ? dirParam : key === DEFAULT_SORT.key ? DEFAULT_SORT.dir : "asc";
  return { filters, sort: { key, dir }, notes };
}

export interface HeatRow {
  code: string;
  name: string;
  state: string;
  kind: "state" | "urban_area";
  /** False when the center recorded no assessment for the year: scores are then shown as "—". */
  assessed: boolean;
  score: number | null;
  gaps: number | null;
  meetsBaseline: boolean;
  /** Area id → area score (null: not assessed, or nothing applicable in the area). */
  areas: Record<string, number | null>;
  federalCents: number;
  compliance: CenterYearStatus;
}

export interface DashboardTiles {
  centers: number;
  assessed: number;
  meetingBaseline: number;
  medianScore: number | null;
  totalCents: number;
  federalCents: number;
  dhsCents: number;
  dojCents: number;
  /** Federal money of neither DHS nor DOJ (programs of agency OTHER), so the split adds up. */
  otherFederalCents: number;
  openViolations: number;
  /** Overdue reporting obligations of the centers in scope and state (any program). */
  overdueReports: number;
}

export interface HeatFooter {
  medianScore: number | null;
  totalGaps: number;
  areaMedians: Record<string, number | null>;
  federalCents: number;
}

export interface Dashboard {
  fiscalYear: number | null;
  /** How the year was chosen when the URL named none (null when it did). */
  defaultYear: DefaultYear | null;
  years: number[];
  filters: DashboardFilters;
  options: { states: string[]; programs: { code: string; name: string; agency: Agency }[]; agencies: Agency[] };
  notes: string[];
  /** True when no center in scope has an assessment or a live award in the fiscal year. */
  noDataForYear: boolean;
  /** Centers the scope and state filter allow, before the program/agency filter. */
  centersInScope: number;
  /** What the program/agency filter does, in words (null without one). */
  filterSummary: string | null;
  areas: { id: string; title: string }[];
  rows: HeatRow[];
  footer: HeatFooter;
  tiles: DashboardTiles;
  funding: FundingYear[];
  compliance: Record<CenterYearStatus, number>;
  sort: HeatSort;
}

/**
 * The program/agency filter in words: it narrows the year's centers to those holding such an
 * award and counts only that money, while the every-year funding chart keeps every center.
 */
export function describeMoneyFilter(filters: DashboardFilters, fiscalYear: number | null, centersInScope: number): string | null {
  const what = [filters.program, filters.agency ? `${filters.agency}-funded` : undefined].filter(Boolean).join(" ");
  if (!what || fiscalYear === null) return null;
  return (
    `Showing only centers that hold a live ${what} award in FY${fiscalYear}, and only that money. ` +
    `The funding chart counts ${what} money of all ${centersInScope} centers in view, in every year.`
  );
}

/** Middle value (mean of the two middle values for an even count), one decimal; null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return roundOneDecimal(s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2);
}

const STATUS_RANK: Record<CenterYearStatus, number> = { green: 0, not_assessed: 1, amber: 2, red: 3 };

export function sortHeatRows(rows: readonly HeatRow[], sort: HeatSort): HeatRow[] {
  const sign = sort.dir === "asc" ? 1 : -1;
  const value = (r: HeatRow): string | number | null => {
    switch (sort.key) {
      case "code":
        return r.code;
      case "name":
        return r.name;
      case "state":
        return r.state;
      case "score":
        return r.score;
      case "gaps":
        return r.gaps;
      case "federal":
        return r.federalCents;
      case "status":
        return STATUS_RANK[r.compliance];
      default:
        return r.areas[sort.key.slice(5)] ?? null;
    }
  };
  return [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    // Blanks (not assessed) always sink to the bottom, whichever the direction.
    if (va === null && vb !== null) return 1;
    if (vb === null && va !== null) return -1;
    if (va !== null && vb !== null && va !== vb) return (va < vb ? -1 : 1) * sign;
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  });
}

/** The user's scope narrowed to one state (an out-of-scope state leaves nothing). */
export function narrowScope(scope: CenterScope, state: string | undefined): CenterScope {
  if (!state) return scope;
  if (scope.kind === "all") return { kind: "states", states: [state] };
  return { kind: "states", states: scope.states.includes(state) ? [state] : [] };
}

export interface DashboardOptions {
  /** Report date for the compliance rules and overdue reports. */
  asOf: string;
}

export async function getDashboard(
  db: Q,
  scope: CenterScope,
  input: { filters: DashboardFilters; sort?: HeatSort; notes?: string[] },
  opts: DashboardOptions,
): Promise<Dashboard> {
  const sort = input.sort ?? DEFAULT_SORT;
  // Everything but the findings' responses and the sort: one memo entry per scope, filters and report date
  // (memo.server.ts), so a repeated view sends the change counter (with the session, in a page request), not twenty statements.
  const page = await memoized(db, "dashboard-page", [scope, input.filters, opts.asOf], () => dashboardPage(db, scope, input.filters, opts));
  const notes = [...(input.notes ?? []), ...page.empty.notes];
  if (!page.figures) return { ...page.empty, notes, sort };
  const { fiscalYear, centers, figures } = page.figures;
  const ids = centers.map((c) => c.id);
  const baselineAreas = page.empty.areas.map((a) => a.id);
  // The engine's findings are kept in the page's entry, the responses in one of their own (respondedFindings).
  const found = await respondedFindings(db, page.figures.evaluated, { asOf: opts.asOf, fiscalYear, centerIds: ids });
  const statusByCy = statusByCenterYear(found.findings);
  const centerById = new Map(centers.map((c) => [c.id, c]));
  // Field by field: a rest pattern followed by a spread took about 5 µs a row, a millisecond a page (decision 035).
  const rows: HeatRow[] = figures.rows.map((r) => {
    const c = centerById.get(r.id)!;
    return {
      assessed: r.assessed,
      score: r.score,
      gaps: r.gaps,
      meetsBaseline: r.meetsBaseline,
      areas: r.areas,
      federalCents: r.federalCents,
      code: c.code,
      name: c.name,
      state: c.state,
      kind: c.kind,
      compliance: centerYearStatus(statusByCy.get(`${c.code}|${fiscalYear}`), r.assessed),
    };
  });
  const { totalCents, federalCents, dhsCents, dojCents } = figures.money;
  const overdue = figures.overdue;

  const scores = rows.map((r) => r.score).filter((s): s is number => s !== null);
  const compliance: Record<CenterYearStatus, number> = { green: 0, amber: 0, red: 0, not_assessed: 0 };
  for (const r of rows) compliance[r.compliance]++;
  const openViolations = found.findings.filter((f) => f.severity === "violation" && f.response?.disposition !== "resolved").length;

  return {
    ...page.empty,
    notes,
    sort,
    rows: sortHeatRows(rows, sort),
    footer: {
      medianScore: median(scores),
      totalGaps: rows.reduce((s, r) => s + (r.gaps ?? 0), 0),
      areaMedians: Object.fromEntries(
        baselineAreas.map((a) => [a, median(rows.map((r) => r.areas[a]).filter((v): v is number => v !== null && v !== undefined))]),
      ),
      federalCents,
    },
    tiles: {
      centers: rows.length,
      assessed: rows.filter((r) => r.assessed).length,
      meetingBaseline: rows.filter((r) => r.meetsBaseline).length,
      medianScore: median(scores),
      totalCents,
      federalCents,
      dhsCents,
      dojCents,
      otherFederalCents: federalCents - dhsCents - dojCents,
      openViolations,
      overdueReports: overdue,
    },
    funding: figures.funding,
    compliance,
  };
}

/**
 * What the dashboard reads from the tables every center shares (programs, centers, the catalog),
 * remembered while the shared counter holds (memo.server.ts `perShared`): a write to one center's
 * rows rebuilds the page without reading these again. `scopeCenters` are the scope narrowed to
 * the state filter, `scopeAllIds` the whole scope's.
 */
function dashboardShell(db: Q, scope: CenterScope, area: CenterScope) {
  return perShared(db, "dashboard-shell", [scope, area], async () => {
    const [programs, states, catalog, scopeCenters, scopeAll] = await Promise.all([
      db.selectFrom("programs").select(["code", "name", "agency"]).orderBy("sort_order").execute(),
      listStates(db, scope),
      rememberedCapabilities(db),
      listCenters(db, area, {}, "code"),
      listCenters(db, scope),
    ]);
    const titleOf = new Map(catalog.map((c) => [c.id, c.title]));
    const areas = [...scoresByArea(catalog, HEADLINE_FRAMEWORK, () => undefined).keys()].map((id) => Object.freeze({ id, title: titleOf.get(id) ?? id }));
    return Object.freeze({
      programs: Object.freeze(programs.map((p) => Object.freeze({ code: p.code, name: p.name, agency: p.agency }))),
      states: Object.freeze(states),
      areas: Object.freeze(areas),
      scopeCenters: Object.freeze(scopeCenters),
      scopeAllIds: Object.freeze(scopeAll.map((c) => c.id).sort((x, y) => x - y)),
    });
  });
}

/**
 * The dashboard without what depends on the findings' responses or the sort: filters checked, years,
 * options, the centers shown and their year figures (memoized by getDashboard).
 */
async function dashboardPage(
  db: Q,
  scope: CenterScope,
  input: DashboardFilters,
  opts: DashboardOptions,
): Promise<{
  empty: Dashboard;
  figures?: { fiscalYear: number; centers: ReadonlyArray<{ id: number; code: string; name: string; state: string; kind: "state" | "urban_area" }>; figures: Readonly<YearFigures>; evaluated: EvaluatedFindings };
}> {
  const notes: string[] = [];
  const filters = { ...input };
  const sort = DEFAULT_SORT;
  const area = narrowScope(scope, filters.state);

  const { programs, states, areas, scopeCenters, scopeAllIds } = await dashboardShell(db, scope, area);
  if (filters.program && !programs.some((p) => p.code === filters.program)) {
    notes.push(`There is no program "${filters.program}"; the program filter was ignored.`);
    delete filters.program;
  }
  const scopeIds = scopeCenters.map((c) => c.id);

  // Years with an assessment or a live award among all the user's centers (not only the filtered
  // state), newest first: a filter that matches nothing is then told apart from a year without data.
  const centerYears = await yearsOfCenters(db, scopeAllIds);
  const years = centerYears.years;
  const defaultYear = filters.fiscalYear === undefined ? centerYears.defaultYear : null;
  const fiscalYear = filters.fiscalYear ?? defaultYear?.fiscalYear ?? null;
  const baselineAreas = areas.map((a) => a.id);
  const options = { states: [...states], programs: programs.map((p) => ({ ...p })), agencies: [...FUNDING_SOURCES] };
  const empty: Dashboard = {
    fiscalYear,
    defaultYear,
    years,
    filters,
    options,
    notes,
    noDataForYear: fiscalYear === null || !years.includes(fiscalYear),
    centersInScope: scopeCenters.length,
    filterSummary: describeMoneyFilter(filters, fiscalYear, scopeCenters.length),
    areas: [...areas],
    rows: [],
    footer: { medianScore: null, totalGaps: 0, areaMedians: Object.fromEntries(baselineAreas.map((a) => [a, null])), federalCents: 0 },
    tiles: {
      centers: 0,
      assessed: 0,
      meetingBaseline: 0,
      medianScore: null,
      totalCents: 0,
      federalCents: 0,
      dhsCents: 0,
      dojCents: 0,
      otherFederalCents: 0,
      openViolations: 0,
      overdueReports: 0,
    },
    funding: [],
    compliance: { green: 0, amber: 0, red: 0, not_assessed: 0 },
    sort,
  };
  if (fiscalYear === null || empty.noDataForYear || scopeIds.length === 0) return { empty };

  // Program/agency filter: centers holding such a live award in the year.
  let centers = scopeCenters;
  if (filters.program || filters.agency) {
    let q = db
      .selectFrom("awards")
      .innerJoin("programs", "programs.code", "awards.program_code")
      .select("awards.center_id")
      .distinct()
      .where("awards.center_id", "in", scopeIds)
      .where("awards.fiscal_year", "=", fiscalYear)
      .where("awards.voided_at", "is", null);
    if (filters.program) q = q.where("awards.program_code", "=", filters.program);
    if (filters.agency) q = q.where("programs.agency", "=", filters.agency);
    const holding = new Set((await q.execute()).map((r) => r.center_id));
    centers = scopeCenters.filter((c) => holding.has(c.id));
  }
  if (centers.length === 0) return { empty };
  const ids = centers.map((c) => c.id);
  const [figures, evaluated] = await Promise.all([
    yearFigures(db, { fiscalYear, ids, scopeIds, program: filters.program, agency: filters.agency, asOf: opts.asOf, area }),
    evaluatedFindings(db, { asOf: opts.asOf, fiscalYear, centerIds: ids }),
  ]);
  return { empty, figures: { fiscalYear, centers, figures, evaluated } };
}

type YearRow = Omit<HeatRow, "code" | "name" | "state" | "kind" | "compliance"> & { id: number };

interface YearFigures {
  rows: YearRow[];
  money: { totalCents: number; federalCents: number; dhsCents: number; dojCents: number };
  funding: FundingYear[];
  overdue: number;
}

/** One center's part of the year figures; the page's are these added up (integer cents). */
interface CenterYearFigures {
  row: YearRow;
  money: YearFigures["money"];
  /** Every year's money by agency (the funding chart). */
  funding: FundingYear[];
  overdue: number;
}

/**
 * The year's scores, money and overdue count for a set of centers: the part of the dashboard that
 * reads only tables data_version watches, so it is remembered per committed state (memo.server.ts),
 * and each center's part per center (docs/decisions/030-per-center-memo.md), so a write to one center
 * computes that center again, not the network. Compliance statuses and open violations come from
 * the findings with their responses (getDashboard).
 */
function yearFigures(
  db: Q,
  k: { fiscalYear: number; ids: number[]; scopeIds: number[]; program?: string; agency?: Agency; asOf: string; area: CenterScope },
): Promise<Readonly<YearFigures>> {
  return memoized(db, "dashboard-year", k, async () => {
    // The money chart and the overdue count cover every center in scope and state; rows only `ids`.
    // Scores, award money and overdue reports: nothing of a center's budget lines or spending, so kept while saves to those come and go.
    const perCenterFigures = await perCenter(
      db,
      "dashboard-year",
      [k.fiscalYear, k.program ?? null, k.agency ?? null, k.asOf],
      k.scopeIds,
      (stale) => centerYearFigures(db, { ...k, ids: stale }),
      { core: true },
    );
    const rows = k.ids.map((id) => perCenterFigures.get(id)!.row);
    const money = { totalCents: 0, federalCents: 0, dhsCents: 0, dojCents: 0 };
    for (const id of k.ids) {
      const m = perCenterFigures.get(id)!.money;
      money.totalCents += m.totalCents;
      money.federalCents += m.federalCents;
      money.dhsCents += m.dhsCents;
      money.dojCents += m.dojCents;
    }
    let overdue = 0;
    for (const id of k.scopeIds) overdue += perCenterFigures.get(id)!.overdue;
    const funding = sumFundingYears(k.scopeIds.map((id) => perCenterFigures.get(id)!.funding));
    return Object.freeze({ rows, money, funding, overdue });
  });
}

/** Each center's year figures, for the centers `ids` (program/agency filter as the page's). */
async function centerYearFigures(
  db: Q,
  k: { fiscalYear: number; ids: number[]; program?: string; agency?: Agency; asOf: string },
): Promise<Map<number, CenterYearFigures>> {
  const { fiscalYear, ids } = k;
  let awards = db
    .selectFrom("awards")
    .innerJoin("programs", "programs.code", "awards.program_code")
    .where("awards.center_id", "in", ids)
    .where("awards.voided_at", "is", null);
  if (k.program) awards = awards.where("awards.program_code", "=", k.program);
  if (k.agency) awards = awards.where("programs.agency", "=", k.agency);
  // Every year's money by agency and federal flag: the year's figures and the funding chart from one statement.
  const moneyQ = awards
    .select((eb) => ["awards.center_id", "awards.fiscal_year", "programs.agency", "programs.federal", eb.fn.sum<number>("awards.amount_cents").as("cents")])
    .groupBy(["awards.center_id", "awards.fiscal_year", "programs.agency", "programs.federal"]);

  const [catalog, assessments, money, overdue] = await Promise.all([
    rememberedCapabilities(db),
    db.selectFrom("assessments").select(["center_id", "capability_id", "status"]).where("center_id", "in", ids).where("fiscal_year", "=", fiscalYear).execute(),
    moneyQ.execute(),
    // Overdue reports follow scope and state; the lifecycle model has no program filter (the page says so).
    overdueByCenter(db, { asOf: k.asOf, centerIds: ids }),
  ]);
  const baselineAreas = [...scoresByArea(catalog, HEADLINE_FRAMEWORK, () => undefined).keys()];
  const leaves = assessableCapabilities(catalog, HEADLINE_FRAMEWORK);

  const out = new Map<number, CenterYearFigures>(
    ids.map((id) => [id, { row: undefined as unknown as YearRow, money: { totalCents: 0, federalCents: 0, dhsCents: 0, dojCents: 0 }, funding: [], overdue: overdue.get(id) ?? 0 }]),
  );
  const statusesByCenter = new Map<number, Map<string, (typeof assessments)[number]["status"]>>();
  for (const a of assessments) {
    let m = statusesByCenter.get(a.center_id);
    if (!m) statusesByCenter.set(a.center_id, (m = new Map()));
    m.set(a.capability_id, a.status);
  }
  const fundingRows = new Map<number, Array<{ fiscalYear: number; agency: Agency; amountCents: number; voided: boolean }>>();
  for (const m of money) {
    const cents = Number(m.cents ?? 0);
    const f = out.get(m.center_id)!;
    let rows = fundingRows.get(m.center_id);
    if (!rows) fundingRows.set(m.center_id, (rows = []));
    rows.push({ fiscalYear: m.fiscal_year, agency: m.agency, amountCents: cents, voided: false });
    if (m.fiscal_year !== fiscalYear) continue;
    const c = f.money;
    c.totalCents += cents;
    if (m.federal === 1) c.federalCents += cents;
    if (m.agency === "DHS") c.dhsCents += cents;
    if (m.agency === "DOJ") c.dojCents += cents;
  }

  for (const id of ids) {
    const f = out.get(id)!;
    f.funding = fundingBySource(fundingRows.get(id) ?? []);
    const statuses = statusesByCenter.get(id);
    const federal = f.money.federalCents;
    if (!statuses) {
      f.row = { id, assessed: false, score: null, gaps: null, meetsBaseline: false, areas: Object.fromEntries(baselineAreas.map((a) => [a, null])), federalCents: federal };
      continue;
    }
    const result = computeScore(leaves, (cap) => statuses.get(cap));
    const byArea = scoresByArea(catalog, HEADLINE_FRAMEWORK, (cap) => statuses.get(cap));
    f.row = {
      id,
      assessed: true,
      score: result.score,
      gaps: result.gaps.length,
      meetsBaseline: baselineStatus(result).meetsBaseline,
      areas: Object.fromEntries(baselineAreas.map((a) => [a, byArea.get(a)?.score ?? null])),
      federalCents: federal,
    };
  }
  for (const f of out.values()) Object.freeze(f);
  return out;
}

/** What /dashboard and /dashboard.csv show for a signed-in user, the page's URL and its `fy` (report date today). */
export async function dashboardForUrl(db: Q, user: Principal, url: URL, fiscalYear?: number, asOf: string = todayIso()) {
  const parsed = parseDashboardParams(url.searchParams, fiscalYear);
  const data = await getDashboard(db, centerScope(user), parsed, { asOf });
  return { ...data, role: user.role };
}
