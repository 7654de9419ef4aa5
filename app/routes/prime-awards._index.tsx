import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { getDb } from "~/db.server";
import { formatMoney } from "~/domain/money";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { listPrimeAwards } from "~/models/prime-awards.server";
import { ScrollTable } from "~/components/ScrollTable";
import { FilterSelect, yearChoices } from "~/components/FilterSelect";

export const meta: MetaFunction = () => [{ title: "Prime awards — Baseline" }];

/**
 * Prime awards (docs/decisions/018-prime-and-sub-awards.md): the federal awards centers hold sub-awards
 * under. Scoped in the model: administrators and auditors see all, state officials their states'
 * primes, directors the primes their center holds sub-awards under.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const url = new URL(request.url);
  const fiscalYear = oneFiscalYearOf(request);
  const stateText = (url.searchParams.get("state") ?? "").trim().toUpperCase();
  const state = /^[A-Z]{2}$/.test(stateText) ? stateText : undefined;
  const all = await listPrimeAwards(getDb(), user);
  const rows = all.filter((r) => (!fiscalYear || r.fiscal_year === fiscalYear) && (!state || r.state === state));
  return {
    filter: { fy: fiscalYear ? String(fiscalYear) : "", state: state ?? "" },
    years: [...new Set(all.map((r) => r.fiscal_year))],
    states: [...new Set(all.map((r) => r.state))].sort(),
    primes: rows.slice(0, 500),
    count: rows.length,
  };
}

export default function PrimeAwards() {
  const { filter, years, states, primes, count } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="muted">
        <Link to="/awards">Grants</Link> › Prime awards
      </p>
      <h1>Prime awards</h1>
      <p>
        A prime award is the federal award to a recipient, usually the State Administrative Agency, which passes shares on to centers' agencies as
        sub-awards. A prime is not a center's money: centers' totals and rules count their own sub-awards only.
      </p>
      <Form method="get" className="filters" aria-label="Filter prime awards">
        <FilterSelect label="State" name="state" value={filter.state} all="All states" choices={states} />
        <FilterSelect label="Fiscal year" name="fy" value={filter.fy} all="All years" choices={yearChoices(years)} />
        <button type="submit">Filter</button>
      </Form>
      {count === 0 ? (
        <p className="empty">No prime award to show.</p>
      ) : (
        <ScrollTable>
          <caption>
            {count} prime award{count === 1 ? "" : "s"}
            {count > primes.length ? ` (the first ${primes.length} shown; filter by state or year)` : ""}
          </caption>
          <thead>
            <tr>
              <th scope="col">FY</th>
              <th scope="col">Prime award (FAIN)</th>
              <th scope="col">Recipient</th>
              <th scope="col">State</th>
              <th scope="col">Programs</th>
              <th scope="col">Period of performance</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col" className="num">
                To centers
              </th>
              <th scope="col" className="num">
                Other subrecipients or not yet allocated
              </th>
            </tr>
          </thead>
          <tbody>
            {primes.map((p) => (
              <tr key={p.award_number}>
                <td>{p.fiscal_year}</td>
                <td>
                  <Link to={`/prime-awards/${encodeURIComponent(p.award_number)}`}>{p.award_number}</Link>
                </td>
                <td>{p.recipient}</td>
                <td>{p.state}</td>
                <td>{p.programs.join(", ")}</td>
                <td>
                  {p.pop_start} to {p.pop_end}
                </td>
                <td className="num">{formatMoney(p.amount_cents)}</td>
                <td className="num">
                  {formatMoney(p.allocated_cents)} ({p.sub_awards})
                </td>
                <td className="num">{formatMoney(p.amount_cents - p.allocated_cents)}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </>
  );
}
