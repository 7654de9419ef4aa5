/**
 * The auditor's award report: one award's header, budget vs spent per line and per
 * POETE area, spending, findings with their responses, and audit history. Assembled from the
 * grants model (awards.server.ts), the grants figures (app/domain/grants.ts) and the compliance
 * engine (findingsForAward), so the report shows exactly what the award page and findings show.
 * `reportSections` turns it into the tables the CSV and XLSX exports write. The figures (award,
 * lines, payments, the engine's findings) are remembered per committed state (memo.server.ts,
 * docs/decisions/031-center-page-and-award-report-memo.md); responses and audit history, which
 * data_version does not watch, are read on every call.
 */
import type { Kysely } from "kysely";
import type { CostCategory, Database, Poete } from "../../db/schema";
import { actionLabel, changesText, formatAuditTime } from "../domain/audit-diff";
import { awardFigures, byPoete, COST_CATEGORY_LABELS, POETE_LABELS, SOURCE_LABELS, type AwardFigures, type LineFact } from "../domain/grants";
import { historyOf } from "./audit.server";
import { awardHistory, awardLines, awardSpending, getAwardContext, type AwardWithContext } from "./awards.server";
import { awardFindingsWithResponses, evaluatedAwardFindings, type FindingView, type StaleResponse } from "./compliance.server";
import { AUDIT_ENTITY as RESPONSE_ENTITY } from "./findings.server";
import { memoized, rowsKey } from "./memo.server";

export interface ReportLine {
  lineId: string;
  capabilityId: string | null;
  capabilityTitle: string | null;
  poete: Poete;
  costCategory: CostCategory;
  description: string;
  budgetedCents: number;
  spentCents: number;
  remainingCents: number;
  voided: boolean;
  voidReason: string | null;
}

export interface ReportSpend {
  spendId: string;
  date: string;
  lineId: string;
  description: string;
  amountCents: number;
  voided: boolean;
  voidReason: string | null;
}

export interface Totals {
  budgetedCents: number;
  spentCents: number;
  remainingCents: number;
  lines: number;
}

export interface AwardReport {
  asOf: string;
  award: AwardWithContext;
  figures: AwardFigures;
  lines: ReportLine[];
  lineTotals: Totals;
  poete: Array<{ poete: Poete; label: string } & Totals>;
  poeteTotals: Totals;
  spending: ReportSpend[];
  /** Memo key of the spending table's rows (StaticRows.tsx): a hash of `spending`, computed once per memo entry. */
  spendingKey: string;
  spendingTotals: { payments: number; amountCents: number };
  findings: FindingView[];
  noLongerApplies: StaleResponse[];
  history: Awaited<ReturnType<typeof awardHistory>>;
}

function totalsOf(rows: readonly { budgetedCents: number; spentCents: number; voided?: boolean; lines?: number }[]): Totals {
  const t: Totals = { budgetedCents: 0, spentCents: 0, remainingCents: 0, lines: 0 };
  for (const r of rows) {
    if (r.voided) continue;
    t.budgetedCents += r.budgetedCents;
    t.spentCents += r.spentCents;
    t.lines += r.lines ?? 1;
  }
  t.remainingCents = t.budgetedCents - t.spentCents;
  return t;
}

/** Award reports remembered per committed state, apart from the whole-network entries (memo.server.ts). */
export const AWARD_REPORT_ENTRIES = 32;
/**
 * A report with more payments than this is computed per request rather than held: an entry grows with
 * its payments (a few hundred bytes each), and 32 entries must stay well inside the server's heap.
 * The national network's largest award has 380.
 */
export const AWARD_REPORT_MAX_KEPT_PAYMENTS = 2_000;

