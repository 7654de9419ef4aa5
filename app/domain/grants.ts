/**
 * Planned vs spent. Pure: the models hand in rows, this module turns them into the
 * figures every grants page, chart and export shows, so each figure is computed here only.
 * Voided rows never count: they are passed in (the pages show them struck through) and skipped.
 */
import type { Agency, CostCategory, Poete } from "./vocabulary";
import { SLOW_SPENDING_LAG } from "./compliance";
import { addDays, addMonths, daysBetweenInclusive } from "./dates";
import { share } from "./money";
import { areaOf, type CatalogNode } from "./scores";

export const POETE_AREAS: readonly Poete[] = ["planning", "organization", "equipment", "training", "exercises"];

export const POETE_LABELS: Record<Poete, string> = {
  planning: "Planning",
  organization: "Organization",
  equipment: "Equipment",
  training: "Training",
  exercises: "Exercises",
};

// SF-424A object classes (docs/domain.md §3.5 "Budget categories") plus HSGP management and administration (§3.1).
export const COST_CATEGORIES: readonly CostCategory[] = ["personnel", "fringe", "travel", "equipment", "supplies", "contractual", "other", "indirect", "ma"];

export const COST_CATEGORY_LABELS: Record<CostCategory, string> = {
  personnel: "Personnel",
  fringe: "Fringe benefits",
  travel: "Travel",
  equipment: "Equipment",
  supplies: "Supplies",
  contractual: "Contractual",
  other: "Other",
  indirect: "Indirect costs",
  ma: "Management and administration",
};

/** Funding sources in chart order; OTHER is other federal money, kept so the year adds up. */
export const FUNDING_SOURCES: readonly Agency[] = ["DHS", "DOJ", "STATE", "LOCAL", "OTHER"];

export const SOURCE_LABELS: Record<Agency, string> = {
  DHS: "DHS",
  DOJ: "DOJ",
  STATE: "State",
  LOCAL: "Local",
  OTHER: "Other federal",
};

/**
 * Last day of a period of performance by the program's default length (programs.pop_months, seeded from
 * docs/domain.md §3.1 HSGP 36 months, §3.3 JAG 48, §3.4 COPS 60); null when the program has none.
 */
export function defaultPopEnd(popStart: string, popMonths: number | null): string | null {
  if (popMonths === null) return null;
  return addDays(addMonths(popStart, popMonths), -1);
}

/** Key used when a line names no capability (not tied to a baseline capability). */
export const NO_CAPABILITY = "none";

export interface LineFact {
  amountCents: number;
  /** Live spending on the line (budget_lines.spent_cents, or summed from its live spending rows). */
  spentCents: number;
  capabilityId: string | null;
  poete: Poete;
  costCategory: CostCategory;
  voided: boolean;
}

export interface PlannedSpent {
  budgetedCents: number;
  spentCents: number;
  /** budgeted − spent: what the plan still has to spend. */
  remainingCents: number;
  lines: number;
}

export interface BurnRate {
  /** Days of the period elapsed by the as-of date (start day counts as day 1), clamped to the period. */
  elapsedDays: number;
  totalDays: number;
  elapsedShare: number;
  spentShare: number;
  /** elapsedShare − spentShare: positive when spending lags the calendar. */
  lagShare: number;
  status: "not started" | "on pace" | "behind" | "ended";
}

export interface AwardFigures {
  amountCents: number;
  budgetedCents: number;
  /** amount − budgeted: money not yet put on a budget line. */
  unbudgetedCents: number;
  spentCents: number;
  /** amount − spent. */
  unspentCents: number;
  liveLines: number;
  voidedLines: number;
  burn: BurnRate;
}

function addTo(map: Map<string, PlannedSpent>, key: string, line: LineFact): void {
  const row = map.get(key) ?? { budgetedCents: 0, spentCents: 0, remainingCents: 0, lines: 0 };
  row.budgetedCents += line.amountCents;
  row.spentCents += line.spentCents;
  row.remainingCents = row.budgetedCents - row.spentCents;
  row.lines += 1;
  map.set(key, row);
}

