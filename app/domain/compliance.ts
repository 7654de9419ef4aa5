/**
 * Compliance rules engine, REPORT-OVERDUE and MATCH-SHORT included.
 * Pure: the loader (app/models) gathers live (non-voided) rows into ComplianceData; this module
 * turns them into findings. Every page, export and CLI command calls evaluateCompliance, so a
 * finding is computed in exactly one place. Thresholds cite docs/domain.md.
 *
 * Adding a rule = one evaluate function + one row in RULES.
 */
import type { AssessmentStatus } from "./vocabulary";
import { dayNumber, daysBetweenInclusive, addDays } from "./dates";
import { formatMoney, formatPercent, percentOfCents, share, sumCents } from "./money";
import { assessableCapabilities, computeScore, HEADLINE_FRAMEWORK } from "./scores";

// ---------------------------------------------------------------------------------------------
// Input and output
// ---------------------------------------------------------------------------------------------

export interface ComplianceData {
  /** Report date, YYYY-MM-DD: award rules judge periods and due dates against it. */
  asOf: string;
  programs: { code: string; federal: boolean; maCapPct: number | null; matchPct: number | null }[];
  centers: { code: string; state: string }[];
  catalog: { id: string; framework_id: string; parent_id: string | null; privacy: boolean }[];
  links: { from_id: string; to_id: string }[];
  awards: {
    awardNumber: string;
    centerCode: string;
    programCode: string;
    fiscalYear: number;
    amountCents: number;
    popStart: string;
    popEnd: string;
    spentCents: number;
    /** Spending dated before popStart / after popEnd, summed by the loader. */
    spentBeforeStartCents: number;
    spentAfterEndCents: number;
    matchRequiredCents: number;
    matchProvidedCents: number;
  }[];
  budgetLines: { lineId: string; awardNumber: string; capabilityId: string | null; costCategory: string; amountCents: number }[];
  /** Spending summed per budget line per fiscal year of the spending date. */
  lineSpendingByFiscalYear: { lineId: string; fiscalYear: number; amountCents: number }[];
  assessments: { centerCode: string; fiscalYear: number; capabilityId: string; status: AssessmentStatus }[];
  obligations: { awardNumber: string; report: string; periodStart: string; periodEnd: string; due: string; submittedOn: string | null }[];
}

export type Severity = "violation" | "warning";
export type RuleScope = "center-year" | "award";
export type ComplianceStatus = "red" | "amber" | "green";

export interface Finding {
  rule: string;
  severity: Severity;
  centerCode: string;
  awardNumber: string | null;
  fiscalYear: number;
  capabilityId: string | null;
  amountCents: number | null;
  message: string;
}

/** What a rule's evaluate returns; the engine adds rule, severity, center, year and award. */
export interface RuleHit {
  amountCents: number | null;
  message: string;
  capabilityId?: string | null;
}

type Award = ComplianceData["awards"][number];
type BudgetLine = ComplianceData["budgetLines"][number];

interface RuleCommon {
  id: string;
  severity: Severity;
  description: string;
  /** domain.md section(s) the rule rests on, for the rules page. */
  source: string;
}

export interface CenterYearRule extends RuleCommon {
  scope: "center-year";
  evaluate(ctx: ComplianceContext, centerCode: string, fiscalYear: number): RuleHit[];
}

export interface AwardRule extends RuleCommon {
  scope: "award";
  /** Federal awards only: state/local money has no federal period of performance or reports. */
  federalOnly: boolean;
  evaluate(ctx: ComplianceContext, award: Award): RuleHit[];
}

export type RuleDef = CenterYearRule | AwardRule;

// ---------------------------------------------------------------------------------------------
// Capability graph: which capabilities a budget line's capability counts toward
// ---------------------------------------------------------------------------------------------

export interface CapabilityGraph {
  /** Ids of the node and its ancestors, nearest first. */
  ancestorsOrSelf(id: string): string[];
  /** Flagged privacy itself or under a flagged area (imported items inherit the area's flag). */
  isPrivacy(id: string): boolean;
  /**
   * A line naming `lineCapability` funds `target` when it names the target itself, one of its
   * descendants (items), or a capability linked to it. Links count in either direction, and
   * items inherit their ancestors' links (so II.B.1 is linked to EC-1 through II.B).
   */
  funds(lineCapability: string, target: string): boolean;
}

