/**
 * Score and gaps: defined once here and used by every page, export, chart, CLI and rule.
 * - Assessable capabilities of a framework are the leaves of its tree (the twelve areas of
 *   baseline-2008 until a numbered item list is imported under them).
 * - applicable = not marked not_applicable; unassessed capabilities count as not_achieved
 *   ("not assessed" in the UI).
 * - score = (achieved + 0.5 × partial) / applicable × 100, one decimal; null when nothing is applicable.
 * - gap = an applicable capability that is not achieved.
 */
import type { AssessmentStatus } from "./vocabulary";

export const STATUSES: readonly AssessmentStatus[] = ["achieved", "partial", "not_achieved", "not_applicable"] as const;

export const STATUS_LABELS: Record<AssessmentStatus | "not_assessed", string> = {
  achieved: "Achieved",
  partial: "Partial",
  not_achieved: "Not achieved",
  not_applicable: "Not applicable",
  not_assessed: "Not assessed",
};

export const HEADLINE_FRAMEWORK = "baseline-2008";

export interface CatalogNode {
  id: string;
  framework_id: string;
  parent_id: string | null;
  sort_order?: number;
}

/** Leaves of one framework's tree, in catalog order. A section with no children is not assessable. */
export function assessableCapabilities<T extends CatalogNode>(catalog: readonly T[], frameworkId: string): T[] {
  const inFramework = catalog.filter((c) => c.framework_id === frameworkId);
  const hasChild = new Set(inFramework.map((c) => c.parent_id).filter((p): p is string => p !== null));
  // A top-level node that was created as a section (has children) never counts; a top-level node
  // without children (COC-1, FCG-3) is itself assessable.
  return inFramework.filter((c) => !hasChild.has(c.id));
}

/** How many centers meet one capability (and how many have it as a gap) in one fiscal year. */
export interface CapabilityTrendPoint {
  fiscalYear: number;
  centers: number;
  meets: number;
  partial: number;
  notAchieved: number;
  notApplicable: number;
  notAssessed: number;
  gaps: number;
}

export interface ScoreResult {
  score: number | null;
  achieved: number;
  partial: number;
  notAchieved: number;
  notApplicable: number;
  notAssessed: number;
  applicable: number;
  total: number;
  /** Capability ids that are gaps, in the order given. */
  gaps: string[];
}

/** Rounds half away from zero to one decimal, avoiding float artefacts (e.g. 62.45 → 62.5). */
export function roundOneDecimal(value: number): number {
  return Math.round((value + Number.EPSILON) * 10) / 10;
}

/**
 * The Critical Operational and Enabling Capabilities (docs/domain.md §2.1): assessed each year beside
 * the baseline and reported as gaps like its areas, but not part of the baseline score.
 */
export const COC_EC_FRAMEWORK = "coc-ec";

/** The COC/EC group a capability id belongs to, for grouping its gaps the way area gaps are grouped. */
export function cocEcGroup(id: string): { id: "COC" | "EC"; title: string } {
  return id.startsWith("COC") ? { id: "COC", title: "Critical Operational Capabilities" } : { id: "EC", title: "Enabling Capabilities" };
}

/**
 * Gaps among the COC/EC leaves: those not achieved (partial, not achieved, or left unassessed in an
 * assessment that covers them). None when the year's assessment records no COC/EC row at all.
 */
export function cocEcGaps(leaves: readonly { id: string }[], statusOf: (capabilityId: string) => AssessmentStatus | undefined): string[] {
  if (!leaves.some((l) => statusOf(l.id) !== undefined)) return [];
  return computeScore(leaves, statusOf).gaps;
}

export function computeScore(
  assessable: readonly { id: string }[],
  statusOf: (capabilityId: string) => AssessmentStatus | undefined,
): ScoreResult {
  const r: ScoreResult = {
    score: null,
    achieved: 0,
    partial: 0,
    notAchieved: 0,
    notApplicable: 0,
    notAssessed: 0,
    applicable: 0,
    total: assessable.length,
    gaps: [],
  };
  for (const cap of assessable) {
    const status = statusOf(cap.id);
    if (status === "not_applicable") {
      r.notApplicable++;
      continue;
    }
    r.applicable++;
    if (status === "achieved") r.achieved++;
    else {
      if (status === "partial") r.partial++;
      else if (status === "not_achieved") r.notAchieved++;
      else r.notAssessed++;
      r.gaps.push(cap.id);
    }
  }
  if (r.applicable > 0) r.score = roundOneDecimal(((r.achieved + 0.5 * r.partial) / r.applicable) * 100);
  return r;
}

/** Convenience: score from a plain map of capability id → status. */
export function scoreFromMap(
  assessable: readonly { id: string }[],
  statuses: ReadonlyMap<string, AssessmentStatus> | Record<string, AssessmentStatus>,
): ScoreResult {
  const get =
    statuses instanceof Map
      ? (id: string) => statuses.get(id)
      : (id: string) => (statuses as Record<string, AssessmentStatus>)[id];
  return computeScore(assessable, get);
}

export type CenterYearStatus = { meetsBaseline: true; label: "meets baseline" } | { meetsBaseline: false; label: string };

/** "meets baseline" when there are no gaps, else "gaps: N". */
export function baselineStatus(result: ScoreResult): CenterYearStatus {
  return result.gaps.length === 0 ? { meetsBaseline: true, label: "meets baseline" } : { meetsBaseline: false, label: `gaps: ${result.gaps.length}` };
}

export function formatScore(score: number | null): string {
  return score === null ? "—" : score.toFixed(1);
}

/** Groups leaves by their area (the node right under the top section), for by-area scores and charts. */
export function areaOf(catalogById: ReadonlyMap<string, CatalogNode>, id: string): string {
  let node = catalogById.get(id);
  // Walk up until the parent is a top-level node (a section); a top-level leaf is its own area.
  while (node && node.parent_id) {
    const parent = catalogById.get(node.parent_id);
    if (!parent || parent.parent_id === null) return node.id;
    node = parent;
  }
  return id;
}

/** Score per area: each area's leaves scored with the same rule. */
export function scoresByArea(
  catalog: readonly CatalogNode[],
  frameworkId: string,
  statusOf: (capabilityId: string) => AssessmentStatus | undefined,
): Map<string, ScoreResult> {
  const byId = new Map(catalog.map((c) => [c.id, c]));
  const leaves = assessableCapabilities(catalog, frameworkId);
  const groups = new Map<string, { id: string }[]>();
  for (const leaf of leaves) {
    const area = areaOf(byId, leaf.id);
    if (!groups.has(area)) groups.set(area, []);
    groups.get(area)!.push(leaf);
  }
  const out = new Map<string, ScoreResult>();
  for (const [area, members] of groups) out.set(area, computeScore(members, statusOf));
  return out;
}