/**
 * Share of the period elapsed against share of the award spent. Days count inclusively, as the
 * SLOW-SPENDING rule counts them (compliance.ts); "behind" uses that rule's threshold so the
 * award page and the finding agree.
 */
export function burnRate(award: { amountCents: number; spentCents: number; popStart: string; popEnd: string }, asOf: string): BurnRate {
  const totalDays = Math.max(1, daysBetweenInclusive(award.popStart, award.popEnd));
  let elapsedDays: number;
  if (asOf < award.popStart) elapsedDays = 0;
  else if (asOf > award.popEnd) elapsedDays = totalDays;
  else elapsedDays = daysBetweenInclusive(award.popStart, asOf);
  const elapsedShare = elapsedDays / totalDays;
  const spentShare = share(award.spentCents, award.amountCents);
  const lagShare = elapsedShare - spentShare;
  let status: BurnRate["status"];
  if (elapsedDays === 0) status = "not started";
  else if (asOf > award.popEnd) status = "ended";
  else status = lagShare > SLOW_SPENDING_LAG.numerator / SLOW_SPENDING_LAG.denominator ? "behind" : "on pace";
  return { elapsedDays, totalDays, elapsedShare, spentShare, lagShare, status };
}

/** The figures at the top of an award's page. */
export function awardFigures(
  award: { amountCents: number; popStart: string; popEnd: string },
  lines: readonly LineFact[],
  asOf: string,
): AwardFigures {
  let budgetedCents = 0;
  let spentCents = 0;
  let liveLines = 0;
  let voidedLines = 0;
  for (const line of lines) {
    if (line.voided) {
      voidedLines++;
      continue;
    }
    liveLines++;
    budgetedCents += line.amountCents;
    spentCents += line.spentCents;
  }
  return {
    amountCents: award.amountCents,
    budgetedCents,
    unbudgetedCents: award.amountCents - budgetedCents,
    spentCents,
    unspentCents: award.amountCents - spentCents,
    liveLines,
    voidedLines,
    burn: burnRate({ amountCents: award.amountCents, spentCents, popStart: award.popStart, popEnd: award.popEnd }, asOf),
  };
}

/** Planned vs spent per POETE solution area, in POETE order, areas without lines left out. */
export function byPoete(lines: readonly LineFact[]): Array<{ poete: Poete } & PlannedSpent> {
  const map = new Map<string, PlannedSpent>();
  for (const line of lines) if (!line.voided) addTo(map, line.poete, line);
  return POETE_AREAS.filter((p) => map.has(p)).map((p) => ({ poete: p, ...map.get(p)! }));
}

/** Planned vs spent per cost category, in SF-424A order. */
export function byCostCategory(lines: readonly LineFact[]): Array<{ costCategory: CostCategory } & PlannedSpent> {
  const map = new Map<string, PlannedSpent>();
  for (const line of lines) if (!line.voided) addTo(map, line.costCategory, line);
  return COST_CATEGORIES.filter((c) => map.has(c)).map((c) => ({ costCategory: c, ...map.get(c)! }));
}

/**
 * Planned vs spent per capability area: a line naming an item (I.A.1) counts toward its area (I.A);
 * lines naming no capability are grouped under NO_CAPABILITY, listed last. Areas follow catalog order.
 */
