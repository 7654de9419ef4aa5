/**
 * Reconciliation of centers' sub-awards with what USAspending publishes (docs/domain.md §3.7,
 * docs/decisions/018-prime-and-sub-awards.md). Pure: the page, its CSV and the `reconcile` command
 * all call `reconcile`.
 *
 * Matching is by prime award number (FAIN) and sub-award number; a USAspending row's center is found
 * through `subawardee_uei` = the center's UEI, and rows to subrecipients that are not centers are left
 * out. Only primes the USAspending snapshot covers are compared: a prime with no rows in it has not
 * been downloaded, which says nothing about its sub-awards.
 */
import { centsToDecimal } from "./money";

/**
 * First-tier sub-awards of $30,000 or more are reported to FSRS and published on USAspending
 * (2 CFR Part 170, FFATA; docs/domain.md §3.7 "Sub-award reporting"). Smaller ones are not expected there.
 */
export const SUBAWARD_REPORTING_THRESHOLD_CENTS = 30_000_00;

export const RECONCILE_STATUSES = ["matched", "amount_differs", "missing_in_baseline", "missing_in_usaspending", "below_threshold"] as const;
export type ReconcileStatus = (typeof RECONCILE_STATUSES)[number];

export interface BaselineSubAward {
  primeNumber: string;
  subawardNumber: string;
  centerCode: string;
  amountCents: number;
}

export interface UsaspendingSubAward {
  primeFain: string;
  subawardNumber: string;
  amountCents: number;
  actionDate: string;
  uei: string;
}

export interface ReconcileRow {
  status: ReconcileStatus;
  primeAward: string;
  subawardNumber: string;
  center: string;
  baselineCents: number | null;
  usaspendingCents: number | null;
  /** baseline − USAspending; null where a side is missing. */
  differenceCents: number | null;
}

const key = (prime: string, sub: string) => `${prime.trim().toUpperCase()}\u0000${sub.trim().toUpperCase()}`;

/**
 * One row per sub-award: where USAspending lists the same sub-award several times (amended later), the
 * latest action date stands; on the same date, the later row in the file.
 */
export function latestPerSubaward<R extends { primeFain: string; subawardNumber: string; actionDate: string }>(rows: Iterable<R>): R[] {
  const out = new Map<string, R>();
  for (const r of rows) {
    const k = key(r.primeFain, r.subawardNumber);
    const cur = out.get(k);
    if (!cur || r.actionDate >= cur.actionDate) out.set(k, r);
  }
  return [...out.values()];
}

export function reconcile(baseline: readonly BaselineSubAward[], usaspending: readonly UsaspendingSubAward[], centerByUei: ReadonlyMap<string, string>): ReconcileRow[] {
  const published = latestPerSubaward(usaspending);
  const covered = new Set(published.map((u) => u.primeFain.trim().toUpperCase()));
  const ours = new Map(baseline.map((b) => [key(b.primeNumber, b.subawardNumber), b]));
  const seen = new Set<string>();
  const rows: ReconcileRow[] = [];
  for (const u of published) {
    const k = key(u.primeFain, u.subawardNumber);
    const b = ours.get(k);
    const center = b?.centerCode ?? centerByUei.get(u.uei.trim().toUpperCase());
    // A subrecipient that is not a center (a county, a city's fire department): not ours to reconcile.
    if (center === undefined) continue;
    if (b) {
      seen.add(k);
      const difference = b.amountCents - u.amountCents;
      rows.push({
        status: difference === 0 ? "matched" : "amount_differs",
        primeAward: b.primeNumber,
        subawardNumber: b.subawardNumber,
        center,
        baselineCents: b.amountCents,
        usaspendingCents: u.amountCents,
        differenceCents: difference,
      });
    } else {
      rows.push({
        status: "missing_in_baseline",
        primeAward: u.primeFain,
        subawardNumber: u.subawardNumber,
        center,
        baselineCents: null,
        usaspendingCents: u.amountCents,
        differenceCents: null,
      });
    }
  }
  for (const b of baseline) {
    const k = key(b.primeNumber, b.subawardNumber);
    if (seen.has(k) || !covered.has(b.primeNumber.trim().toUpperCase())) continue;
    rows.push({
      status: b.amountCents >= SUBAWARD_REPORTING_THRESHOLD_CENTS ? "missing_in_usaspending" : "below_threshold",
      primeAward: b.primeNumber,
      subawardNumber: b.subawardNumber,
      center: b.centerCode,
      baselineCents: b.amountCents,
      usaspendingCents: null,
      differenceCents: null,
    });
  }
  return rows.sort((a, b) => cmp(a.primeAward, b.primeAward) || cmp(a.subawardNumber, b.subawardNumber) || cmp(a.center, b.center));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const RECONCILE_CSV_HEADER = ["status", "prime_award", "subaward_number", "center", "baseline_amount", "usaspending_amount", "difference"] as const;

type Cell = string | null | { raw: string };

/** Dollars with two decimals, written as a figure (a negative difference keeps its minus sign). */
const dollars = (cents: number | null): Cell => (cents === null ? null : { raw: centsToDecimal(cents) });

/** The CSV rows (header first), written by app/http/csv.server.ts toCsv; empty where a side is missing. */
export function reconcileCsvRows(rows: readonly ReconcileRow[]): Cell[][] {
  return [
    [...RECONCILE_CSV_HEADER],
    ...rows.map((r) => [r.status, r.primeAward, r.subawardNumber, r.center, dollars(r.baselineCents), dollars(r.usaspendingCents), dollars(r.differenceCents)]),
  ];
}

export const RECONCILE_STATUS_LABELS: Record<ReconcileStatus, string> = {
  matched: "Matched",
  amount_differs: "Amount differs",
  missing_in_baseline: "Missing in Baseline",
  missing_in_usaspending: "Missing in USAspending",
  below_threshold: "Below the $30,000 reporting threshold",
};
