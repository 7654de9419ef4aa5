import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { notFound, requireUser } from "~/auth/guard.server";
import { getDb } from "~/db.server";
import { formatMoney } from "~/domain/money";
import { primeAwardDetail } from "~/models/prime-awards.server";
import { ScrollTable } from "~/components/ScrollTable";
import { FigureTile } from "~/components/FigureTile";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.prime.award_number ?? "Prime award"} — Baseline` }];

/**
 * One prime award: its sub-awards by center and the remainder, "other subrecipients or not yet
 * allocated" (docs/decisions/018). Out of scope and unknown look the same (404).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const detail = await primeAwardDetail(getDb(), user, params.number ?? "");
  if (!detail) throw notFound(`No prime award numbered ${params.number}`);
  return detail;
}

export default function PrimeAwardPage() {
  const { prime, subAwards, allocation } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="muted">
        <Link to="/awards">Grants</Link> › <Link to="/prime-awards">Prime awards</Link> › {prime.award_number}
      </p>
      <h1>Prime award {prime.award_number}</h1>
      <p>
        {prime.recipient} ({prime.state}) · FY{prime.fiscal_year} · {prime.programs.join(", ")}
        {prime.assistance_listing ? <> · Assistance Listing {prime.assistance_listing}</> : null} · period of performance {prime.pop_start} to{" "}
        {prime.pop_end}
      </p>
      <div className="tiles">
        <FigureTile value={formatMoney(allocation.primeCents)} label="Prime award" />
        <FigureTile value={formatMoney(allocation.allocatedCents)} label="Sub-awards to centers" />
        <FigureTile value={formatMoney(allocation.remainderCents)} label="Other subrecipients or not yet allocated" />
      </div>

      <ScrollTable>
        <caption>By center (live sub-awards)</caption>
        <thead>
          <tr>
            <th scope="col">Center</th>
            <th scope="col" className="num">
              Sub-awards
            </th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {allocation.byCenter.map((c) => (
            <tr key={c.centerCode}>
              <td>
                <Link to={`/centers/${encodeURIComponent(c.centerCode)}`}>{c.centerCode}</Link> — {c.centerName}
              </td>
              <td className="num">{c.awards}</td>
              <td className="num">{formatMoney(c.amountCents)}</td>
            </tr>
          ))}
          <tr>
            <td>Other subrecipients or not yet allocated</td>
            <td className="num"></td>
            <td className="num">{formatMoney(allocation.remainderCents)}</td>
          </tr>
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Prime award</th>
            <td className="num"></td>
            <td className="num">{formatMoney(allocation.primeCents)}</td>
          </tr>
        </tfoot>
      </ScrollTable>

      <h2>Sub-awards</h2>
      {subAwards.length === 0 ? (
        <p className="empty">No center holds a sub-award under this prime yet.</p>
      ) : (
        <ScrollTable>
          <thead>
            <tr>
              <th scope="col">Sub-award</th>
              <th scope="col">Center</th>
              <th scope="col">Program</th>
              <th scope="col">FY</th>
              <th scope="col">Period of performance</th>
              <th scope="col">Pass-through</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col" className="num">
                Spent
              </th>
            </tr>
          </thead>
          <tbody>
            {subAwards.map((s) => (
              <tr key={s.award_number} className={s.voided_at ? "voided" : undefined}>
                <td>
                  <Link to={`/awards/${encodeURIComponent(s.award_number)}`}>{s.award_number}</Link>
                  {s.voided_at ? " (voided)" : ""}
                </td>
                <td>{s.center_code}</td>
                <td>{s.program_code}</td>
                <td>{s.fiscal_year}</td>
                <td>
                  {s.pop_start} to {s.pop_end}
                </td>
                <td>{s.pass_through ?? ""}</td>
                <td className="num">{formatMoney(s.amount_cents)}</td>
                <td className="num">{formatMoney(s.spent_cents)}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </>
  );
}
