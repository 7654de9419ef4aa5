/**
 * Cost share (local match) arithmetic, in integer cents (COPS 25% local match, docs/domain.md §3.4).
 *
 * Two readings of "a 25% match" exist:
 * - percent of the award (`requiredMatchCents`): match ≥ pct × federal award. This is the reading the rule
 *   uses ("provided match below the required share of the award") and the app's default,
 *   e.g. to fill awards.match_required_cents.
 * - percent of the total project cost (`requiredMatchOfTotalCostCents`): federal pays ≤ (100 − pct)% and
 *   the local share is ≥ pct% of federal + local. This is how COPS states its rule (up to 75% federal,
 *   at least 25% local, docs/domain.md §3.4) and asks for more: on a $75,000 award it is $25,000, not $18,750.
 * Both round up to the next cent, so a fraction of a cent is never forgiven.
 */

export interface MatchLine {
  amountCents: number;
  kind?: "cash" | "in_kind";
  voided?: boolean;
}

function checkCents(name: string, cents: number): void {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`${name} must be a whole, non-negative number of cents`);
}

function checkPct(pct: number): void {
  // programs.match_pct is an integer 0..100 (CHECK in migrations/0001).
  if (!Number.isInteger(pct) || pct < 0 || pct > 100) throw new RangeError("Match percent must be a whole number from 0 to 100");
}

/** ceil(a / b) for non-negative BigInts; exact where a float product could exceed 2^53. */
function ceilDiv(a: bigint, b: bigint): number {
  return Number((a + b - 1n) / b);
}

/** Required match as pct% of the award amount: ceil(amount × pct / 100). A null percent means no match. */
export function requiredMatchCents(awardAmountCents: number, matchPct: number | null): number {
  checkCents("Award amount", awardAmountCents);
  if (matchPct === null) return 0;
  checkPct(matchPct);
  return ceilDiv(BigInt(awardAmountCents) * BigInt(matchPct), 100n);
}

/**
 * Required match when pct% is a share of the total project cost (federal + match):
 * ceil(federal × pct / (100 − pct)). Not defined for 100% (there would be no federal share).
 */
export function requiredMatchOfTotalCostCents(federalCents: number, matchPct: number | null): number {
  checkCents("Federal amount", federalCents);
  if (matchPct === null) return 0;
  checkPct(matchPct);
  if (matchPct === 100) throw new RangeError("A 100% match of total cost leaves no federal share");
  return ceilDiv(BigInt(federalCents) * BigInt(matchPct), BigInt(100 - matchPct));
}

/**
 * Match provided so far: cash plus in-kind, voided lines excluded. `cashOnly` counts cash alone,
 * for programs whose match must be cash (COPS asks for a local *cash* match, docs/domain.md §3.4).
 */
export function matchProvidedCents(lines: readonly MatchLine[], opts: { cashOnly?: boolean } = {}): number {
  let total = 0;
  for (const line of lines) {
    if (line.voided) continue;
    if (opts.cashOnly && line.kind !== "cash") continue;
    checkCents("Match amount", line.amountCents);
    total += line.amountCents;
  }
  return total;
}

/** How much match is still missing (0 once met or exceeded). */
export function matchShortfallCents(
  requiredCents: number,
  providedLines: readonly MatchLine[],
  opts: { cashOnly?: boolean } = {},
): number {
  checkCents("Required match", requiredCents);
  return Math.max(0, requiredCents - matchProvidedCents(providedLines, opts));
}
