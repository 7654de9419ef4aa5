import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { requireCenter } from "~/auth/center.server";
import { allows } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { formatMoney } from "~/domain/money";
import { assessableCapabilities, baselineStatus, computeScore, formatScore, HEADLINE_FRAMEWORK } from "~/domain/scores";
import { assessmentYears, centerGapView, statusesFor } from "~/models/assessments.server";
import { getReview, reviewLabel } from "~/models/assessment-reviews.server";
import { CenterGaps } from "~/components/CenterGaps";
import { listCapabilities } from "~/models/catalog.server";
import { centerAwardTotalsByYear } from "~/models/centers.server";
import { CompliancePanel } from "~/components/CompliancePanel";
import { StatusBadge } from "~/components/StatusBadge";
import { centerYearStatus, complianceStatus } from "~/domain/compliance";
import { todayIso } from "~/domain/dates";
import { findingsForCenter } from "~/models/compliance.server";
import { FundingBySourceChart } from "~/components/FundingCharts";
import { currentFiscalYear } from "~/domain/dates";
import { suggestedPlanYear } from "~/domain/fiscal-year";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { defaultFiscalYear } from "~/models/years.server";
import { centerAwards, centerFundingBySource } from "~/models/awards.server";
import { ScrollTable } from "~/components/ScrollTable";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.center.name ?? "Center"} — Baseline` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = getDb();
  const center = await requireCenter(user, params.code, "read");
  const [totals, awards, years, catalog] = await Promise.all([
    centerAwardTotalsByYear(db, center.id),
    centerAwards(db, center.id),
    assessmentYears(db, center.id),
    listCapabilities(db),
  ]);
  const latestYear = years[0] ?? null;
  let latest = null;
  if (latestYear !== null) {
    const statuses = await statusesFor(db, center.id, latestYear);
    const result = computeScore(assessableCapabilities(catalog, HEADLINE_FRAMEWORK), (id) => statuses.get(id));
    latest = { fiscalYear: latestYear, ...result, status: baselineStatus(result).label };
  }
  // Gaps of ?fy= or the latest assessed year; sign-off text beside the score.
  const gapYear = oneFiscalYearOf(request) ?? latestYear;
  const [gapView, latestReview] = await Promise.all([
    centerGapView(db, center.id, gapYear),
    latestYear !== null ? getReview(db, center.id, latestYear) : null,
  ]);
  // Compliance for the default year (app/models/years.server.ts), as of today.
  const complianceYear = (await defaultFiscalYear(db, [center.id]))?.fiscalYear ?? null;
  let compliance = null;
  if (complianceYear !== null) {
    const asOf = todayIso();
    const { findings } = await findingsForCenter(db, center.id, { asOf, fiscalYear: complianceYear });
    compliance = { fiscalYear: complianceYear, asOf, findings, status: centerYearStatus(complianceStatus(findings), years.includes(complianceYear)) };
  }
  // Funding by source and the next fiscal year's plan link.
  const fundingBySource = await centerFundingBySource(db, center.id);
  const planYear = suggestedPlanYear(totals[0]?.fiscal_year ?? null, currentFiscalYear());
  return { center, totals, awards, latest, latestReviewText: reviewLabel(latestReview), gapView, compliance, fundingBySource, planYear, canEdit: allows(user, { can: "edit", center }) };
}

export default function CenterPage() {
  const { center, totals, awards, latest, latestReviewText, gapView, compliance, fundingBySource, planYear } = useLoaderData<typeof loader>();
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

      <CenterGaps code={center.code} view={gapView} />

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
            <tbody>
              {awards.map((a) => (
                <tr key={a.id} className={a.voided_at ? "voided" : undefined}>
                  <td>FY{a.fiscal_year}</td>
                  <td>
                    <Link to={`/awards/${encodeURIComponent(a.award_number)}`}>{a.award_number}</Link>
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
            </tbody>
          </ScrollTable>
        )}
      </section>
    </>
  );
}