/** The figures of the report: read only from tables data_version watches (the award without its prime award's number). */
async function reportFigures(db: Kysely<Database>, awardId: number, asOf: string) {
  const award = await getAwardContext(db, awardId);
  if (!award) return null;
  const [lines, spending, found] = await Promise.all([awardLines(db, award.id), awardSpending(db, award.id), evaluatedAwardFindings(db, award.award_number, asOf)]);
  // As on the award page: a line's spent figure is the sum of the live payments listed under it.
  const liveSpent = new Map<number, number>();
  for (const s of spending) if (!s.voided_at) liveSpent.set(s.budget_line_id, (liveSpent.get(s.budget_line_id) ?? 0) + s.amount_cents);
  const reportLines: ReportLine[] = lines.map((l) => {
    const spent = liveSpent.get(l.id) ?? 0;
    return {
      lineId: l.line_id,
      capabilityId: l.capability_id,
      capabilityTitle: l.capability_title,
      poete: l.poete,
      costCategory: l.cost_category,
      description: l.description,
      budgetedCents: l.amount_cents,
      spentCents: spent,
      remainingCents: l.amount_cents - spent,
      voided: l.voided_at !== null,
      voidReason: l.void_reason,
    };
  });
  const facts: LineFact[] = reportLines.map((l) => ({
    amountCents: l.budgetedCents,
    spentCents: l.spentCents,
    capabilityId: l.capabilityId,
    poete: l.poete,
    costCategory: l.costCategory,
    voided: l.voided,
  }));
  const poete = byPoete(facts).map((p) => ({
    poete: p.poete,
    label: POETE_LABELS[p.poete],
    budgetedCents: p.budgetedCents,
    spentCents: p.spentCents,
    remainingCents: p.remainingCents,
    lines: p.lines,
  }));
  const reportSpending: ReportSpend[] = spending.map((s) => ({
    spendId: s.spend_id,
    date: s.date,
    lineId: s.line_id,
    description: s.description,
    amountCents: s.amount_cents,
    voided: s.voided_at !== null,
    voidReason: s.void_reason,
  }));
  const live = reportSpending.filter((s) => !s.voided);
  return {
    award,
    lineIds: lines.map((l) => l.id),
    figures: awardFigures({ amountCents: award.amount_cents, popStart: award.pop_start, popEnd: award.pop_end }, facts, asOf),
    lines: reportLines,
    lineTotals: totalsOf(reportLines),
    poete,
    poeteTotals: totalsOf(poete),
    spending: reportSpending,
    spendingKey: rowsKey("report-spending", reportSpending),
    spendingTotals: { payments: live.length, amountCents: live.reduce((s, r) => s + r.amountCents, 0) },
    found,
  };
}

/**
 * The report on `award` (as getAwardByNumber or requireAward read it: check the reader's permission
 * on it first), or null when the award is gone.
 */
export async function awardReport(db: Kysely<Database>, award: AwardWithContext, asOf: string): Promise<AwardReport | null> {
  const f = await memoized(db, "award-report", [award.id, asOf], () => reportFigures(db, award.id, asOf), {
    entries: AWARD_REPORT_ENTRIES,
    keep: (r) => r === null || r.spending.length <= AWARD_REPORT_MAX_KEPT_PAYMENTS,
  });
  if (!f) return null;
  const found = await awardFindingsWithResponses(db, f.found);
  const responseIds = [...found.findings.map((x) => x.response?.id), ...found.noLongerApplies.map((r) => r.id)].filter((id): id is number => typeof id === "number");
  const [history, responseHistory] = await Promise.all([awardHistory(db, award.id, f.lineIds), historyOf(db, RESPONSE_ENTITY, responseIds)]);
  return {
    asOf,
    // The prime award's number is read per request (prime_awards is not watched), the rest with the figures.
    award: { ...f.award, prime_award_number: award.prime_award_number },
    figures: f.figures,
    lines: f.lines,
    lineTotals: f.lineTotals,
    poete: f.poete,
    poeteTotals: f.poeteTotals,
    spending: f.spending,
    spendingKey: f.spendingKey,
    spendingTotals: f.spendingTotals,
    findings: found.findings,
    noLongerApplies: found.noLongerApplies,
    history: [...history, ...responseHistory].sort((a, b) => b.id - a.id),
  };
}

// ---------------------------------------------------------------------------------------------
// Sections for the CSV and XLSX exports
// ---------------------------------------------------------------------------------------------

export type SectionCell = string | number | null | { cents: number };

export interface ReportSection {
  /** Sheet name in the XLSX (≤ 31 characters) and section heading in the CSV. */
  title: string;
  columns: string[];
  rows: SectionCell[][];
  /** Totals row; null for sections without figures to add up. */
  footer: SectionCell[] | null;
}

const money = (cents: number): SectionCell => ({ cents });

/** "3 findings: 1 violation, 2 warnings" — the totals line of the findings table (page and exports). */
export function findingsSummary(r: Pick<AwardReport, "findings">): string {
  const n = r.findings.length;
  const v = r.findings.filter((x) => x.severity === "violation").length;
  const w = n - v;
  return `${n} finding${n === 1 ? "" : "s"}: ${v} violation${v === 1 ? "" : "s"}, ${w} warning${w === 1 ? "" : "s"}`;
}

