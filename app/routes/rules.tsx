import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { SeverityBadge } from "~/components/StatusBadge";
import { RULE_INFO } from "~/domain/compliance";
import { ScrollTable } from "~/components/ScrollTable";

/** What each compliance rule checks and the reference it rests on. */
export const meta: MetaFunction = () => [{ title: "Compliance rules — Baseline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  return { rules: RULE_INFO.map((r) => ({ ...r })) };
}

export default function RulesPage() {
  const { rules } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="muted">
        <Link to="/reports">Reports</Link> › Rules
      </p>
      <h1>Compliance rules</h1>
      <p>
        Every finding comes from one of these rules. Center-year rules are judged per center and federal fiscal year; award rules per award
        (counted in the award's fiscal year). A center-year is <strong>red</strong> with any violation, <strong>amber</strong> with warnings only
        and <strong>green</strong> with none.
      </p>
      <ScrollTable>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Severity</th>
            <th scope="col">Judged per</th>
            <th scope="col">What it checks</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.id} id={r.id}>
              <th scope="row">
                <code>{r.id}</code>
              </th>
              <td>
                <SeverityBadge severity={r.severity} />
              </td>
              <td>{r.scope === "award" ? "award" : "center and year"}</td>
              <td>{r.description}</td>
              <td className="muted">{r.source}</td>
            </tr>
          ))}
        </tbody>
      </ScrollTable>
      <p className="actions">
        <Link to="/reports/findings">Findings report</Link>
      </p>
    </>
  );
}
