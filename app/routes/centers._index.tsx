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

export const meta: MetaFunction = () => [{ title: "Centers — Baseline" }];

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
        <label>
          State
          <select name="state" defaultValue={filter.state}>
            <option value="">All states</option>
            {states.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <select name="kind" defaultValue={filter.kind}>
            <option value="">Primary and recognized</option>
            <option value="state">Primary (statewide)</option>
            <option value="urban_area">Recognized (urban area)</option>
          </select>
        </label>
        <label>
          Fiscal year
          <select name="fy" defaultValue={fy ?? ""}>
            {years.map((y) => (
              <option key={y} value={y}>
                FY{y}
              </option>
            ))}
          </select>
        </label>
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
