/**
 * Compliance findings from the database: gathers live rows into the pure engine's
 * ComplianceData with a fixed handful of set-based queries, evaluates, and attaches responses.
 * Pages, the CSV export and the CLI all come through `findings`, so they list the same rows.
 * Evaluations are remembered per committed state of the data (evaluatedFindings).
 */
import { type ExpressionBuilder } from "kysely";
import type { Database, Q } from "../../db/schema";
import { fiscalYearOfDate, idIn } from "../../db/sql";
import type { CenterScope } from "../domain/permissions";
import {
  evaluateCompliance,
  findingKey,
  RULES_BY_ID,
  statusByCenterYear,
  type ComplianceData,
  type ComplianceStatus,
  type Finding,
  type FindingKeyParts,
  type Severity,
} from "../domain/compliance";
import { todayIso } from "../domain/dates";
import type { DefaultYear } from "../domain/fiscal-year";
import type { FindingsFilter } from "../schemas/findings";
import { listCenters, listStates, networkCenters, scoped } from "./centers.server";
import { listResponses, type ResponseInfo, type StoredResponse } from "./findings.server";
import { dataVersion, memoized, perCenter, perResponses, perShared } from "./memo.server";
import { defaultFiscalYear, yearsWithRows } from "./years.server";

export interface LoadOptions {
  /** Report date, YYYY-MM-DD. */
  asOf: string;
  /** Load only what year N's findings need (see loadComplianceData). */
  fiscalYear?: number;
  /** Only these centers; undefined = every center. */
  centerIds?: readonly number[];
}

/** The live awards a load covers (voided ones never count); every year (the one-year load is loadYear). */
function awardsInScope(opts: LoadOptions) {
  return (eb: ExpressionBuilder<Database, "awards">) => {
    const conds = [eb("awards.voided_at", "is", null)];
    if (opts.centerIds) conds.push(eb("awards.center_id", "in", [...opts.centerIds]));
    return eb.and(conds);
  };
}

type AwardFilter = (eb: ExpressionBuilder<Database, "awards">) => ReturnType<ExpressionBuilder<Database, "awards">["and"]>;

/** Live spending dated before or after each award's own period of performance (OUTSIDE-POP). */
function spendingOutsidePeriod(db: Q, awards: AwardFilter) {
  return db
    .selectFrom("awards")
    .innerJoin("budget_lines", "budget_lines.award_id", "awards.id")
    .innerJoin("spending", "spending.budget_line_id", "budget_lines.id")
    .select((eb) => [
      "awards.id",
      eb.fn.sum<number>(eb.case().when("spending.date", "<", eb.ref("awards.pop_start")).then(eb.ref("spending.amount_cents")).else(0).end()).as("before"),
      eb.fn.sum<number>(eb.case().when("spending.date", ">", eb.ref("awards.pop_end")).then(eb.ref("spending.amount_cents")).else(0).end()).as("after"),
    ])
    .where("spending.voided_at", "is", null)
    .where(awards)
    .where((eb) => eb.or([eb("spending.date", "<", eb.ref("awards.pop_start")), eb("spending.date", ">", eb.ref("awards.pop_end"))]))
    .groupBy("awards.id")
    .execute();
}

/** Live match contributions per award (MATCH-SHORT). */
function matchProvided(db: Q, awards: AwardFilter) {
  return db
    .selectFrom("match_contributions")
    .innerJoin("awards", "awards.id", "match_contributions.award_id")
    .select((eb) => ["awards.id", eb.fn.sum<number>("match_contributions.amount_cents").as("cents")])
    .where("match_contributions.voided_at", "is", null)
    .where(awards)
    .groupBy("awards.id")
    .execute();
}

/** The award columns the engine reads (with the center's code). */
const AWARD_COLUMNS = [
  "awards.id",
  "awards.award_number",
  "centers.code",
  "awards.program_code",
  "awards.fiscal_year",
  "awards.amount_cents",
  "awards.pop_start",
  "awards.pop_end",
  "awards.spent_cents",
  "awards.match_required_cents",
] as const;

function awardsOf(db: Q, awards: AwardFilter) {
  return db.selectFrom("awards").innerJoin("centers", "centers.id", "awards.center_id").select(AWARD_COLUMNS).where(awards);
}

