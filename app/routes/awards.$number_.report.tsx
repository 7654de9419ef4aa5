import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { notFound, requireUser } from "~/auth/guard.server";
import { requireAward } from "~/auth/award.server";
import { AuditTable } from "~/components/HistoryPanel";
import { GroupedBarChart } from "~/components/ReportCharts";
import { PALETTE } from "~/components/palette";
import { SeverityBadge } from "~/components/StatusBadge";
import { getDb } from "~/db.server";
import { formatAuditTime } from "~/domain/audit-diff";
import { todayIso } from "~/domain/dates";
import { COST_CATEGORY_LABELS, POETE_LABELS, SOURCE_LABELS } from "~/domain/grants";
import { formatMoney, formatMoneyShort, formatPercent } from "~/domain/money";
import { awardReport, findingsSummary } from "~/models/award-report.server";
import { BudgetLinesHead } from "~/components/BudgetLinesHead";
import { ScrollTable } from "~/components/ScrollTable";
import { StaticTbody } from "~/components/StaticRows";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Award report ${data?.award.award_number ?? ""} — Baseline` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  // The permission first (404/403), then the report, whose figures are remembered per committed state.
  const award = await requireAward(user, params.number, "read");
  const report = await awardReport(getDb(), award, todayIso());
  if (!report) throw notFound(`No award numbered ${params.number}`);
  // Computed here: a .server module's functions do not exist in the browser bundle.
  return { ...report, findingsText: findingsSummary(report) };
}

function PrintButton() {
  // Printing needs the browser's print dialog; without JavaScript the browser's own Print command does the same.
  return (
    <button type="button" className="secondary" onClick={() => window.print()}>
      Print
    </button>
  );
}

export default function AwardReportPage() {
  const r = useLoaderData<typeof loader>();
  const a = r.award;
  const f = r.figures;
  const base = `/awards/${encodeURIComponent(a.award_number)}`;
  return (
    <article className="award-report">
      <p className="muted no-print">
        <Link to="/awards">Grants</Link> › <Link to={base}>{a.award_number}</Link> › Report
      </p>
      <h1>Award report: {a.award_number}</h1>
      <p>
        {a.center_name} ({a.center_code === a.center_state ? a.center_code : `${a.center_code}, ${a.center_state}`}) · {a.program_code} — {a.program_name} · {SOURCE_LABELS[a.agency]}
        {a.federal === 1 ? " (federal)" : ""} · FY{a.fiscal_year}
      </p>
      <p className="muted">Prepared {r.asOf} from the live records; voided rows are listed struck through and left out of every total.</p>
      <div className="actions">
        <PrintButton />
        <a className="button secondary" href={`${base}/report.csv`} download>
          Download CSV
        </a>
        <a className="button secondary" href={`${base}/report.xlsx`} download>
          Download XLSX
        </a>
      </div>

      <section className="print-section" aria-labelledby="r-award">
        <h2 id="r-award">Award</h2>
        {a.voided_at ? (
          <p className="notice error">
            This award was voided on {a.voided_at.slice(0, 10)}: {a.void_reason}
          </p>
        ) : null}
        <ScrollTable className="report-figures">
          <tbody>
            <tr>
              <th scope="row">Period of performance</th>
              <td>
                {a.pop_start} to {a.pop_end} ({f.burn.elapsedDays} of {f.burn.totalDays} days elapsed, {f.burn.status})
              </td>
            </tr>
            <tr>
              <th scope="row">Award amount</th>
              <td className="num" data-figure="amount">
                {formatMoney(f.amountCents)}
              </td>
            </tr>
            <tr>
              <th scope="row">Budgeted</th>
              <td className="num" data-figure="budgeted">
                {formatMoney(f.budgetedCents)}
              </td>
            </tr>
            <tr>
              <th scope="row">Not yet budgeted</th>
              <td className="num">{formatMoney(f.unbudgetedCents)}</td>
            </tr>
            <tr>
              <th scope="row">Spent</th>
              <td className="num" data-figure="spent">
                {formatMoney(f.spentCents)} ({formatPercent(f.burn.spentShare)})
              </td>
            </tr>
            <tr>
              <th scope="row">Unspent</th>
              <td className="num">{formatMoney(f.unspentCents)}</td>
            </tr>
          </tbody>
        </ScrollTable>
      </section>

      <section className="print-section" aria-labelledby="r-lines">
        <h2 id="r-lines">Budget vs spent per line</h2>
        {r.lines.length === 0 ? (
          <p className="empty">This award has no budget lines.</p>
        ) : (
          <ScrollTable data-table="lines">
            <BudgetLinesHead />
            <tbody>
              {r.lines.map((l) => (
                <tr key={l.lineId} className={l.voided ? "voided" : undefined} title={l.voided ? `Voided: ${l.voidReason ?? ""}` : undefined}>
                  <td>{l.lineId}</td>
                  <td title={l.capabilityTitle ?? undefined}>{l.capabilityId ?? "—"}</td>
                  <td>{POETE_LABELS[l.poete]}</td>
                  <td>{COST_CATEGORY_LABELS[l.costCategory]}</td>
                  <td>
                    {l.description}
                    {l.voided ? <span className="muted"> (voided: {l.voidReason})</span> : null}
                  </td>
                  <td className="num">{formatMoney(l.budgetedCents)}</td>
                  <td className="num">{formatMoney(l.spentCents)}</td>
                  <td className="num">{formatMoney(l.remainingCents)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={5}>
                  Total ({r.lineTotals.lines} live lines)
                </th>
                <td className="num" data-total="lines-budgeted">
                  {formatMoney(r.lineTotals.budgetedCents)}
                </td>
                <td className="num" data-total="lines-spent">
                  {formatMoney(r.lineTotals.spentCents)}
                </td>
                <td className="num" data-total="lines-remaining">
                  {formatMoney(r.lineTotals.remainingCents)}
                </td>
              </tr>
            </tfoot>
          </ScrollTable>
        )}
      </section>

      <section className="print-section" aria-labelledby="r-poete">
        <h2 id="r-poete">Budget vs spent per POETE area</h2>
        {r.poete.length === 0 ? (
          <p className="empty">No live budget lines.</p>
        ) : (
          <ScrollTable data-table="poete">
            <thead>
              <tr>
                <th scope="col">POETE area</th>
                <th scope="col" className="num">
                  Lines
                </th>
                <th scope="col" className="num">
                  Budgeted
                </th>
                <th scope="col" className="num">
                  Spent
                </th>
                <th scope="col" className="num">
                  Remaining
                </th>
              </tr>
            </thead>
            <tbody>
              {r.poete.map((p) => (
                <tr key={p.poete}>
                  <td>{p.label}</td>
                  <td className="num">{p.lines}</td>
                  <td className="num">{formatMoney(p.budgetedCents)}</td>
                  <td className="num">{formatMoney(p.spentCents)}</td>
                  <td className="num">{formatMoney(p.remainingCents)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                <td className="num">{r.poeteTotals.lines}</td>
                <td className="num" data-total="poete-budgeted">
                  {formatMoney(r.poeteTotals.budgetedCents)}
                </td>
                <td className="num" data-total="poete-spent">
                  {formatMoney(r.poeteTotals.spentCents)}
                </td>
                <td className="num">{formatMoney(r.poeteTotals.remainingCents)}</td>
              </tr>
            </tfoot>
          </ScrollTable>
        )}
        {r.poete.length > 0 ? (
          <GroupedBarChart
            title="Budgeted and spent per POETE area"
            data={r.poete.map((p) => ({ area: p.label, budgeted: p.budgetedCents, spent: p.spentCents }))}
            categoryKey="area"
            series={[
              { key: "budgeted", label: "Budgeted", color: PALETTE[0] },
              { key: "spent", label: "Spent", color: PALETTE[1] },
            ]}
            format={formatMoneyShort}
            tooltipFormat={formatMoney}
            table={{
              columns: ["POETE area", "Budgeted", "Spent"],
              rows: r.poete.map((p) => [p.label, formatMoney(p.budgetedCents), formatMoney(p.spentCents)]),
              footer: ["Total", formatMoney(r.poeteTotals.budgetedCents), formatMoney(r.poeteTotals.spentCents)],
            }}
          />
        ) : null}
      </section>

      <section className="print-section" aria-labelledby="r-spending">
        <h2 id="r-spending">Spending</h2>
        {r.spending.length === 0 ? (
          <p className="empty">No spending recorded on this award.</p>
        ) : (
          <ScrollTable data-table="spending">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Payment</th>
                <th scope="col">Line</th>
                <th scope="col">Description</th>
                <th scope="col" className="num">
                  Amount
                </th>
              </tr>
            </thead>
            {/* Every payment (380 on the largest award): drawn once per distinct payments on the server, keyed by their hash (spendingKey). */}
            <StaticTbody memoKey={r.spendingKey}>
              {() => r.spending.map((s) => (
                <tr key={s.spendId} className={s.voided ? "voided" : undefined}>
                  <td>{s.date}</td>
                  <td>{s.spendId}</td>
                  <td>{s.lineId}</td>
                  <td>
                    {s.description}
                    {s.voided ? <span className="muted"> (voided: {s.voidReason})</span> : null}
                  </td>
                  <td className="num">{formatMoney(s.amountCents)}</td>
                </tr>
              ))}
            </StaticTbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={4}>
                  Total ({r.spendingTotals.payments} live payments)
                </th>
                <td className="num" data-total="spending">
                  {formatMoney(r.spendingTotals.amountCents)}
                </td>
              </tr>
            </tfoot>
          </ScrollTable>
        )}
      </section>

      <section className="print-section" aria-labelledby="r-findings">
        <h2 id="r-findings">Findings and responses</h2>
        {r.findings.length === 0 && r.noLongerApplies.length === 0 ? (
          <p className="empty">The compliance checks raise no finding on this award as of {r.asOf}.</p>
        ) : (
          <ScrollTable data-table="findings">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Severity</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Finding</th>
                <th scope="col">Center's response</th>
                <th scope="col">Disposition</th>
                <th scope="col">Auditor note</th>
              </tr>
            </thead>
            <tbody>
              {r.findings.map((x) => (
                <tr key={x.key}>
                  <td>{x.rule}</td>
                  <td>
                    <SeverityBadge severity={x.severity} />
                  </td>
                  <td className="num">{x.amountCents === null ? "—" : formatMoney(x.amountCents)}</td>
                  <td>{x.message}</td>
                  <td>{x.response?.response || <span className="muted">none yet</span>}</td>
                  <td>
                    {x.response?.disposition ?? "open"}
                    {x.response ? (
                      <div className="muted">
                        {x.response.updatedBy ?? "system"}, {formatAuditTime(x.response.updatedAt)}
                      </div>
                    ) : null}
                  </td>
                  <td>{x.response?.auditorNote || ""}</td>
                </tr>
              ))}
              {r.noLongerApplies.map((x) => (
                <tr key={x.key} className="muted">
                  <td>{x.rule}</td>
                  <td>{x.severity ?? ""}</td>
                  <td className="num">—</td>
                  <td>No longer applies (the response is kept)</td>
                  <td>{x.response}</td>
                  <td>{x.disposition}</td>
                  <td>{x.auditorNote}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={7}>
                  {r.findingsText}
                </th>
              </tr>
            </tfoot>
          </ScrollTable>
        )}
      </section>

      <section className="print-section" aria-labelledby="r-history">
        <h2 id="r-history">Audit history</h2>
        {r.history.length === 0 ? (
          <p className="empty">No recorded changes.</p>
        ) : (
          <AuditTable
            data-table="history"
            rows={r.history}
            showRecord
            footer={`${r.history.length} recorded change${r.history.length === 1 ? "" : "s"}`}
          />
        )}
      </section>
    </article>
  );
}
