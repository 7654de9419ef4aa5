import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { centerScope } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { formatScore } from "~/domain/scores";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { centersForUrl } from "~/models/center-list.server";
import { StatusBadge } from "~/components/StatusBadge";
import { ScrollTable } from "~/components/ScrollTable";
import { FilterSelect, yearChoices } from "~/components/FilterSelect";

export const meta: MetaFunction = () => [{ title: "Centers — Baseline" }];

const KINDS = [
  { value: "state", label: "Primary (statewide)" },
  { value: "urban_area", label: "Recognized (urban area)" },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "read" });
  return centersForUrl(getDb(), centerScope(user), new URL(request.url), oneFiscalYearOf(request));
}

export default function Centers() {
  const { centers, states, years, fy, yearNote, filter } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Fusion centers</h1>
      <Form method="get" className="filters">
        <FilterSelect label="State" name="state" value={filter.state} all="All states" choices={states} />
        <FilterSelect label="Kind" name="kind" value={filter.kind} all="Primary and recognized" choices={KINDS} />
        <FilterSelect label="Fiscal year" name="fy" value={fy} choices={yearChoices(years)} />
        <button type="submit">Filter</button>
      </Form>
      {yearNote ? <p className="muted">{yearNote}</p> : null}
      {centers.length > 0 ? (
        <p className="actions">
          <a href={`/centers.csv?${new URLSearchParams({ ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== "")), ...(fy ? { fy: String(fy) } : {}) })}`} className="button secondary" download>
            Download CSV
          </a>
        </p>
      ) : null}
      {centers.length === 0 ? (
        <p className="empty">No center matches these filters.</p>
      ) : (
        <ScrollTable>
          <caption>
            {centers.length} center{centers.length === 1 ? "" : "s"}
          </caption>
          <thead>
            <tr>
              <th>Code</th>
              <th>Name</th>
              <th>State</th>
              <th>Kind</th>
              <th className="num">Baseline score{fy ? ` FY${fy}` : ""}</th>
              <th>Baseline status</th>
              <th>Compliance</th>
            </tr>
          </thead>
          <tbody>
            {centers.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/centers/${encodeURIComponent(c.code)}`}>{c.code}</Link>
                </td>
                <td>{c.name}</td>
                <td>{c.state}</td>
                <td>{c.kind === "state" ? "Primary" : "Recognized (urban area)"}</td>
                <td className="num">{c.assessed ? formatScore(c.score) : "—"}</td>
                <td>{!c.assessed ? <span className="muted">not assessed</span> : c.gaps === 0 ? "meets baseline" : `gaps: ${c.gaps}`}</td>
                <td>{c.compliance ? <StatusBadge status={c.compliance} fiscalYear={fy} /> : null}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </>
  );
}