/** Live budget lines of the awards (LINE rules, M&A, personnel, privacy). */
function linesOf(db: Q, awards: AwardFilter) {
  return db
    .selectFrom("budget_lines")
    .innerJoin("awards", "awards.id", "budget_lines.award_id")
    .select(["budget_lines.line_id", "awards.award_number", "budget_lines.capability_id", "budget_lines.cost_category", "budget_lines.amount_cents"])
    .where("budget_lines.voided_at", "is", null)
    .where(awards)
    .orderBy("budget_lines.line_id")
    .execute();
}

/** Reporting obligations of the awards (REPORT-OVERDUE). */
function obligationsOf(db: Q, awards: AwardFilter) {
  return db
    .selectFrom("reporting_obligations")
    .innerJoin("awards", "awards.id", "reporting_obligations.award_id")
    .select([
      "awards.award_number",
      "reporting_obligations.report",
      "reporting_obligations.period_start",
      "reporting_obligations.period_end",
      "reporting_obligations.due",
      "reporting_obligations.submitted_on",
    ])
    .where(awards)
    .orderBy("reporting_obligations.id")
    .execute();
}

type AwardRow = Awaited<ReturnType<ReturnType<typeof awardsOf>["execute"]>>[number];
type LineRow = Awaited<ReturnType<typeof linesOf>>[number];
type ObligationRow = Awaited<ReturnType<typeof obligationsOf>>[number];
type AssessmentRow = { code: string; fiscal_year: number; capability_id: string; status: ComplianceData["assessments"][number]["status"] };

/** Rows into the engine's shapes; `outside` and `match` carry the award-rule figures per award id. */
function engineAwards(
  rows: readonly AwardRow[],
  outside: ReadonlyArray<{ id: number; before: number | null; after: number | null }>,
  match: ReadonlyArray<{ id: number; cents: number | null }>,
): ComplianceData["awards"] {
  const outsideById = new Map(outside.map((o) => [o.id, o]));
  const matchById = new Map(match.map((m) => [m.id, Number(m.cents ?? 0)]));
  return rows.map((a) => ({
    awardNumber: a.award_number,
    centerCode: a.code,
    programCode: a.program_code,
    fiscalYear: a.fiscal_year,
    amountCents: a.amount_cents,
    popStart: a.pop_start,
    popEnd: a.pop_end,
    spentCents: a.spent_cents,
    spentBeforeStartCents: Number(outsideById.get(a.id)?.before ?? 0),
    spentAfterEndCents: Number(outsideById.get(a.id)?.after ?? 0),
    matchRequiredCents: a.match_required_cents,
    matchProvidedCents: matchById.get(a.id) ?? 0,
  }));
}

const engineLine = (l: LineRow): ComplianceData["budgetLines"][number] => ({
  lineId: l.line_id,
  awardNumber: l.award_number,
  capabilityId: l.capability_id,
  costCategory: l.cost_category,
  amountCents: l.amount_cents,
});

const engineAssessment = (r: AssessmentRow): ComplianceData["assessments"][number] => ({
  centerCode: r.code,
  fiscalYear: r.fiscal_year,
  capabilityId: r.capability_id,
  status: r.status,
});

const engineObligation = (o: ObligationRow): ComplianceData["obligations"][number] => ({
  awardNumber: o.award_number,
  report: o.report,
  periodStart: o.period_start,
  periodEnd: o.period_end,
  due: o.due,
  submittedOn: o.submitted_on,
});

/**
 * What every center's rules read from the shared tables (programs, the catalog, its links), remembered
 * while the shared counter holds (memo.server.ts `perShared`): re-evaluating one center after a write to
 * it reads only that center's rows.
 */
function sharedRules(db: Q): Promise<Pick<ComplianceData, "programs" | "catalog" | "links">> {
  return perShared(db, "compliance-shared", null, async () => {
    const [programs, catalog, links] = await Promise.all([
      db.selectFrom("programs").select(["code", "federal", "ma_cap_pct", "match_pct"]).orderBy("code").execute(),
      // Catalog order matters: gaps are listed in it (same order as catalog.server.ts listCapabilities).
      db
        .selectFrom("capabilities")
        .innerJoin("frameworks", "frameworks.id", "capabilities.framework_id")
        .select(["capabilities.id", "capabilities.framework_id", "capabilities.parent_id", "capabilities.privacy"])
        .orderBy("frameworks.sort_order")
        .orderBy("capabilities.sort_order")
        .orderBy("capabilities.id")
        .execute(),
      db.selectFrom("capability_links").select(["from_id", "to_id"]).orderBy("from_id").orderBy("to_id").execute(),
    ]);
    return {
      programs: programs.map((p) => Object.freeze({ code: p.code, federal: p.federal === 1, maCapPct: p.ma_cap_pct, matchPct: p.match_pct })),
      catalog: catalog.map((c) => Object.freeze({ id: c.id, framework_id: c.framework_id, parent_id: c.parent_id, privacy: c.privacy === 1 })),
      links: links.map((l) => Object.freeze(l)),
    };
  });
}

