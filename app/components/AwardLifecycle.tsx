import { Link } from "@remix-run/react";
import { formatMoney } from "~/domain/money";
import { ScrollTable } from "./ScrollTable";

/** The award page's lifecycle section: reports due, amendments, match and closed periods, with links to their pages. */
export interface AwardLifecycleData {
  asOf: string;
  obligations: Array<{
    id: number;
    report: string;
    periodStart: string;
    periodEnd: string;
    due: string;
    submittedOn: string | null;
    reference: string;
    status: "submitted" | "upcoming" | "overdue";
    suspension: string | null;
  }>;
  amendments: { count: number; last: { number: number; date: string } | null };
  match: { requiredCents: number; providedCents: number; shortfallCents: number };
  closedPeriods: Array<{ start: string; end: string }>;
}

const BADGE = { overdue: "red", upcoming: "amber", submitted: "green" } as const;

function ObligationRows({ rows }: { rows: AwardLifecycleData["obligations"] }) {
  return (
    <ScrollTable>
      <thead>
        <tr>
          <th>Report</th>
          <th>Period</th>
          <th>Due</th>
          <th>Status</th>
          <th>Submitted</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((o) => (
          <tr key={o.id}>
            <td>{o.report}</td>
            <td>
              {o.periodStart} – {o.periodEnd}
            </td>
            <td>{o.due}</td>
            <td>
              <span className={`badge ${BADGE[o.status]}`}>{o.status}</span>
              {o.suspension ? <div className="field-error">DOJ funds suspended from {o.suspension} until it is filed</div> : null}
            </td>
            <td>{o.submittedOn ? `${o.submittedOn} · ${o.reference}` : "—"}</td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}

export function AwardLifecycle({ awardNumber, data }: { awardNumber: string; data: AwardLifecycleData }) {
  const base = `/awards/${encodeURIComponent(awardNumber)}`;
  const open = data.obligations.filter((o) => o.status !== "submitted");
  const submitted = data.obligations.filter((o) => o.status === "submitted");
  const overdue = open.filter((o) => o.status === "overdue").length;
  return (
    <section className="panel" aria-labelledby="lifecycle-heading" id="lifecycle">
      <h2 id="lifecycle-heading">Reports, amendments and match</h2>
      <p className="actions">
        <Link to={`${base}/amendments`}>
          Amendments ({data.amendments.count}
          {data.amendments.last ? `, latest no. ${data.amendments.last.number} on ${data.amendments.last.date}` : ""})
        </Link>
        <Link to={`${base}/match`}>
          Match: {formatMoney(data.match.providedCents)} of {formatMoney(data.match.requiredCents)} required
          {data.match.shortfallCents > 0 ? `, short ${formatMoney(data.match.shortfallCents)}` : ""}
        </Link>
        <Link to={`${base}/periods`}>Closed periods ({data.closedPeriods.length})</Link>
      </p>
      <h3>Reporting obligations</h3>
      {data.obligations.length === 0 ? (
        <p className="muted">No federal reports are scheduled for this award.</p>
      ) : (
        <>
          <p className="muted">
            As of {data.asOf}: {overdue} overdue, {open.length - overdue} upcoming, {submitted.length} submitted.{" "}
            <Link to="/deadlines">Record a submission on the deadlines page</Link>.
          </p>
          {open.length > 0 ? <ObligationRows rows={open} /> : null}
          {submitted.length > 0 ? (
            <details>
              <summary>Submitted reports ({submitted.length})</summary>
              <ObligationRows rows={submitted} />
            </details>
          ) : null}
        </>
      )}
    </section>
  );
}
