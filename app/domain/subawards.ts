/**
 * Prime awards and sub-awards (docs/domain.md §3.7, docs/decisions/018-prime-and-sub-awards.md). Pure:
 * the award form, the award models and the import handlers all call these, so a sub-award is judged
 * the same way whichever path brings it. A center's figures always use its own award (the share);
 * a prime is only the ceiling its sub-awards must fit under.
 */
import { formatMoney } from "./money";

export interface PrimeFacts {
  awardNumber: string;
  programs: readonly string[];
  amountCents: number;
  popStart: string;
  popEnd: string;
}

export interface SubAwardFacts {
  programCode: string;
  amountCents: number;
  popStart: string;
  popEnd: string;
}

export type SubAwardField = "program" | "popStart" | "popEnd" | "amount";

export interface SubAwardProblem {
  field: SubAwardField;
  message: string;
}

/** "Sub-awards of EMW-2023-SS-00012 would total $X of $Y; $Z over", or null when they fit. */
export function overAllocationMessage(primeNumber: string, totalCents: number, primeCents: number): string | null {
  if (totalCents <= primeCents) return null;
  return `Sub-awards of ${primeNumber} would total ${formatMoney(totalCents)} of ${formatMoney(primeCents)}; ${formatMoney(totalCents - primeCents)} over`;
}

/**
 * Problems of one sub-award against its prime: its program must be one the prime funds, its period
 * must lie within the prime's, and the live sub-awards of the prime (`othersCents`: every other live
 * sub-award, this one left out) plus this one must not add up to more than the prime.
 */
export function subAwardProblems(sub: SubAwardFacts, prime: PrimeFacts, othersCents: number): SubAwardProblem[] {
  const problems: SubAwardProblem[] = [];
  if (!prime.programs.includes(sub.programCode)) {
    problems.push({
      field: "program",
      message: `Prime award ${prime.awardNumber} funds ${prime.programs.join(", ") || "no program"}, not ${sub.programCode}`,
    });
  }
  if (sub.popStart < prime.popStart) {
    problems.push({
      field: "popStart",
      message: `The sub-award starts ${sub.popStart}, before prime award ${prime.awardNumber}'s period (${prime.popStart} to ${prime.popEnd})`,
    });
  }
  if (sub.popEnd > prime.popEnd) {
    problems.push({
      field: "popEnd",
      message: `The sub-award ends ${sub.popEnd}, after prime award ${prime.awardNumber}'s period (${prime.popStart} to ${prime.popEnd})`,
    });
  }
  const over = overAllocationMessage(prime.awardNumber, othersCents + sub.amountCents, prime.amountCents);
  if (over) problems.push({ field: "amount", message: over });
  return problems;
}

/** A SAM Unique Entity ID: 12 characters, capital letters (no O or I) and digits, not starting with 0. */
const UEI_RE = /^[A-HJ-NP-Z1-9][A-HJ-NP-Z0-9]{11}$/;

/** Normalises and checks a UEI as typed; empty text is "no UEI" (null). */
export function parseUei(input: string): { ok: true; uei: string | null } | { ok: false; error: string } {
  const text = input.trim().toUpperCase();
  if (text === "") return { ok: true, uei: null };
  if (text.length !== 12) return { ok: false, error: `"${input.trim().slice(0, 40)}" is not a UEI: a SAM Unique Entity ID has 12 characters (it has ${text.length})` };
  if (!UEI_RE.test(text)) {
    return { ok: false, error: `"${text}" is not a UEI: use capital letters (no O or I) and digits, not starting with 0` };
  }
  return { ok: true, uei: text };
}

export interface PrimeAllocation {
  primeCents: number;
  /** Live sub-awards by center, largest first. */
  byCenter: Array<{ centerCode: string; centerName: string; awards: number; amountCents: number }>;
  allocatedCents: number;
  /** Other subrecipients or not yet allocated. */
  remainderCents: number;
}

/** A prime's live sub-awards grouped by center, and the rest of the prime. Voided sub-awards do not count. */
export function primeAllocation(
  primeCents: number,
  subAwards: readonly { centerCode: string; centerName: string; amountCents: number; voided: boolean }[],
): PrimeAllocation {
  const map = new Map<string, { centerCode: string; centerName: string; awards: number; amountCents: number }>();
  let allocatedCents = 0;
  for (const s of subAwards) {
    if (s.voided) continue;
    const row = map.get(s.centerCode) ?? { centerCode: s.centerCode, centerName: s.centerName, awards: 0, amountCents: 0 };
    row.awards++;
    row.amountCents += s.amountCents;
    allocatedCents += s.amountCents;
    map.set(s.centerCode, row);
  }
  const byCenter = [...map.values()].sort((a, b) => b.amountCents - a.amountCents || (a.centerCode < b.centerCode ? -1 : 1));
  return { primeCents, byCenter, allocatedCents, remainderCents: primeCents - allocatedCents };
}
