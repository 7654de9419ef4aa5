/**
 * Next-year plan projections. Pure and small enough to run in the browser: the plan page
 * recomputes these on every keystroke with JS, and the server computes the same on save without it.
 *
 * - A plan line gives money to a gap when it names the gap or one of the gap's items (I.A.1 → I.A).
 * - A gap is funded when the plan gives it anything, fully funded when it gives at least the gap's
 *   estimated cost to close (assessments.est_cost_cents). A gap with no estimate is never counted as
 *   fully funded: the plan cannot show it is enough.
 * - Projected score: the latest assessment with every fully funded gap turned to achieved, scored by
 *   scores.ts (the only definition of the score).
 */
import type { AssessmentStatus } from "./vocabulary";
import { share } from "./money";
import { cocEcGaps, computeScore } from "./scores";

export interface PlanProgram {
  code: string;
  federal: boolean;
}

export interface PlanFundingInput {
  programCode: string;
  amountCents: number;
}

export interface PlanLineInput {
  programCode: string;
  capabilityId: string | null;
  amountCents: number;
}

export interface PlanInput {
  programs: readonly PlanProgram[];
  funding: readonly PlanFundingInput[];
  lines: readonly PlanLineInput[];
  /** Assessable baseline leaves (scores.ts assessableCapabilities), in catalog order. */
  leaves: readonly { id: string }[];
  /** COC/EC capabilities: their gaps are planned for like the baseline's, outside the score. */
  cocEcLeaves?: readonly { id: string }[];
  /** Latest assessment: capability id → status. */
  statuses: ReadonlyMap<string, AssessmentStatus>;
  /** Estimated cost to close, per capability (latest assessment). */
  estCosts: ReadonlyMap<string, number | null>;
  /** Parent of each catalog node, so a line naming an item counts toward its area's gap. */
  parentOf: ReadonlyMap<string, string | null>;
}

export type GapState = "fully funded" | "partly funded" | "funded, no estimate" | "unfunded";

export interface GapProjection {
  capabilityId: string;
  /** Baseline gap, or a COC/EC gap (scores.ts cocEcGaps). */
  framework: "baseline" | "coc-ec";
  status: AssessmentStatus | undefined;
  estCostCents: number | null;
  plannedCents: number;
  /** estimate − planned when the plan gives less than the estimate; 0 otherwise or without an estimate. */
  shortfallCents: number;
  state: GapState;
}

export interface ProgramProjection {
  programCode: string;
  federal: boolean;
  expectedCents: number;
  assignedCents: number;
  /** expected − assigned; negative when the plan spends more than the program is expected to bring. */
  unassignedCents: number;
}

export interface PlanProjection {
  expectedCents: number;
  assignedCents: number;
  unassignedCents: number;
  programs: ProgramProjection[];
  gaps: GapProjection[];
  gapsFunded: number;
  gapsFullyFunded: number;
  gapsUnfunded: number;
  /** Plan money on lines that give to a gap, and on everything else (other needs). */
  toGapsCents: number;
  otherNeedsCents: number;
  federalExpectedCents: number;
  federalToGapsCents: number;
  /** federalToGaps ÷ max(federal expected, federal assigned): assigned beyond the estimate cannot push it over 100%. */
  federalShareToGaps: number;
  currentScore: number | null;
  projectedScore: number | null;
}

/** The gap (if any) a line's capability gives to: itself or its nearest ancestor that is a gap. */
export function gapOfLine(capabilityId: string | null, gaps: ReadonlySet<string>, parentOf: ReadonlyMap<string, string | null>): string | null {
  const seen = new Set<string>();
  for (let cur: string | null | undefined = capabilityId; cur && !seen.has(cur); cur = parentOf.get(cur)) {
    if (gaps.has(cur)) return cur;
    seen.add(cur);
  }
  return null;
}

export function projectPlan(input: PlanInput): PlanProjection {
  const federal = new Map(input.programs.map((p) => [p.code, p.federal]));
  const current = computeScore(input.leaves, (id) => input.statuses.get(id));
  const cocEc = cocEcGaps(input.cocEcLeaves ?? [], (id) => input.statuses.get(id));
  const gapIds = new Set([...current.gaps, ...cocEc]);

  const programs = new Map<string, ProgramProjection>();
  const programRow = (code: string) => {
    let row = programs.get(code);
    if (!row) {
      row = { programCode: code, federal: federal.get(code) ?? false, expectedCents: 0, assignedCents: 0, unassignedCents: 0 };
      programs.set(code, row);
    }
    return row;
  };
  for (const p of input.programs) programRow(p.code);
  for (const f of input.funding) programRow(f.programCode).expectedCents += f.amountCents;

  const planned = new Map<string, number>();
  let toGapsCents = 0;
  let otherNeedsCents = 0;
  let federalToGapsCents = 0;
  for (const line of input.lines) {
    const row = programRow(line.programCode);
    row.assignedCents += line.amountCents;
    const gap = gapOfLine(line.capabilityId, gapIds, input.parentOf);
    if (gap === null) {
      otherNeedsCents += line.amountCents;
      continue;
    }
    planned.set(gap, (planned.get(gap) ?? 0) + line.amountCents);
    toGapsCents += line.amountCents;
    if (row.federal) federalToGapsCents += line.amountCents;
  }

  const programRows = [...programs.values()];
  for (const row of programRows) row.unassignedCents = row.expectedCents - row.assignedCents;
  const expectedCents = programRows.reduce((s, r) => s + r.expectedCents, 0);
  const assignedCents = programRows.reduce((s, r) => s + r.assignedCents, 0);
  const federalExpectedCents = programRows.filter((r) => r.federal).reduce((s, r) => s + r.expectedCents, 0);
  const federalAssignedCents = programRows.filter((r) => r.federal).reduce((s, r) => s + r.assignedCents, 0);

  const cocEcIds = new Set(cocEc);
  const gaps: GapProjection[] = [...current.gaps, ...cocEc].map((id) => {
    const plannedCents = planned.get(id) ?? 0;
    const est = input.estCosts.get(id) ?? null;
    let state: GapState;
    if (plannedCents === 0) state = "unfunded";
    else if (est === null) state = "funded, no estimate";
    else state = plannedCents >= est ? "fully funded" : "partly funded";
    const shortfallCents = est !== null && plannedCents < est ? est - plannedCents : 0;
    return { capabilityId: id, framework: cocEcIds.has(id) ? "coc-ec" : "baseline", status: input.statuses.get(id), estCostCents: est, plannedCents, shortfallCents, state };
  });

  const fullyFunded = new Set(gaps.filter((g) => g.state === "fully funded").map((g) => g.capabilityId));
  const projected = computeScore(input.leaves, (id) => (fullyFunded.has(id) ? "achieved" : input.statuses.get(id)));

  return {
    expectedCents,
    assignedCents,
    unassignedCents: expectedCents - assignedCents,
    programs: programRows,
    gaps,
    gapsFunded: gaps.filter((g) => g.state !== "unfunded").length,
    gapsFullyFunded: fullyFunded.size,
    gapsUnfunded: gaps.filter((g) => g.state === "unfunded").length,
    toGapsCents,
    otherNeedsCents,
    federalExpectedCents,
    federalToGapsCents,
    federalShareToGaps: share(federalToGapsCents, Math.max(federalExpectedCents, federalAssignedCents)),
    currentScore: current.score,
    projectedScore: projected.score,
  };
}