/**
 * Builds the engine's input. With `fiscalYear` N it loads only what year N's findings read (see
 * loadYear); evaluate the result with the same fiscalYear.
 */
export async function loadComplianceData(db: Q, opts: LoadOptions): Promise<ComplianceData> {
  const empty: ComplianceData = {
    asOf: opts.asOf,
    programs: [],
    centers: [],
    catalog: [],
    links: [],
    awards: [],
    budgetLines: [],
    lineSpendingByFiscalYear: [],
    assessments: [],
    obligations: [],
  };
  const inScope = awardsInScope(opts);
  const fy = opts.fiscalYear;

  const base: ComplianceData = { ...empty, ...(await sharedRules(db)) };
  if (opts.centerIds && opts.centerIds.length === 0) return base;
  if (fy !== undefined) return loadYear(db, base, { ...opts, fiscalYear: fy });

  let assessmentsQ = db
    .selectFrom("assessments")
    .innerJoin("centers", "centers.id", "assessments.center_id")
    .select(["centers.code", "assessments.fiscal_year", "assessments.capability_id", "assessments.status"]);
  if (opts.centerIds) assessmentsQ = assessmentsQ.where("assessments.center_id", "in", [...opts.centerIds]);
  // Messages list capabilities in row order: a fixed order keeps them identical however the rows were filtered.
  assessmentsQ = assessmentsQ.orderBy("centers.code").orderBy("assessments.fiscal_year").orderBy("assessments.capability_id");

  const spendingQ = db
    .selectFrom("spending")
    .innerJoin("budget_lines", "budget_lines.id", "spending.budget_line_id")
    .innerJoin("awards", "awards.id", "budget_lines.award_id")
    .select((eb) => [
      "budget_lines.line_id",
      fiscalYearOfDate("spending.date").as("fy"),
      eb.fn.sum<number>("spending.amount_cents").as("cents"),
    ])
    .where("spending.voided_at", "is", null)
    .where("budget_lines.voided_at", "is", null)
    .where(inScope)
    .groupBy(["budget_lines.line_id", fiscalYearOfDate("spending.date")])
    .orderBy("budget_lines.line_id");

  const [centers, awards, outside, match, lines, spending, assessments, obligations] = await Promise.all([
    centersOf(db, opts.centerIds),
    awardsOf(db, inScope).orderBy("awards.award_number").execute(),
    spendingOutsidePeriod(db, inScope),
    matchProvided(db, inScope),
    linesOf(db, inScope),
    spendingQ.execute(),
    assessmentsQ.execute(),
    obligationsOf(db, inScope),
  ]);

  return {
    ...base,
    centers: centers.map((c) => ({ code: c.code, state: c.state })),
    awards: engineAwards(awards, outside, match),
    budgetLines: lines.map(engineLine),
    lineSpendingByFiscalYear: spending.map((s) => ({ lineId: s.line_id, fiscalYear: Number(s.fy), amountCents: Number(s.cents ?? 0) })),
    assessments: assessments.map(engineAssessment),
    obligations: obligations.map(engineObligation),
  };
}

/** line_spending_years (migration 0006): live spending per budget line per fiscal year, kept by triggers. */

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The centers `ids` (every center without), in code order: from the network's one list of centers, remembered
 * under the shared counter (centers.server.ts `networkCenters`), so a center's findings rebuilt after a save to its
 * rows read no centers row.
 */
async function centersOf(db: Q, ids: readonly number[] | undefined): Promise<ReadonlyArray<Readonly<{ id: number; code: string; state: string }>>> {
  const all = (await networkCenters(db)).inCodeOrder;
  if (!ids) return all;
  const wanted = new Set(ids);
  return all.filter((c) => wanted.has(c.id));
}

/** Up to this many centers, a one-year load reads last year's spending center by center. */
const FEW_CENTERS = 16;

