import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { centerScope } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { FUNDING_SOURCES, SOURCE_LABELS } from "~/domain/grants";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { formatMoney, formatPercent, share } from "~/domain/money";
import { awardFilterOptions, awardsForUrl } from "~/models/awards.server";
import { ScrollTable } from "~/components/ScrollTable";
import { FilterSelect, codeNameChoices, sourceChoices, yearChoices } from "~/components/FilterSelect";

export const meta: MetaFunction = () => [{ title: "Grants — Baseline" }];

const PAGE_SIZE = 200;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "read" });
  const url = new URL(request.url);
  const page = Math.max(1, Number.parseInt(url.searchParams.get("page") ?? "1", 10) || 1);
  const db = getDb();
  const scope = centerScope(user);
  const [{ filter, rows, totals }, options] = await Promise.all([awardsForUrl(db, scope, url, oneFiscalYearOf(request)), awardFilterOptions(db, scope)]);
  return {
    filter,
    options,
    awards: rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE),
    count: rows.length,
    voided: rows.filter((r) => r.voided_at !== null).length,
    page,
    pages: Math.max(1, Math.ceil(rows.length / PAGE_SIZE)),
    totals,
    canCreate: user.role === "admin" || user.role === "director",
  };
}

export default function Awards() {
  const { filter, options, awards, count, voided, page, pages, totals, canCreate } = useLoaderData<typeof loader>();
  const filterParams = () => new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== ""));
  const pageLink = (p: number) => {
    const params = filterParams();
    params.set("page", String(p));
    return `/awards?${params}`;
  };
  const csvHref = `/awards.csv${filterParams().size ? `?${filterParams()}` : ""}`;
  return (
    <>
      <h1>Grants</h1>
      <p>
        <Link to="/prime-awards">Prime awards</Link>: the federal awards that centers hold sub-awards under.
      </p>
      {canCreate ? (
        <p className="actions">
          <Link to="/awards/new" className="button">
            Record an award
          </Link>
        </p>
      ) : null}
      <Form method="get" className="filters" aria-label="Filter awards">
        <FilterSelect label="Center" name="center" value={filter.center} all="All centers" choices={codeNameChoices(options.centers)} />
        <FilterSelect label="Program" name="program" value={filter.program} all="All programs" choices={codeNameChoices(options.programs)} />
        <FilterSelect label="Fiscal year" name="fy" value={filter.fy} all="All years" choices={yearChoices(options.years)} />
        <FilterSelect label="Agency" name="agency" value={filter.agency} all="All sources" choices={sourceChoices(FUNDING_SOURCES)} />
        <button type="submit">Filter</button>
      </Form>
      {count > 0 ? (
        <p className="actions">
          <a href={csvHref} className="button secondary" download>
            Download CSV
          </a>
          <span className="muted">every award matching these filters, all pages</span>
        </p>
      ) : null}

      {count === 0 ? (
        <p className="empty">No award matches these filters.</p>
      ) : (
        <ScrollTable>
          <caption>
            {count} award{count === 1 ? "" : "s"}
            {voided ? ` (${voided} voided, shown struck through and left out of the totals)` : ""}
            {pages > 1 ? ` — page ${page} of ${pages}` : ""}
          </caption>
          <thead>
            <tr>
              <th scope="col">FY</th>
              <th scope="col">Award</th>
              <th scope="col">Center</th>
              <th scope="col">Program</th>
              <th scope="col">Period of performance</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col" className="num">
                Budgeted
              </th>
              <th scope="col" className="num">
                Spent
              </th>
              <th scope="col" className="num">
                Unspent
              </th>
              <th scope="col" className="num">
                % spent
              </th>
            </tr>
          </thead>
          <tbody>
            {awards.map((a) => (
              <tr key={a.id} className={a.voided_at ? "voided" : undefined}>
                <td>FY{a.fiscal_year}</td>
                <td>
                  <Link to={`/awards/${encodeURIComponent(a.award_number)}`}>{a.award_number}</Link>
                  {a.voided_at ? <span className="muted"> (voided)</span> : null}
                </td>
                <td>
                  <Link to={`/centers/${encodeURIComponent(a.center_code)}`}>{a.center_code}</Link>
                </td>
                <td>
                  {a.program_code} <span className="muted">({SOURCE_LABELS[a.agency]})</span>
                </td>
                <td>
                  {a.pop_start} – {a.pop_end}
                </td>
                <td className="num">{formatMoney(a.amount_cents)}</td>
                <td className="num">{formatMoney(a.budgeted_cents)}</td>
                <td className="num">{formatMoney(a.spent_cents)}</td>
                <td className="num">{formatMoney(a.amount_cents - a.spent_cents)}</td>
                <td className="num">{formatPercent(share(a.spent_cents, a.amount_cents))}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={5}>
                Total of {totals.awards} live award{totals.awards === 1 ? "" : "s"}
                {pages > 1 ? " (all pages)" : ""}
              </th>
              <td className="num">{formatMoney(totals.amountCents)}</td>
              <td className="num">{formatMoney(totals.budgetedCents)}</td>
              <td className="num">{formatMoney(totals.spentCents)}</td>
              <td className="num">{formatMoney(totals.unspentCents)}</td>
              <td className="num">{formatPercent(share(totals.spentCents, totals.amountCents))}</td>
            </tr>
          </tfoot>
        </ScrollTable>
      )}
      {pages > 1 ? (
        <nav className="actions" aria-label="Pages">
          {page > 1 ? <Link to={pageLink(page - 1)}>← Previous</Link> : null}
          {page < pages ? <Link to={pageLink(page + 1)}>Next →</Link> : null}
        </nav>
      ) : null}
    </>
  );
}