export function buildCapabilityGraph(
  catalog: readonly { id: string; parent_id: string | null; privacy?: boolean }[],
  links: readonly { from_id: string; to_id: string }[],
): CapabilityGraph {
  const parentOf = new Map(catalog.map((c) => [c.id, c.parent_id]));
  const flagged = new Set(catalog.filter((c) => c.privacy).map((c) => c.id));
  const linked = new Map<string, Set<string>>();
  const addLink = (a: string, b: string) => {
    if (!linked.has(a)) linked.set(a, new Set());
    linked.get(a)!.add(b);
  };
  for (const l of links) {
    addLink(l.from_id, l.to_id);
    addLink(l.to_id, l.from_id);
  }
  const ancestorCache = new Map<string, string[]>();
  const ancestorsOrSelf = (id: string): string[] => {
    let chain = ancestorCache.get(id);
    if (chain) return chain;
    chain = [];
    const seen = new Set<string>();
    for (let cur: string | null | undefined = id; cur && !seen.has(cur); cur = parentOf.get(cur)) {
      seen.add(cur); // guards against a malformed parent cycle
      chain.push(cur);
    }
    ancestorCache.set(id, chain);
    return chain;
  };
  const linkEndsCache = new Map<string, Set<string>>();
  const linkEnds = (id: string): Set<string> => {
    let ends = linkEndsCache.get(id);
    if (ends) return ends;
    ends = new Set();
    for (const a of ancestorsOrSelf(id)) for (const b of linked.get(a) ?? []) ends.add(b);
    linkEndsCache.set(id, ends);
    return ends;
  };
  return {
    ancestorsOrSelf,
    isPrivacy: (id) => ancestorsOrSelf(id).some((a) => flagged.has(a)),
    funds(lineCapability, target) {
      const lineChain = ancestorsOrSelf(lineCapability);
      if (lineChain.includes(target)) return true;
      const ends = linkEnds(target);
      return lineChain.some((a) => ends.has(a));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Context: the data indexed once per evaluation
// ---------------------------------------------------------------------------------------------

export interface ComplianceContext {
  data: ComplianceData;
  asOf: string;
  graph: CapabilityGraph;
  /** Assessable leaves of baseline-2008 (scores.ts), the only basis for gaps. */
  baselineLeaves: { id: string }[];
  isFederal(award: Award): boolean;
  maCapPct(award: Award): number | null;
  awardByNumber: Map<string, Award>;
  /** Awards of a center whose fiscal year is the given one. */
  awardsOf(centerCode: string, fiscalYear: number): Award[];
  /** Budget lines of a center's awards of the given fiscal year (a line's year is its award's). */
  linesOf(centerCode: string, fiscalYear: number): BudgetLine[];
  linesOfAward(awardNumber: string): BudgetLine[];
  /** Every budget line of the center, whatever the award year. */
  allLinesOfCenter(centerCode: string): BudgetLine[];
  /** Assessment rows of a center-year, capability id → status; undefined when none recorded. */
  assessmentOf(centerCode: string, fiscalYear: number): Map<string, AssessmentStatus> | undefined;
  spendingOf(lineId: string, fiscalYear: number): number;
  obligationsOf(awardNumber: string): ComplianceData["obligations"];
}

const cyKey = (centerCode: string, fiscalYear: number) => `${centerCode}\u0000${fiscalYear}`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function buildContext(data: ComplianceData): ComplianceContext {
  const programs = new Map(data.programs.map((p) => [p.code, p]));
  const awardByNumber = new Map(data.awards.map((a) => [a.awardNumber, a]));
  const awardsByCy = new Map<string, Award[]>();
  for (const a of data.awards) push(awardsByCy, cyKey(a.centerCode, a.fiscalYear), a);
  const linesByAward = new Map<string, BudgetLine[]>();
  const linesByCy = new Map<string, BudgetLine[]>();
  const linesByCenter = new Map<string, BudgetLine[]>();
  for (const l of data.budgetLines) {
    const award = awardByNumber.get(l.awardNumber);
    if (!award) continue; // line of a voided award: the loader should not send it
    push(linesByAward, l.awardNumber, l);
    push(linesByCy, cyKey(award.centerCode, award.fiscalYear), l);
    push(linesByCenter, award.centerCode, l);
  }
  const assessments = new Map<string, Map<string, AssessmentStatus>>();
  for (const r of data.assessments) {
    const key = cyKey(r.centerCode, r.fiscalYear);
    if (!assessments.has(key)) assessments.set(key, new Map());
    assessments.get(key)!.set(r.capabilityId, r.status);
  }
  const spending = new Map<string, number>();
  for (const s of data.lineSpendingByFiscalYear) {
    const key = `${s.lineId}\u0000${s.fiscalYear}`;
    spending.set(key, (spending.get(key) ?? 0) + s.amountCents);
  }
  const obligations = new Map<string, ComplianceData["obligations"]>();
  for (const o of data.obligations) push(obligations, o.awardNumber, o);

  return {
    data,
    asOf: data.asOf,
    graph: buildCapabilityGraph(data.catalog, data.links),
    baselineLeaves: assessableCapabilities(data.catalog, HEADLINE_FRAMEWORK),
    isFederal: (a) => programs.get(a.programCode)?.federal === true,
    maCapPct: (a) => programs.get(a.programCode)?.maCapPct ?? null,
    awardByNumber,
    awardsOf: (c, fy) => awardsByCy.get(cyKey(c, fy)) ?? [],
    linesOf: (c, fy) => linesByCy.get(cyKey(c, fy)) ?? [],
    linesOfAward: (n) => linesByAward.get(n) ?? [],
    allLinesOfCenter: (c) => linesByCenter.get(c) ?? [],
    assessmentOf: (c, fy) => assessments.get(cyKey(c, fy)),
    spendingOf: (lineId, fy) => spending.get(`${lineId}\u0000${fy}`) ?? 0,
    obligationsOf: (n) => obligations.get(n) ?? [],
  };
}

// ---------------------------------------------------------------------------------------------
// Gaps and their funding (shared by GAP-PRIORITY and any page that shows "funded?")
// ---------------------------------------------------------------------------------------------

export interface GapFunding {
  /** Gaps per scores.ts over baseline-2008's assessable leaves, in catalog order. */
  gaps: string[];
  funded: string[];
  unfunded: string[];
}

/**
 * A gap is funded in a year when any budget line of that year at the center (federal or not)
 * names it, one of its items, or a capability linked to it.
 */
export function gapFunding(ctx: ComplianceContext, centerCode: string, fiscalYear: number): GapFunding {
  const statuses = ctx.assessmentOf(centerCode, fiscalYear);
  const { gaps } = computeScore(ctx.baselineLeaves, (id) => statuses?.get(id));
  const named = ctx
    .linesOf(centerCode, fiscalYear)
    .map((l) => l.capabilityId)
    .filter((c): c is string => c !== null);
  const funded: string[] = [];
  const unfunded: string[] = [];
  for (const gap of gaps) (named.some((c) => ctx.graph.funds(c, gap)) ? funded : unfunded).push(gap);
  return { gaps, funded, unfunded };
}

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

const STATUS_TEXT: Record<AssessmentStatus, string> = {
  achieved: "achieved",
  partial: "partial",
  not_achieved: "not achieved",
  not_applicable: "not applicable",
};

function federalLinesOf(ctx: ComplianceContext, centerCode: string, fiscalYear: number): BudgetLine[] {
  return ctx.linesOf(centerCode, fiscalYear).filter((l) => ctx.isFederal(ctx.awardByNumber.get(l.awardNumber)!));
}

function listIds(ids: readonly string[], max = 6): string {
  return ids.length <= max ? ids.join(", ") : `${ids.slice(0, max).join(", ")} and ${ids.length - max} more`;
}

function privacyPolicy(ctx: ComplianceContext, centerCode: string, fy: number): RuleHit[] {
  // docs/domain.md §3.1 "Privacy policy": DHS money may not support fusion work without P/CRCL protections;
  // §2.1 EC 1. Unassessed privacy capabilities are ignored; "none achieved" includes "none assessed".
  const federalLines = federalLinesOf(ctx, centerCode, fy);
  if (federalLines.length === 0) return [];
  const rows = [...(ctx.assessmentOf(centerCode, fy) ?? new Map<string, AssessmentStatus>())].filter(([id]) =>
    ctx.graph.isPrivacy(id),
  );
  const short = rows.filter(([, s]) => s === "partial" || s === "not_achieved");
  const anyAchieved = rows.some(([, s]) => s === "achieved");
  if (short.length === 0 && anyAchieved) return [];
  const total = formatMoney(sumCents(federalLines.map((l) => l.amountCents)));
  const why =
    short.length > 0
      ? `records ${short.map(([id, s]) => `${id} as ${STATUS_TEXT[s]}`).join(", ")}`
      : "records no privacy capability as achieved";
  return [{ amountCents: null, message: `FY${fy} federal budget lines total ${total}, but the FY${fy} assessment ${why}` }];
}

function assessmentMissing(ctx: ComplianceContext, centerCode: string, fy: number): RuleHit[] {
  // docs/domain.md §3.1 "Evaluation via assessment": federally funded centers are judged through the annual assessment.
  const federal = ctx.awardsOf(centerCode, fy).filter((a) => ctx.isFederal(a));
  if (federal.length === 0 || ctx.assessmentOf(centerCode, fy) !== undefined) return [];
  const total = formatMoney(sumCents(federal.map((a) => a.amountCents)));
  const n = federal.length;
  return [
    {
      amountCents: null,
      message: `${n} federal award${n === 1 ? "" : "s"} of FY${fy} total ${total}, but no FY${fy} assessment is recorded`,
    },
  ];
}

function gapPriority(ctx: ComplianceContext, centerCode: string, fy: number): RuleHit[] {
  // docs/domain.md §3.1 "Fusion-center investment": projects must map to assessment gaps and name the capability.
  const untagged = federalLinesOf(ctx, centerCode, fy).filter((l) => l.capabilityId === null);
  if (untagged.length === 0) return [];
  const { unfunded } = gapFunding(ctx, centerCode, fy);
  if (unfunded.length === 0) return [];
  const amount = sumCents(untagged.map((l) => l.amountCents));
  const n = unfunded.length;
  return [
    {
      amountCents: amount,
      message:
        `FY${fy} federal budget lines naming no capability total ${formatMoney(amount)} ` +
        `while ${n} gap${n === 1 ? " is" : "s are"} unfunded: ${listIds(unfunded)}`,
    },
  ];
}

function fundedGapStalled(ctx: ComplianceContext, centerCode: string, fy: number): RuleHit[] {
  // docs/domain.md §2.2 "Purpose of the assessment": gap mitigation. Last year's money on C should show in this year's C.
  const statuses = ctx.assessmentOf(centerCode, fy);
  if (!statuses) return [];
  const spentOn = new Map<string, number>();
  for (const l of ctx.allLinesOfCenter(centerCode)) {
    if (l.capabilityId === null || !ctx.isFederal(ctx.awardByNumber.get(l.awardNumber)!)) continue;
    const spent = ctx.spendingOf(l.lineId, fy - 1);
    if (spent > 0) spentOn.set(l.capabilityId, (spentOn.get(l.capabilityId) ?? 0) + spent);
  }
  const hits: RuleHit[] = [];
  for (const [capabilityId, spent] of spentOn) {
    if (statuses.get(capabilityId) !== "not_achieved") continue;
    hits.push({
      capabilityId,
      amountCents: spent,
      message:
        `${formatMoney(spent)} spent in FY${fy - 1} on federal budget lines naming ${capabilityId}, ` +
        `but the FY${fy} assessment records ${capabilityId} as not achieved`,
    });
  }
  return hits;
}

function maCap(ctx: ComplianceContext, award: Award): RuleHit[] {
  const pct = ctx.maCapPct(award);
  if (pct === null) return [];
  // docs/domain.md §3.1 "M&A cap", §3.6: cap = floor(award × program's M&A %), default 5% (unverified, editable per program).
  const cap = percentOfCents(award.amountCents, pct);
  const ma = sumCents(ctx.linesOfAward(award.awardNumber).filter((l) => l.costCategory === "ma").map((l) => l.amountCents));
  if (ma <= cap) return [];
  return [
    {
      amountCents: ma - cap,
      message: `M&A lines total ${formatMoney(ma)}, over the ${pct}% cap of ${formatMoney(cap)} by ${formatMoney(ma - cap)}`,
    },
  ];
}

function outsidePop(_ctx: ComplianceContext, award: Award): RuleHit[] {
  // docs/domain.md §3.1 "Period of performance", §3.3–3.4, §3.6: spending must fall within the award's own dates.
  const outside = award.spentBeforeStartCents + award.spentAfterEndCents;
  if (outside <= 0) return [];
  return [
    {
      amountCents: outside,
      message:
        `${formatMoney(outside)} spent outside the period of performance ${award.popStart} to ${award.popEnd} ` +
        `(${formatMoney(award.spentBeforeStartCents)} before the start, ${formatMoney(award.spentAfterEndCents)} after the end)`,
    },
  ];
}

/**
 * Look-ahead window and unspent share for POP-ENDING-UNSPENT. domain.md gives no figure for these:
 * they are product choices, because §3.1 "Period of performance" allows extensions only
 * on a formal, justified request, which takes time to prepare.
 */
export const POP_ENDING_WINDOW_DAYS = 90;

function popEndingUnspent(ctx: ComplianceContext, award: Award): RuleHit[] {
  const limit = addDays(ctx.asOf, POP_ENDING_WINDOW_DAYS);
  if (award.popEnd < ctx.asOf || award.popEnd > limit) return [];
  const unspent = award.amountCents - award.spentCents;
  // Strictly more than 10% (see above), in integer arithmetic: unspent × 10 > amount.
  if (unspent * 10 <= award.amountCents) return [];
  const days = dayNumber(award.popEnd) - dayNumber(ctx.asOf);
  return [
    {
      amountCents: unspent,
      message:
        `Period of performance ends ${award.popEnd} (in ${days} day${days === 1 ? "" : "s"}) with ` +
        `${formatMoney(unspent)} unspent, ${formatPercent(share(unspent, award.amountCents))} of ${formatMoney(award.amountCents)}`,
    },
  ];
}

function fundsLapsed(ctx: ComplianceContext, award: Award): RuleHit[] {
  // docs/domain.md §3.1 "Period of performance" (ends unless extended), §3.5 "SF-425 FFR" (final report with no unliquidated obligations).
  if (award.popEnd >= ctx.asOf) return [];
  const unspent = award.amountCents - award.spentCents;
  if (unspent <= 0) return [];
  return [
    {
      amountCents: unspent,
      message: `Period of performance ended ${award.popEnd} with ${formatMoney(unspent)} of ${formatMoney(award.amountCents)} unspent`,
    },
  ];
}

/**
 * SLOW-SPENDING fires when the share of the period elapsed exceeds the share of the award spent by
 * more than this (a quarter). Product choice; domain.md has no pacing figure, only the
 * fixed periods of §3.1 "Period of performance" and §3.3–3.4.
 */
export const SLOW_SPENDING_LAG = { numerator: 1, denominator: 4 } as const;

function slowSpending(ctx: ComplianceContext, award: Award): RuleHit[] {
  if (award.amountCents <= 0) return [];
  if (ctx.asOf < award.popStart || ctx.asOf > award.popEnd) return [];
  // Days count inclusively: the start day is day 1 elapsed and the end day completes the period.
  const elapsed = daysBetweenInclusive(award.popStart, ctx.asOf);
  const days = daysBetweenInclusive(award.popStart, award.popEnd);
  // elapsed/days − spent/amount > n/d  ⇔  d·(elapsed·amount − spent·days) > n·days·amount; BigInt keeps it exact.
  const { numerator: n, denominator: d } = SLOW_SPENDING_LAG;
  const amount = BigInt(award.amountCents);
  const lhs = BigInt(d) * (BigInt(elapsed) * amount - BigInt(award.spentCents) * BigInt(days));
  if (lhs <= BigInt(n) * BigInt(days) * amount) return [];
  const unspent = award.amountCents - award.spentCents;
  return [
    {
      amountCents: unspent,
      message:
        `${formatPercent(elapsed / days)} of the period of performance has elapsed (${elapsed} of ${days} days) ` +
        `but only ${formatPercent(share(award.spentCents, award.amountCents))} of ${formatMoney(award.amountCents)} is spent; ` +
        `${formatMoney(unspent)} unspent`,
    },
  ];
}

function reportOverdue(ctx: ComplianceContext, award: Award): RuleHit[] {
  // docs/domain.md §3.2 (BSIR/PPR due Jan 30 and Jul 30), §3.3 and §3.5 (SF-425 30 days after the quarter,
  // final 120 days after the end), §3.6 "Reporting calendar". Due dates are stored per obligation;
  // a report due today is not yet overdue.
  const overdue = ctx
    .obligationsOf(award.awardNumber)
    .filter((o) => o.submittedOn === null && o.due < ctx.asOf)
    .sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : 0));
  if (overdue.length === 0) return [];
  const kinds = [...new Set(overdue.map((o) => o.report))].join(", ");
  const n = overdue.length;
  return [
    {
      amountCents: null,
      message: `${n} report${n === 1 ? "" : "s"} overdue (${kinds}); the oldest was due ${overdue[0].due}`,
    },
  ];
}

function matchShort(_ctx: ComplianceContext, award: Award): RuleHit[] {
  // docs/domain.md §3.4: COPS requires at least a 25% local cash match unless waived; the required amount is stored per award.
  if (award.matchRequiredCents <= 0 || award.matchProvidedCents >= award.matchRequiredCents) return [];
  const short = award.matchRequiredCents - award.matchProvidedCents;
  return [
    {
      amountCents: short,
      message: `Match provided ${formatMoney(award.matchProvidedCents)} of ${formatMoney(award.matchRequiredCents)} required; short by ${formatMoney(short)}`,
    },
  ];
}

export const RULES: readonly RuleDef[] = [
  {
    id: "PRIVACY-POLICY",
    severity: "violation",
    scope: "center-year",
    description:
      "Federal money requires privacy, civil rights and civil liberties protections: a center with federal budget lines in a year must record a privacy capability as achieved in that year's assessment, and none as partial or not achieved.",
    source: "docs/domain.md §3.1 \"Privacy policy\"; §3.6 \"Privacy policy\"; §2.1 EC 1; §1.3 guideline 8",
    evaluate: privacyPolicy,
  },
  {
    id: "ASSESSMENT-MISSING",
    severity: "violation",
    scope: "center-year",
    description: "A center with a federal award in a fiscal year must have that year's capability assessment recorded.",
    source: "docs/domain.md §3.1 \"Evaluation via assessment\"; §2.2 \"Purpose of the assessment\"",
    evaluate: assessmentMissing,
  },
  {
    id: "GAP-PRIORITY",
    severity: "warning",
    scope: "center-year",
    description:
      "Federal budget lines that name no capability, while at least one Baseline gap of the year has no budget line (of any source) naming it, an item of it or a linked capability. Amount: the untagged federal lines.",
    source: "docs/domain.md §3.1 \"Fusion-center investment\"; §3.6 \"Fusion investment alignment\"",
    evaluate: gapPriority,
  },
  {
    id: "FUNDED-GAP-STALLED",
    severity: "warning",
    scope: "center-year",
    description:
      "Money spent in the previous fiscal year on federal budget lines naming a capability that this year's assessment still records as not achieved. One finding per capability; amount: that spending.",
    source: "docs/domain.md §2.2 \"Purpose of the assessment\" (gap mitigation); §3.1 \"Fusion-center investment\"",
    evaluate: fundedGapStalled,
  },
  {
    id: "MA-CAP",
    severity: "violation",
    scope: "award",
    federalOnly: true,
    description:
      "Federal awards only: management and administration (M&A) budget lines must not exceed the program's M&A cap (floor of award × cap %). Programs without a cap are skipped. Amount: the excess.",
    source: "docs/domain.md §3.1 \"M&A cap\" (5%, unverified, editable per program); §3.6 \"M&A cap\"",
    evaluate: maCap,
  },
  {
    id: "OUTSIDE-POP",
    severity: "violation",
    scope: "award",
    federalOnly: true,
    description: "Federal awards only: spending dated before the period of performance starts or after it ends. Amount: that spending.",
    source: "docs/domain.md §3.1 \"Period of performance\"; §3.3–3.4; §3.6 \"Period of performance\"",
    evaluate: outsidePop,
  },
  {
    id: "POP-ENDING-UNSPENT",
    severity: "warning",
    scope: "award",
    federalOnly: true,
    description: `Federal awards only: the period of performance ends within ${POP_ENDING_WINDOW_DAYS} days of the report date with more than 10% of the award unspent. Amount: unspent.`,
    source: "docs/domain.md §3.1 \"Period of performance\" (extensions only on justified request); 90 days and 10% are product choices",
    evaluate: popEndingUnspent,
  },
  {
    id: "FUNDS-LAPSED",
    severity: "warning",
    scope: "award",
    federalOnly: true,
    description: "Federal awards only: the period of performance ended before the report date with money unspent. Amount: unspent.",
    source: "docs/domain.md §3.1 \"Period of performance\"; §3.5 \"SF-425 FFR\" (final report, no unliquidated obligations)",
    evaluate: fundsLapsed,
  },
  {
    id: "SLOW-SPENDING",
    severity: "warning",
    scope: "award",
    federalOnly: true,
    description:
      "Federal awards only, during the period of performance: the share of days elapsed (counted inclusively) exceeds the share of the award spent by more than 25 percentage points. Amount: unspent.",
    source: "docs/domain.md §3.1 \"Period of performance\"; the 25-point lag is a product choice",
    evaluate: slowSpending,
  },
  {
    id: "REPORT-OVERDUE",
    severity: "violation",
    scope: "award",
    federalOnly: true,
    description: "Federal awards only: a required report (BSIR, SF-425, PMT, final) is past its due date and not submitted. One finding per award.",
    source: "docs/domain.md §3.2; §3.3; §3.5 \"SF-425 FFR\"; §3.6 \"Reporting calendar\"",
    evaluate: reportOverdue,
  },
  {
    id: "MATCH-SHORT",
    severity: "warning",
    scope: "award",
    federalOnly: false,
    description: "Any award with a required match: the match provided is less than required. Amount: the shortfall.",
    source: "docs/domain.md §3.4 (COPS: at least 25% local cash match unless waived)",
    evaluate: matchShort,
  },
];

export const RULES_BY_ID: ReadonlyMap<string, RuleDef> = new Map(RULES.map((r) => [r.id, r]));

export interface RuleInfo {
  id: string;
  severity: Severity;
  scope: RuleScope;
  description: string;
  source: string;
}

/** For the rules page: what each rule checks and where it comes from. */
export const RULE_INFO: readonly RuleInfo[] = RULES.map(({ id, severity, scope, description, source }) => ({
  id,
  severity,
  scope,
  description,
  source,
}));

// ---------------------------------------------------------------------------------------------
// Engine
// ---------------------------------------------------------------------------------------------

export interface EvaluateOptions {
  /** Keep center-year findings of this year and award findings of awards of this fiscal year. */
  fiscalYear?: number;
}

/** Every (center, fiscal year) that has an award or an assessment row. */
export function centerYears(data: ComplianceData): { centerCode: string; fiscalYear: number }[] {
  const seen = new Map<string, { centerCode: string; fiscalYear: number }>();
  for (const r of [...data.awards, ...data.assessments]) {
    const key = cyKey(r.centerCode, r.fiscalYear);
    if (!seen.has(key)) seen.set(key, { centerCode: r.centerCode, fiscalYear: r.fiscalYear });
  }
  return [...seen.values()];
}

export function evaluateCompliance(data: ComplianceData, opts: EvaluateOptions = {}): Finding[] {
  const ctx = buildContext(data);
  const fy = opts.fiscalYear;
  const years = centerYears(data).filter((cy) => fy === undefined || cy.fiscalYear === fy);
  const awards = data.awards.filter((a) => fy === undefined || a.fiscalYear === fy);
  const findings: Finding[] = [];
  for (const rule of RULES) {
    if (rule.scope === "center-year") {
      for (const { centerCode, fiscalYear } of years) {
        for (const hit of rule.evaluate(ctx, centerCode, fiscalYear)) {
          findings.push(toFinding(rule, centerCode, null, fiscalYear, hit));
        }
      }
    } else {
      for (const award of awards) {
        if (rule.federalOnly && !ctx.isFederal(award)) continue;
        for (const hit of rule.evaluate(ctx, award)) {
          findings.push(toFinding(rule, award.centerCode, award.awardNumber, award.fiscalYear, hit));
        }
      }
    }
  }
  return findings.sort(compareFindings);
}

function toFinding(rule: RuleDef, centerCode: string, awardNumber: string | null, fiscalYear: number, hit: RuleHit): Finding {
  return {
    rule: rule.id,
    severity: rule.severity,
    centerCode,
    awardNumber,
    fiscalYear,
    capabilityId: hit.capabilityId ?? null,
    amountCents: hit.amountCents,
    message: hit.message,
  };
}

function cmp(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/** Center, rule, award (center-year findings first), capability; fiscal year breaks the last ties. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    cmp(a.centerCode, b.centerCode) ||
    cmp(a.rule, b.rule) ||
    cmp(a.awardNumber, b.awardNumber) ||
    cmp(a.capabilityId, b.capabilityId) ||
    cmp(a.fiscalYear, b.fiscalYear)
  );
}

/** The columns of finding_responses' unique key: absent award or capability is stored as "". */
export interface FindingKeyParts {
  rule: string;
  center_code: string;
  award_number: string;
  fiscal_year: number;
  capability_id: string;
}

export function findingKeyParts(f: Pick<Finding, "rule" | "centerCode" | "awardNumber" | "fiscalYear" | "capabilityId">): FindingKeyParts {
  return {
    rule: f.rule,
    center_code: f.centerCode,
    award_number: f.awardNumber ?? "",
    fiscal_year: f.fiscalYear,
    capability_id: f.capabilityId ?? "",
  };
}

/**
 * Stable identity of a finding across runs (amount and message may change as data changes), so a
 * center's response and an auditor's disposition stay attached. JSON keeps it unambiguous.
 */
export function findingKey(f: Pick<Finding, "rule" | "centerCode" | "awardNumber" | "fiscalYear" | "capabilityId">): string {
  const p = findingKeyParts(f);
  return JSON.stringify([p.rule, p.center_code, p.award_number, p.fiscal_year, p.capability_id]);
}

/** Inverse of findingKey; null when the text is not a finding key (e.g. a tampered form field). */
export function parseFindingKey(key: string): FindingKeyParts | null {
  let v: unknown;
  try {
    v = JSON.parse(key);
  } catch {
    return null;
  }
  if (
    !Array.isArray(v) ||
    v.length !== 5 ||
    typeof v[0] !== "string" ||
    typeof v[1] !== "string" ||
    typeof v[2] !== "string" ||
    !Number.isInteger(v[3]) ||
    typeof v[4] !== "string"
  ) {
    return null;
  }
  return { rule: v[0], center_code: v[1], award_number: v[2], fiscal_year: v[3], capability_id: v[4] };
}

/** Red with any violation, amber with only warnings, green with none. */
export function complianceStatus(findings: readonly Pick<Finding, "severity">[]): ComplianceStatus {
  if (findings.some((f) => f.severity === "violation")) return "red";
  if (findings.length > 0) return "amber";
  return "green";
}

/**
 * A center-year's status as pages show it: a center with no assessment for the year is never
 * green (nothing was checked against the Baseline, docs/domain.md §3.1 "Evaluation via assessment");
 * it reads "not assessed" unless its findings already make it red or amber.
 */
export type CenterYearStatus = ComplianceStatus | "not_assessed";

export function centerYearStatus(status: ComplianceStatus | undefined, assessed: boolean): CenterYearStatus {
  const s = status ?? "green";
  return s === "green" && !assessed ? "not_assessed" : s;
}

/** Status per center-year (award findings count toward their award's fiscal year). Key: `${center}|${year}`. */
export function statusByCenterYear(findings: readonly Finding[]): Map<string, ComplianceStatus> {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) push(groups, `${f.centerCode}|${f.fiscalYear}`, f);
  return new Map([...groups].map(([k, fs]) => [k, complianceStatus(fs)]));
}