/**
 * Year N's input, read for what year N's rules look at: award rules only evaluate awards of N, and
 * center-year rules read N's awards, lines and assessments, plus FY N−1 spending on federal lines
 * of any award naming a capability assessed not_achieved in N (FUNDED-GAP-STALLED). So: awards of
 * N with their lines, spending outside the period, match and obligations; and from the per-line
 * yearly summary (never the spending table), last year's spending per line, which also names the
 * older awards and lines FUNDED-GAP-STALLED counts. Older awards come without their other lines
 * and award-rule figures, which no rule of year N reads. A rule that reads more of year N−1 must
 * widen this load (tests/routes/findings.test.ts compares it with the all-years load).
 */
async function loadYear(db: Q, base: ComplianceData, opts: LoadOptions & { fiscalYear: number }): Promise<ComplianceData> {
  const fy = opts.fiscalYear;
  const ids = opts.centerIds ? [...opts.centerIds] : undefined;
  const ofYear = (eb: ExpressionBuilder<Database, "awards">) => {
    const conds = [eb("awards.voided_at", "is", null), eb("awards.fiscal_year", "=", fy)];
    if (ids) conds.push(eb("awards.center_id", "in", ids));
    return eb.and(conds);
  };

  let assessmentsQ = db
    .selectFrom("assessments")
    .innerJoin("centers", "centers.id", "assessments.center_id")
    .select(["centers.code", "assessments.center_id", "assessments.fiscal_year", "assessments.capability_id", "assessments.status"])
    .where("assessments.fiscal_year", "=", fy);
  if (ids) assessmentsQ = assessmentsQ.where("assessments.center_id", "in", ids);
  // Messages list capabilities in row order: a fixed order keeps them identical however the rows were filtered.
  assessmentsQ = assessmentsQ.orderBy("centers.code").orderBy("assessments.fiscal_year").orderBy("assessments.capability_id");
  // FY N−1 spending per live line: every line of N's awards, and the lines of older awards that
  // FUNDED-GAP-STALLED can count — federal, naming a capability the center assessed not_achieved
  // in N (a few dozen rows nationally, instead of ~25,000). A few centers are read center by center
  // (CROSS JOIN fixes that join order in SQLite: award, its program, its lines, and only then the
  // summary row of the lines that qualify), so the cost follows the centers shown, not the size of
  // the network; many centers read the year's slice of the summary instead.
  const summaries = db;
  const byCenter = ids !== undefined && ids.length <= FEW_CENTERS;
  const priorQ = (
    byCenter
      ? summaries
          .selectFrom("awards")
          .crossJoin("programs")
          .crossJoin("budget_lines")
          .crossJoin("line_spending_years")
          .whereRef("programs.code", "=", "awards.program_code")
          .whereRef("budget_lines.award_id", "=", "awards.id")
          .whereRef("line_spending_years.budget_line_id", "=", "budget_lines.id")
      : summaries
          .selectFrom("line_spending_years")
          .innerJoin("budget_lines", "budget_lines.id", "line_spending_years.budget_line_id")
          .innerJoin("awards", "awards.id", "budget_lines.award_id")
          .innerJoin("programs", "programs.code", "awards.program_code")
  )
    .select([
      "budget_lines.line_id",
      "budget_lines.award_id",
      "budget_lines.capability_id",
      "budget_lines.cost_category",
      "budget_lines.amount_cents",
      "awards.award_number",
      "awards.fiscal_year",
      "line_spending_years.amount_cents as cents",
    ])
    .where("line_spending_years.fiscal_year", "=", fy - 1)
    .where("line_spending_years.payments", ">", 0)
    .where("budget_lines.voided_at", "is", null)
    .where("awards.voided_at", "is", null)
    .$if(ids !== undefined, (q) => q.where("awards.center_id", "in", ids!));
  const olderGapLines = (q: typeof priorQ) => q.where("awards.fiscal_year", "<>", fy).where("budget_lines.capability_id", "is not", null).where("programs.federal", "=", 1);
  // The not_achieved pairs: one list for the whole statement, not a look-up per line. Center by center they
  // are taken from the year's assessments (read below anyway), and the older awards read only when there
  // are any: a condition "N's award, or a line naming such a pair" made PostgreSQL walk every line of
  // the center's awards of every year (docs/decisions/041-a-saved-centers-rebuild.md).
  const notAchieved = db
    .selectFrom("assessments")
    .select(["assessments.center_id", "assessments.capability_id"])
    .where("assessments.fiscal_year", "=", fy)
    .where("assessments.status", "=", "not_achieved")
    .$if(ids !== undefined, (q) => q.where("assessments.center_id", "in", ids!));
  // Center by center: this year's lines only (older ones below, when a pair exists); many centers: this year's lines
  // or an older line naming a pair, in one statement.
  const priorOfYearQ = byCenter
    ? priorQ.where("awards.fiscal_year", "=", fy)
    : priorQ.where((eb) =>
        eb.or([
          eb("awards.fiscal_year", "=", fy),
          eb.and([
            eb("budget_lines.capability_id", "is not", null),
            eb("programs.federal", "=", 1),
            eb(eb.refTuple("awards.center_id", "budget_lines.capability_id"), "in", notAchieved.$asTuple("center_id", "capability_id")),
          ]),
        ]),
      );

  const [centers, yearAwards, lines, priorOfYear, outside, match, obligations, assessments] = await Promise.all([
    centersOf(db, opts.centerIds),
    awardsOf(db, ofYear).execute(),
    linesOf(db, ofYear),
    priorOfYearQ.execute(),
    spendingOutsidePeriod(db, ofYear),
    matchProvided(db, ofYear),
    obligationsOf(db, ofYear),
    assessmentsQ.execute(),
  ]);
  const gaps = byCenter ? assessments.filter((a) => a.status === "not_achieved") : [];
  const prior =
    gaps.length === 0
      ? priorOfYear
      : [
          ...priorOfYear,
          ...(await olderGapLines(priorQ)
            .where((eb) =>
              eb(
                eb.refTuple("awards.center_id", "budget_lines.capability_id"),
                "in",
                gaps.map((g) => eb.tuple(g.center_id, g.capability_id)),
              ),
            )
            .execute()),
        ];

  // Older awards in scope: those with such a line.
  const olderIds = [...new Set(prior.filter((p) => p.fiscal_year !== fy && p.capability_id !== null).map((p) => p.award_id))];
  const older =
    olderIds.length === 0
      ? []
      : await awardsOf(db, (eb) => eb.and([idIn(db, "awards.id", olderIds)])).execute();
  const inScope = new Set(olderIds);
  const olderLines = prior.filter((p) => p.fiscal_year !== fy && p.capability_id !== null);
  const spending = prior.filter((p) => p.fiscal_year === fy || inScope.has(p.award_id)).sort((a, b) => byText(a.line_id, b.line_id));

  return {
    ...base,
    centers: centers.map((c) => ({ code: c.code, state: c.state })),
    // Award-rule figures (outside, match) are read for awards of N only: older awards are not evaluated for N.
    awards: engineAwards(
      [...yearAwards, ...older].sort((a, b) => byText(a.award_number, b.award_number)),
      outside,
      match,
    ),
    budgetLines: [
      ...lines,
      ...olderLines.map((l) => ({
        line_id: l.line_id,
        award_number: l.award_number,
        capability_id: l.capability_id,
        cost_category: l.cost_category,
        amount_cents: l.amount_cents,
      })),
    ]
      .sort((a, b) => byText(a.line_id, b.line_id))
      .map(engineLine),
    lineSpendingByFiscalYear: spending.map((s) => ({ lineId: s.line_id, fiscalYear: fy - 1, amountCents: Number(s.cents) })),
    assessments: assessments.map(engineAssessment),
    obligations: obligations.map(engineObligation),
  };
}