export function byCapabilityArea(lines: readonly LineFact[], catalog: readonly CatalogNode[]): Array<{ area: string } & PlannedSpent> {
  const byId = new Map(catalog.map((c) => [c.id, c]));
  const map = new Map<string, PlannedSpent>();
  for (const line of lines) {
    if (line.voided) continue;
    addTo(map, line.capabilityId === null ? NO_CAPABILITY : areaOf(byId, line.capabilityId), line);
  }
  const order = new Map(catalog.map((c, i) => [c.id, i]));
  const keys = [...map.keys()].sort((a, b) => {
    if (a === NO_CAPABILITY) return 1;
    if (b === NO_CAPABILITY) return -1;
    return (order.get(a) ?? Number.MAX_SAFE_INTEGER) - (order.get(b) ?? Number.MAX_SAFE_INTEGER) || (a < b ? -1 : a > b ? 1 : 0);
  });
  return keys.map((area) => ({ area, ...map.get(area)! }));
}

export interface AwardTotalsInput {
  amountCents: number;
  budgetedCents: number;
  spentCents: number;
  voided: boolean;
}

export interface AwardTotals {
  awards: number;
  amountCents: number;
  budgetedCents: number;
  unbudgetedCents: number;
  spentCents: number;
  unspentCents: number;
}

/** Totals row of an award list: live awards only. */
export function awardTotals(awards: readonly AwardTotalsInput[]): AwardTotals {
  const t: AwardTotals = { awards: 0, amountCents: 0, budgetedCents: 0, unbudgetedCents: 0, spentCents: 0, unspentCents: 0 };
  for (const a of awards) {
    if (a.voided) continue;
    t.awards++;
    t.amountCents += a.amountCents;
    t.budgetedCents += a.budgetedCents;
    t.spentCents += a.spentCents;
  }
  t.unbudgetedCents = t.amountCents - t.budgetedCents;
  t.unspentCents = t.amountCents - t.spentCents;
  return t;
}

export type FundingYear = { fiscalYear: number; totalCents: number } & Record<Agency, number>;

/** Award money per fiscal year and source (the program's agency), oldest year first; voided awards left out. */
export function fundingBySource(awards: readonly { fiscalYear: number; agency: Agency; amountCents: number; voided: boolean }[]): FundingYear[] {
  const years = new Map<number, FundingYear>();
  for (const a of awards) {
    if (a.voided) continue;
    let row = years.get(a.fiscalYear);
    if (!row) {
      row = { fiscalYear: a.fiscalYear, totalCents: 0, DHS: 0, DOJ: 0, STATE: 0, LOCAL: 0, OTHER: 0 };
      years.set(a.fiscalYear, row);
    }
    row[a.agency] += a.amountCents;
    row.totalCents += a.amountCents;
  }
  return [...years.values()].sort((a, b) => a.fiscalYear - b.fiscalYear);
}

/** Several lists of fundingBySource added up year by year (a page's centers), oldest year first. */
export function sumFundingYears(lists: Iterable<readonly FundingYear[]>): FundingYear[] {
  const years = new Map<number, FundingYear>();
  for (const list of lists) {
    for (const f of list) {
      // Each source by name: a loop over FUNDING_SOURCES (keyed access) made this 8–15× slower, and a page
      // adds up every center's years each time it is put together. The literal must name every Agency.
      const row = years.get(f.fiscalYear);
      if (!row) {
        years.set(f.fiscalYear, { fiscalYear: f.fiscalYear, totalCents: f.totalCents, DHS: f.DHS, DOJ: f.DOJ, STATE: f.STATE, LOCAL: f.LOCAL, OTHER: f.OTHER });
        continue;
      }
      row.totalCents += f.totalCents;
      row.DHS += f.DHS;
      row.DOJ += f.DOJ;
      row.STATE += f.STATE;
      row.LOCAL += f.LOCAL;
      row.OTHER += f.OTHER;
    }
  }
  return [...years.values()].sort((a, b) => a.fiscalYear - b.fiscalYear);
}

/** Sources that carry money in at least one year, in FUNDING_SOURCES order (for chart series). */
export function sourcesPresent(rows: readonly FundingYear[]): Agency[] {
  return FUNDING_SOURCES.filter((s) => rows.some((r) => r[s] > 0));
}
