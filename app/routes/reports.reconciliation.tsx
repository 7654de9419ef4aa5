import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { centerScope } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { formatMoney } from "~/domain/money";
import { RECONCILE_STATUS_LABELS, RECONCILE_STATUSES, SUBAWARD_REPORTING_THRESHOLD_CENTS } from "~/domain/reconcile";
import { reconcileAccess, reconcileFilter } from "~/models/reconcile-page.server";
import { reconciliation } from "~/models/reconcile.server";

export const meta: MetaFunction = () => [{ title: "Reconciliation with USAspending — Baseline" }];

/**
 * Centers' sub-awards against the USAspending sub-award snapshot (docs/decisions/018): auditors and
 * administrators see every center, state officials their states'. The CSV link gives the same rows.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  reconcileAccess(user);
  const url = new URL(request.url);
  const filter = reconcileFilter(url.searchParams);
  const { rows, snapshot } = await reconciliation(getDb(), centerScope(user), filter);
  const counts = Object.fromEntries(RECONCILE_STATUSES.map((s) => [s, rows.filter((r) => r.status === s).length]));
  return { rows, snapshot, counts, filter: { year: filter.fiscalYear ? String(filter.fiscalYear) : "", center: filter.centerCode ?? "" }, query: url.search };
}

export default function Reconciliation() {
  const { rows, snapshot, counts, filter, query } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="muted">
        <Link to="/reports">Reports</Link> › Reconciliation with USAspending
      </p>
      <h1>Reconciliation with USAspending</h1>
      <p>
        Each center's sub-awards in Baseline against the sub-awards USAspending publishes under the same prime award, matched by prime award number and
        sub-award number; a USAspending sub-award's center is found through its UEI. Prime recipients report sub-awards of{" "}
        {formatMoney(SUBAWARD_REPORTING_THRESHOLD_CENTS)} or more (FFATA, 2 CFR Part 170); smaller ones are listed as below the threshold, not as exceptions.
      </p>
      <p className="muted">
        {snapshot.rows === 0
          ? "No USAspending sub-award download has been imported yet (Import, type usaspending_subawards)."
          : `USAspending snapshot: ${snapshot.rows} sub-award${snapshot.rows === 1 ? "" : "s"}${snapshot.importedAt ? `, imported ${snapshot.importedAt.slice(0, 10)}` : ""}.`}
      </p>
      <Form method="get" className="filters" aria-label="Filter the reconciliation">
        <label>
          Fiscal year (of the prime)
          <input name="fy" defaultValue={filter.year} inputMode="numeric" size={6} />
        </label>
        <label>
          Center
          <input name="center" defaultValue={filter.center} size={8} />
        </label>
        <button type="submit">Filter</button>
        <a href={`/reports/reconciliation.csv${query}`}>Download CSV</a>
      </Form>
      <ul className="inline-list">
        {RECONCILE_STATUSES.map((s) => (
          <li key={s}>
            {RECONCILE_STATUS_LABELS[s]}: {counts[s]}
          </li>
        ))}
      </ul>
      {rows.length === 0 ? (
        <p className="empty">Nothing to reconcile for these filters.</p>
      ) : (
        <table>
          <caption>{rows.length} sub-awards</caption>
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Prime award</th>
              <th scope="col">Sub-award</th>
              <th scope="col">Center</th>
              <th scope="col" className="num">
                Baseline
              </th>
              <th scope="col" className="num">
                USAspending
              </th>
              <th scope="col" className="num">
                Difference
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.primeAward}|${r.subawardNumber}`}>
                <td>
                  <span className={`badge ${r.status === "matched" ? "green" : r.status === "below_threshold" ? "amber" : "red"}`}>{RECONCILE_STATUS_LABELS[r.status]}</span>
                </td>
                <td>
                  <Link to={`/prime-awards/${encodeURIComponent(r.primeAward)}`}>{r.primeAward}</Link>
                </td>
                <td>{r.baselineCents !== null ? <Link to={`/awards/${encodeURIComponent(r.subawardNumber)}`}>{r.subawardNumber}</Link> : r.subawardNumber}</td>
                <td>
                  <Link to={`/centers/${encodeURIComponent(r.center)}`}>{r.center}</Link>
                </td>
                <td className="num">{r.baselineCents === null ? "" : formatMoney(r.baselineCents)}</td>
                <td className="num">{r.usaspendingCents === null ? "" : formatMoney(r.usaspendingCents)}</td>
                <td className="num">{r.differenceCents === null ? "" : formatMoney(r.differenceCents)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