// ---------------------------------------------------------------------------------------------
// Findings with their responses
// ---------------------------------------------------------------------------------------------

export interface FindingsOptions extends LoadOptions {
  rule?: string;
  severity?: Severity;
}

export interface FindingView extends Finding {
  key: string;
  response: ResponseInfo | null;
}

/** A stored response whose finding does not fire any more: kept and listed, never lost. */
export interface StaleResponse extends ResponseInfo {
  key: string;
  rule: string;
  severity: Severity | null;
  centerCode: string;
  awardNumber: string | null;
  fiscalYear: number;
  capabilityId: string | null;
}

export interface FindingsResult {
  findings: FindingView[];
  noLongerApplies: StaleResponse[];
}

// ---------------------------------------------------------------------------------------------
// Evaluated findings, memoized per committed state (docs/decisions/009-compliance-memo.md)
// ---------------------------------------------------------------------------------------------

/** The engine's findings for a load, before any rule/severity filter and without responses. Frozen: shared between requests. */
export interface EvaluatedFindings {
  findings: readonly Readonly<Finding>[];
  /** Codes of the centers the load covered, in code order. */
  centerCodes: readonly string[];
}

async function evaluateFresh(db: Q, opts: LoadOptions): Promise<EvaluatedFindings> {
  const data = await loadComplianceData(db, opts);
  const found = evaluateCompliance(data, { fiscalYear: opts.fiscalYear });
  for (const f of found) Object.freeze(f);
  return Object.freeze({ findings: Object.freeze(found), centerCodes: Object.freeze(data.centers.map((c) => c.code)) });
}

