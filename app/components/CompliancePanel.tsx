import { useId } from "react";
import { Link } from "@remix-run/react";
import type { Finding } from "~/domain/compliance";
import { formatMoney } from "~/domain/money";
import { SeverityBadge } from "./StatusBadge";
import { ScrollTable } from "./ScrollTable";

/** A finding as the loaders return it (app/models/compliance.server.ts FindingView), shaped for display. */
export interface PanelFinding extends Finding {
  key: string;
  response: { response: string; disposition: string; auditorNote: string } | null;
}

export interface CompliancePanelProps {
  findings: PanelFinding[];
  title?: string;
  /** Shown under the heading, e.g. "FY2025, as of 2025-06-30". */
  subtitle?: string;
  /** Link to the findings report with the matching filter (responses are written there). */
  reportHref?: string;
  /** Hide the award column (on an award's own page). */
  hideAward?: boolean;
}

const DISPOSITION_TEXT: Record<string, string> = { open: "Open", accepted: "Accepted", resolved: "Resolved" };

/** Findings list with severity badges, for the center page and the award page. */
export function CompliancePanel({ findings, title = "Compliance findings", subtitle, reportHref, hideAward = false }: CompliancePanelProps) {
  const id = useId();
  const violations = findings.filter((f) => f.severity === "violation").length;
  return (
    <section className="panel compliance" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {subtitle ? <p className="muted">{subtitle}</p> : null}
      {findings.length === 0 ? (
        <p className="empty">No compliance rule fires.</p>
      ) : (
        <>
          <p>
            {violations} violation{violations === 1 ? "" : "s"}, {findings.length - violations} warning{findings.length - violations === 1 ? "" : "s"}.
          </p>
          <ScrollTable>
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Rule</th>
                <th scope="col">FY</th>
                {hideAward ? null : <th scope="col">Award</th>}
                <th scope="col">Capability</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Finding</th>
                <th scope="col">Response</th>
              </tr>
            </thead>
            <tbody>
              {findings.map((f) => (
                <tr key={f.key}>
                  <td>
                    <SeverityBadge severity={f.severity} />
                  </td>
                  <td>
                    <Link to={`/rules#${f.rule}`}>{f.rule}</Link>
                  </td>
                  <td>FY{f.fiscalYear}</td>
                  {hideAward ? null : <td>{f.awardNumber ? <Link to={`/awards/${encodeURIComponent(f.awardNumber)}`}>{f.awardNumber}</Link> : "—"}</td>}
                  <td>{f.capabilityId ?? "—"}</td>
                  <td className="num">{f.amountCents === null ? "—" : formatMoney(f.amountCents)}</td>
                  <td>{f.message}</td>
                  <td>
                    {f.response ? (
                      <>
                        <strong>{DISPOSITION_TEXT[f.response.disposition] ?? f.response.disposition}</strong>
                        {f.response.response ? <div>{f.response.response}</div> : <div className="muted">No corrective action recorded.</div>}
                      </>
                    ) : (
                      <span className="muted">No response</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
        </>
      )}
      {reportHref ? (
        <p className="actions">
          <Link to={reportHref}>Respond or review in the findings report</Link>
        </p>
      ) : null}
    </section>
  );
}
