import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { requireCenter } from "~/auth/center.server";
import { allows } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { formatMoney } from "~/domain/money";
import { formatScore } from "~/domain/scores";
import { CenterGaps } from "~/components/CenterGaps";
import { CompliancePanel } from "~/components/CompliancePanel";
import { StatusBadge } from "~/components/StatusBadge";
import { todayIso } from "~/domain/dates";
import { FundingBySourceChart } from "~/components/FundingCharts";
import { currentFiscalYear } from "~/domain/dates";
import { suggestedPlanYear } from "~/domain/fiscal-year";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { centerPage } from "~/models/center-page.server";
import { ScrollTable } from "~/components/ScrollTable";
import { StaticTbody } from "~/components/StaticRows";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.center.name ?? "Center"} — Baseline` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const center = await requireCenter(user, params.code, "read");
  // Figures remembered per committed state (docs/decisions/031-center-page-and-award-report-memo.md), after the permission check.
  const page = await centerPage(getDb(), center.id, { gapYear: oneFiscalYearOf(request) ?? null, asOf: todayIso() });
  // The next fiscal year's plan link.
  const planYear = suggestedPlanYear(page.totals[0]?.fiscal_year ?? null, currentFiscalYear());
  return { center, ...page, planYear, canEdit: allows(user, { can: "edit", center }) };
}

export default function CenterPage() {
  const { center, totals, awards, awardsKey, gapsKey, latest, latestReviewText, gapView, compliance, fundingBySource, planYear } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="muted">
        <Link to="/centers">Centers</Link> › {center.code}
      </p>
      <h1>{center.name}</h1>
      <p>
        {center.kind === "state" ? "Primary (statewide) fusion center" : "Recognized (urban area) fusion center"} · {center.state} · code{" "}
        <code>{center.code}</code>
      </p>

      <section className="panel" aria-labelledby="latest-assessment">
        <h2 id="latest-assessment">Latest assessment</h2>
        {latest ? (
          <p>
            FY{latest.fiscalYear}: baseline score <strong>{formatScore(latest.score)}</strong> ({latest.achieved} achieved, {latest.partial} partial,{" "}
            {latest.notAchieved} not achieved, {latest.notAssessed} not assessed, {latest.notApplicable} not applicable) — <strong>{latest.status}</strong>
            {latestReviewText ? <span className="badge green" style={{ marginLeft: 8 }}>{latestReviewText}</span> : null}{" "}
            <Link to={`/centers/${encodeURIComponent(center.code)}/assessments`}>All assessments</Link>
          </p>
        ) : (
          <p className="empty">This center has no assessment yet.</p>
        )}
        {compliance ? (
          <p>
            <StatusBadge status={compliance.status} fiscalYear={compliance.fiscalYear} />
          </p>
        ) : null}
      </section>

      <CenterGaps code={center.code} view={gapView} rowsKey={gapsKey} />

      {compliance ? (
        <CompliancePanel
          findings={compliance.findings}
          subtitle={`FY${compliance.fiscalYear} center-year findings and findings on FY${compliance.fiscalYear} awards, as of ${compliance.asOf}.`}
          reportHref={`/reports/findings?center=${encodeURIComponent(center.code)}&fy=${compliance.fiscalYear}`}
        />
      ) : null}

      <section aria-labelledby="funding-plan">
        <h2 id="funding-plan">Funding by source</h2>
        <p>
          <Link to={`/centers/${encodeURIComponent(center.code)}/plan/${planYear}`}>FY{planYear} budget plan</Link>
        </p>
        {fundingBySource.length ? <FundingBySourceChart rows={fundingBySource} /> : null}
      </section>

      <section aria-labelledby="funding-by-year">
        <h2 id="funding-by-year">Awards by fiscal year</h2>
        {totals.length === 0 ? (
          <p className="empty">This center has no awards.</p>
        ) : (
          <ScrollTable>
            <thead>
              <tr>
                <th>Fiscal year</th>
                <th className="num">Awards</th>
                <th className="num">Total</th>
                <th className="num">Federal</th>
                <th className="num">Budgeted</th>
                <th className="num">Spent</th>
              </tr>
            </thead>
            <tbody>
              {totals.map((t) => (
                <tr key={t.fiscal_year}>
                  <td>FY{t.fiscal_year}</td>
                  <td className="num">{t.awards}</td>
                  <td className="num">{formatMoney(t.amount_cents)}</td>
                  <td className="num">{formatMoney(t.federal_cents)}</td>
                  <td className="num">{formatMoney(t.budgeted_cents)}</td>
                  <td className="num">{formatMoney(t.spent_cents)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th>All years</th>
                <td className="num">{totals.reduce((s, t) => s + t.awards, 0)}</td>
                <td className="num">{formatMoney(totals.reduce((s, t) => s + t.amount_cents, 0))}</td>
                <td className="num">{formatMoney(totals.reduce((s, t) => s + t.federal_cents, 0))}</td>
                <td className="num">{formatMoney(totals.reduce((s, t) => s + t.budgeted_cents, 0))}</td>
                <td className="num">{formatMoney(totals.reduce((s, t) => s + t.spent_cents, 0))}</td>
              </tr>
            </tfoot>
          </ScrollTable>
        )}
      </section>

      <section aria-labelledby="awards">
        <h2 id="awards">Awards</h2>
        {awards.length ? (
          <p className="actions">
            <a href={`/awards.csv?center=${encodeURIComponent(center.code)}`} className="button secondary" download>
              Download CSV
            </a>
            <Link to={`/awards?center=${encodeURIComponent(center.code)}`}>Open in the grant list</Link>
          </p>
        ) : null}
        {awards.length === 0 ? (
          <p className="empty">No awards recorded.</p>
        ) : (
          <ScrollTable>
            <thead>
              <tr>
                <th>FY</th>
                <th>Award</th>
                <th>Program</th>
                <th>Period of performance</th>
                <th className="num">Amount</th>
                <th className="num">Spent</th>
              </tr>
            </thead>
            {/* Drawn once per distinct awards on the server (awardsKey is their hash): 70+ rows of Remix Links were most of the page's render. */}
            <StaticTbody memoKey={awardsKey}>
              {() => awards.map((a) => (
                <tr key={a.id} className={a.voided_at ? "voided" : undefined}>
                  <td>FY{a.fiscal_year}</td>
                  <td>
                    {/* A plain anchor: rows drawn once have no router (docs/decisions/030-per-center-memo.md). */}
                    <a href={`/awards/${encodeURIComponent(a.award_number)}`}>{a.award_number}</a>
                  </td>
                  <td>
                    {a.program_code} <span className="muted">({a.agency})</span>
                  </td>
                  <td>
                    {a.pop_start} – {a.pop_end}
                  </td>
                  <td className="num">{formatMoney(a.amount_cents)}</td>
                  <td className="num">{formatMoney(a.spent_cents)}</td>
                </tr>
              ))}
            </StaticTbody>
          </ScrollTable>
        )}
      </section>
    </>
  );
}