export { dataVersion };

/**
 * Loads and evaluates, or returns the same load's result for the same committed state (memo.server.ts).
 * One fiscal year is kept per center as well (docs/decisions/030-per-center-memo.md): after a write to
 * one center's rows, only that center is loaded and evaluated again. Every rule reads one center-year or
 * one award (app/domain/compliance.ts), and findings are sorted by center first, so the centers'
 * findings laid end to end in code order are the whole load's (tests/perf/per-center-memo.test.ts).
 */
export async function evaluatedFindings(db: Q, opts: LoadOptions): Promise<EvaluatedFindings> {
  const ids = opts.centerIds ? [...new Set(opts.centerIds)].sort((a, b) => a - b) : "all";
  const fiscalYear = opts.fiscalYear;
  return memoized(db, "findings", [opts.asOf, fiscalYear ?? "all", ids], () =>
    fiscalYear === undefined ? evaluateFresh(db, opts) : evaluateByCenter(db, { ...opts, fiscalYear }),
  );
}

async function evaluateByCenter(db: Q, opts: LoadOptions & { fiscalYear: number }): Promise<EvaluatedFindings> {
  const centers = await centersOf(db, opts.centerIds);
  if (centers.length === 0) return evaluateFresh(db, opts);
  const idOf = new Map(centers.map((c) => [c.code, c.id]));
  const byCenter = await perCenter(db, "findings", [opts.asOf, opts.fiscalYear], centers.map((c) => c.id), async (stale) => {
    // Every center stale (the first view, or after a catalog or program change): the one load of the whole network.
    const whole = !opts.centerIds && stale.length === centers.length;
    const found = await evaluateFresh(db, { asOf: opts.asOf, fiscalYear: opts.fiscalYear, centerIds: whole ? undefined : stale });
    const out = new Map<number, Readonly<Finding>[]>(stale.map((id) => [id, []]));
    for (const f of found.findings) out.get(idOf.get(f.centerCode)!)?.push(f);
    for (const list of out.values()) Object.freeze(list);
    return out;
  });
  return Object.freeze({
    findings: Object.freeze(centers.flatMap((c) => byCenter.get(c.id)!)),
    centerCodes: Object.freeze(centers.map((c) => c.code)),
  });
}

/**
 * A remembered finding's key, worked out once: the memo's findings are frozen objects shared by
 * every request while their state holds (decision 009), so each one's key is kept beside it.
 */
const keyOfEvaluated = new WeakMap<Readonly<Finding>, string>();

function evaluatedKey(f: Readonly<Finding>): string {
  let key = keyOfEvaluated.get(f);
  if (key === undefined) keyOfEvaluated.set(f, (key = findingKey(f)));
  return key;
}

/** Load, evaluate, filter by rule/severity, and attach responses (sorted as the engine sorts). */
export async function findings(db: Q, opts: FindingsOptions): Promise<FindingsResult> {
  if (opts.centerIds && opts.centerIds.length === 0) return { findings: [], noLongerApplies: [] };
  return respondedFindings(db, await evaluatedFindings(db, opts), opts);
}

/**
 * The second half of `findings`: `all` (evaluated for `opts`, possibly kept in a page's memo entry)
 * filtered by rule/severity, with the stored responses attached, remembered while no response or setting is
 * written (migrations/0023).
 */
export async function respondedFindings(db: Q, all: EvaluatedFindings, opts: FindingsOptions): Promise<FindingsResult> {
  const keep = (rule: string) => {
    if (opts.rule && rule !== opts.rule) return false;
    if (opts.severity && RULES_BY_ID.get(rule)?.severity !== opts.severity) return false;
    return true;
  };
  const evaluated = all.findings.filter((f) => keep(f.rule));
  const filter = { fiscalYear: opts.fiscalYear, centerCodes: opts.centerIds ? [...all.centerCodes] : undefined };
  // Under the responses' own counter (decision 042): a save to a center's rows does not read them again.
  const stored = await perResponses(db, "responses", filter, () => listResponses(db, filter));
  const byKey = new Map(stored.map((r) => [findingKeyFromParts(r), r]));
  const views: FindingView[] = evaluated.map((f) => {
    const key = evaluatedKey(f);
    const r = byKey.get(key);
    byKey.delete(key);
    return { ...f, key, response: r ? toInfo(r) : null };
  });
  const noLongerApplies: StaleResponse[] = [...byKey]
    .filter(([, r]) => keep(r.rule))
    .map(([key, r]) => ({
      ...toInfo(r),
      key,
      rule: r.rule,
      severity: RULES_BY_ID.get(r.rule)?.severity ?? null,
      centerCode: r.center_code,
      awardNumber: r.award_number === "" ? null : r.award_number,
      fiscalYear: r.fiscal_year,
      capabilityId: r.capability_id === "" ? null : r.capability_id,
    }))
    .sort(
      (a, b) =>
        cmp(a.centerCode, b.centerCode) || cmp(a.rule, b.rule) || cmp(a.awardNumber ?? "", b.awardNumber ?? "") || cmp(a.capabilityId ?? "", b.capabilityId ?? "") || a.fiscalYear - b.fiscalYear,
    );
  return { findings: views, noLongerApplies };
}