/** The report's tables in page order. Voided rows are listed (marked) and left out of the totals, as on the page. */
export function reportSections(r: AwardReport): ReportSection[] {
  const a = r.award;
  const f = r.figures;
  return [
    {
      title: "Award",
      columns: ["Field", "Value"],
      rows: [
        ["Award number", a.award_number],
        ["Center", `${a.center_code} — ${a.center_name}`],
        ["State", a.center_state],
        ["Program", `${a.program_code} — ${a.program_name}`],
        ["Source", SOURCE_LABELS[a.agency]],
        ["Federal", a.federal === 1 ? "yes" : "no"],
        ["Fiscal year", a.fiscal_year],
        ["Period of performance", `${a.pop_start} to ${a.pop_end}`],
        ["Status", a.voided_at ? `voided ${a.voided_at.slice(0, 10)}: ${a.void_reason ?? ""}` : "live"],
        ["Award amount", money(f.amountCents)],
        ["Budgeted", money(f.budgetedCents)],
        ["Not yet budgeted", money(f.unbudgetedCents)],
        ["Spent", money(f.spentCents)],
        ["Unspent", money(f.unspentCents)],
        ["Period elapsed", `${f.burn.elapsedDays} of ${f.burn.totalDays} days (${f.burn.status}) as of ${r.asOf}`],
      ],
      footer: null,
    },
    {
      title: "Budget lines",
      columns: ["Line", "Capability", "POETE area", "Cost category", "Description", "Budgeted", "Spent", "Remaining", "Status"],
      rows: r.lines.map((l) => [
        l.lineId,
        l.capabilityId ?? "",
        POETE_LABELS[l.poete],
        COST_CATEGORY_LABELS[l.costCategory],
        l.description,
        money(l.budgetedCents),
        money(l.spentCents),
        money(l.remainingCents),
        l.voided ? `voided: ${l.voidReason ?? ""}` : "live",
      ]),
      footer: [`Total (${r.lineTotals.lines} live lines)`, "", "", "", "", money(r.lineTotals.budgetedCents), money(r.lineTotals.spentCents), money(r.lineTotals.remainingCents), ""],
    },
    {
      title: "POETE areas",
      columns: ["POETE area", "Lines", "Budgeted", "Spent", "Remaining"],
      rows: r.poete.map((p) => [p.label, p.lines, money(p.budgetedCents), money(p.spentCents), money(p.remainingCents)]),
      footer: ["Total", r.poeteTotals.lines, money(r.poeteTotals.budgetedCents), money(r.poeteTotals.spentCents), money(r.poeteTotals.remainingCents)],
    },
    {
      title: "Spending",
      columns: ["Date", "Payment", "Line", "Description", "Amount", "Status"],
      rows: r.spending.map((s) => [s.date, s.spendId, s.lineId, s.description, money(s.amountCents), s.voided ? `voided: ${s.voidReason ?? ""}` : "live"]),
      footer: [`Total (${r.spendingTotals.payments} live payments)`, "", "", "", money(r.spendingTotals.amountCents), ""],
    },
    {
      title: "Findings",
      columns: ["Rule", "Severity", "Fiscal year", "Amount", "Finding", "Response", "Disposition", "Auditor note", "Updated by", "Updated"],
      rows: [
        ...r.findings.map((x) => [
          x.rule,
          x.severity,
          x.fiscalYear,
          x.amountCents === null ? null : money(x.amountCents),
          x.message,
          x.response?.response ?? "",
          x.response?.disposition ?? "open",
          x.response?.auditorNote ?? "",
          x.response?.updatedBy ?? "",
          x.response?.updatedAt ?? "",
        ]),
        ...r.noLongerApplies.map((x) => [
          x.rule,
          x.severity ?? "",
          x.fiscalYear,
          null,
          "No longer applies (response kept)",
          x.response,
          x.disposition,
          x.auditorNote,
          x.updatedBy ?? "",
          x.updatedAt,
        ]),
      ],
      // Finding amounts mean different things (an excess, an unspent balance), so they are counted, not added.
      footer: [findingsSummary(r), "", "", "", "", "", "", "", "", ""],
    },
    {
      // Excel reserves the sheet name "History".
      title: "Audit history",
      columns: ["When", "Who", "Action", "Record", "What changed"],
      rows: r.history.map((h) => [
        formatAuditTime(h.at),
        h.username ?? "system",
        actionLabel(h.action),
        h.record,
        changesText(h.changes, !h.before_json),
      ]),
      footer: [`${r.history.length} recorded change${r.history.length === 1 ? "" : "s"}`, "", "", "", ""],
    },
  ];
}