function cmp(a: string, b: string) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toInfo(r: StoredResponse): ResponseInfo {
  return {
    id: r.id,
    response: r.response,
    disposition: r.disposition,
    auditorNote: r.auditor_note,
    updatedBy: r.updated_by_name,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** One center's findings (every year, or one), for the center page. */
export async function findingsForCenter(db: Q, centerId: number, opts: { asOf: string; fiscalYear?: number }): Promise<FindingsResult> {
  return findings(db, { ...opts, centerIds: [centerId] });
}

/** One award's findings (award rules only), for the award page; empty for a voided or unknown award. */
export async function findingsForAward(db: Q, awardNumber: string, opts: { asOf: string }): Promise<FindingsResult> {
  return awardFindingsWithResponses(db, await evaluatedAwardFindings(db, awardNumber, opts.asOf));
}

/** An award's evaluated findings and the load they come from (its center-year); null for a voided or unknown award. */
export interface AwardFindings {
  awardNumber: string;
  evaluated: EvaluatedFindings;
  load: LoadOptions & { fiscalYear: number; centerIds: number[] };
}

/** The engine's findings on one award, without responses: reads only tables data_version watches. */
export async function evaluatedAwardFindings(db: Q, awardNumber: string, asOf: string): Promise<AwardFindings | null> {
  const award = await db
    .selectFrom("awards")
    .select(["center_id", "fiscal_year"])
    .where("award_number", "=", awardNumber)
    .where("voided_at", "is", null)
    .executeTakeFirst();
  if (!award) return null;
  const load = { asOf, fiscalYear: award.fiscal_year, centerIds: [award.center_id] };
  const all = await evaluatedFindings(db, load);
  const evaluated = Object.freeze({ findings: Object.freeze(all.findings.filter((f) => f.awardNumber === awardNumber)), centerCodes: all.centerCodes });
  return Object.freeze({ awardNumber, evaluated, load });
}

/** evaluatedAwardFindings with the stored responses of the award's findings, and those of its findings that no longer fire. */
export async function awardFindingsWithResponses(db: Q, found: AwardFindings | null): Promise<FindingsResult> {
  if (!found) return { findings: [], noLongerApplies: [] };
  const all = await respondedFindings(db, found.evaluated, found.load);
  return { findings: all.findings, noLongerApplies: all.noLongerApplies.filter((r) => r.awardNumber === found.awardNumber) };
}

/**
 * Red/amber/green per center for one fiscal year (award findings count toward their award's year),
 * for every center in scope; a center with no findings that year is green.
 */
export async function complianceStatusByCenter(
  db: Q,
  fiscalYear: number,
  scope: CenterScope,
  opts: { asOf: string },
): Promise<Map<string, ComplianceStatus>> {
  const centers = await scoped(db.selectFrom("centers").select(["centers.id", "centers.code"]), scope).execute();
  const ids = scope.kind === "all" ? undefined : centers.map((c) => c.id);
  const byCy = statusByCenterYear((await evaluatedFindings(db, { asOf: opts.asOf, fiscalYear, centerIds: ids })).findings);
  return new Map(centers.map((c) => [c.code, byCy.get(`${c.code}|${fiscalYear}`) ?? "green"]));
}

// ---------------------------------------------------------------------------------------------
// Which centers a report covers
// ---------------------------------------------------------------------------------------------

/**
 * Center ids a user's report covers: their scope narrowed by state and/or center code.
 * undefined = every center (no narrowing at all); [] = none.
 */
export async function centerIdsFor(db: Q, scope: CenterScope, filter: { state?: string; center?: string }): Promise<number[] | undefined> {
  if (scope.kind === "all" && !filter.state && !filter.center) return undefined;
  let q = scoped(db.selectFrom("centers").select("centers.id"), scope);
  if (filter.state) q = q.where("centers.state", "=", filter.state);
  if (filter.center) q = q.where("centers.code", "=", filter.center);
  return (await q.orderBy("centers.id").execute()).map((r) => r.id);
}

/** Whether the finding with these key parts fires at `asOf` (one center-year evaluated). */
export async function findingFires(db: Q, key: FindingKeyParts, asOf: string): Promise<boolean> {
  const center = await db.selectFrom("centers").select("id").where("code", "=", key.center_code).executeTakeFirst();
  if (!center) return false;
  const { findings: found } = await evaluatedFindings(db, { asOf, fiscalYear: key.fiscal_year, centerIds: [center.id] });
  const wanted = findingKeyFromParts(key);
  return found.some((f) => findingKey(f) === wanted);
}

function findingKeyFromParts(p: FindingKeyParts): string {
  return findingKey({
    rule: p.rule,
    centerCode: p.center_code,
    awardNumber: p.award_number === "" ? null : p.award_number,
    fiscalYear: p.fiscal_year,
    capabilityId: p.capability_id === "" ? null : p.capability_id,
  });
}

// ---------------------------------------------------------------------------------------------
// The findings report (page and CSV export share this)
// ---------------------------------------------------------------------------------------------

export interface FindingsReport extends FindingsResult {
  /** The year shown; null = every year. */
  fiscalYear: number | null;
  /** How the year was chosen when the filter named none (null when it did). */
  defaultYear: DefaultYear | null;
  asOf: string;
  counts: { violation: number; warning: number; total: number };
}

/**
 * The findings report for a user's scope and the URL filter. No year in the filter means the
 * latest year with data; "all" means every year. The caller has checked a named center is readable.
 */
export async function findingsReport(db: Q, scope: CenterScope, filter: FindingsFilter, today: string = todayIso()): Promise<FindingsReport> {
  const centerIds = await centerIdsFor(db, scope, filter);
  const asOf = filter.asOf ?? today;
  const defaultYear = filter.fy === undefined ? await defaultFiscalYear(db, centerIds) : null;
  const fiscalYear = filter.fy === "all" ? null : (filter.fy ?? defaultYear?.fiscalYear ?? null);
  const result = await findings(db, {
    asOf,
    fiscalYear: fiscalYear ?? undefined,
    centerIds,
    rule: filter.rule,
    severity: filter.severity,
  });
  const violation = result.findings.filter((f) => f.severity === "violation").length;
  return {
    ...result,
    fiscalYear,
    defaultYear,
    asOf,
    counts: { violation, warning: result.findings.length - violation, total: result.findings.length },
  };
}

/**
 * The findings report's filter choices for a scope: its centers, their states and their fiscal years.
 * They read only tables data_version watches, so a committed state answers them once (memo.server.ts).
 */
export function findingsFilterChoices(db: Q, scope: CenterScope) {
  return memoized(db, "findings-filters", [scope], async () => {
    const [centers, states, years] = await Promise.all([listCenters(db, scope), listStates(db, scope), centerIdsFor(db, scope, {}).then((ids) => fiscalYears(db, ids))]);
    return Object.freeze({ centers: Object.freeze(centers), states: Object.freeze(states), years: Object.freeze(years) });
  });
}

/** Fiscal years with a live award or an assessment among the centers, newest first (for the year filter). */
export async function fiscalYears(db: Q, centerIds?: readonly number[]): Promise<number[]> {
  if (centerIds && centerIds.length === 0) return [];
  if (!centerIds) {
    // Every center: a seek per year down the fiscal_year indexes instead of reading every row.
    const [ra, rs] = await Promise.all([yearsWithRows(db, "awards"), yearsWithRows(db, "assessments")]);
    return [...new Set([...ra, ...rs])].sort((x, y) => y - x);
  }
  let a = db.selectFrom("awards").select("fiscal_year").distinct().where("voided_at", "is", null);
  let s = db.selectFrom("assessments").select("fiscal_year").distinct();
  if (centerIds) {
    a = a.where("center_id", "in", [...centerIds]);
    s = s.where("center_id", "in", [...centerIds]);
  }
  const [ra, rs] = await Promise.all([a.execute(), s.execute()]);
  return [...new Set([...ra, ...rs].map((r) => r.fiscal_year))].sort((x, y) => y - x);
}
