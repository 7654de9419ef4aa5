import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { notFound, requireUser } from "~/auth/guard.server";
import { centerScope } from "~/domain/permissions";
import { CapabilityTrendChart } from "~/components/AssessmentCharts";
import { getDb } from "~/db.server";
import { formatMoney } from "~/domain/money";
import { capabilityView } from "~/models/assessments.server";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { FiscalYearPicker } from "~/components/FiscalYearPicker";
import { ScrollTable } from "~/components/ScrollTable";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.view.capability.id ?? "Capability"} — Baseline` }];

/** One capability across the centers the user may see: this year's gaps and the trend of centers meeting it. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "read" });
  const fy = oneFiscalYearOf(request) ?? null;
  const view = await capabilityView(getDb(), params.id ?? "", centerScope(user), fy);
  if (!view) throw notFound(`No capability ${params.id}`);
  return { view, scopeNote: user.role === "admin" || user.role === "auditor" ? null : `Centers of ${user.states.join(", ") || "no state"} only` };
}

export default function CapabilityPage() {
  const { view, scopeNote } = useLoaderData<typeof loader>();
  const c = view.capability;
  const fy = view.fiscalYear;
  const linkTo = (id: string) => `/capabilities/${encodeURIComponent(id)}`;
  return (
    <>
      <p className="muted">
        <Link to="/capabilities">Capabilities</Link> › {view.parent ? <Link to={linkTo(view.parent.id)}>{view.parent.id}</Link> : null}
        {view.parent ? " › " : null}
        {c.id}
      </p>
      <h1>
        {c.id} {c.title}
      </h1>
      <p>
        {view.frameworkTitle}
        {c.privacy ? " · privacy, civil rights and civil liberties" : ""}
      </p>
      {c.description ? <p>{c.description}</p> : null}
      {view.linked.length > 0 ? (
        <p>
          Linked to:{" "}
          {view.linked.map((l, i) => (
            <span key={l.id}>
              {i > 0 ? ", " : ""}
              <Link to={linkTo(l.id)}>{l.id}</Link> {l.title}
            </span>
          ))}
        </p>
      ) : null}
      {view.children.length > 0 ? (
        <section className="panel" aria-labelledby="children">
          <h2 id="children">Parts</h2>
          <p className="muted">Assessments record the parts below; this heading is not assessed by itself.</p>
          <ul>
            {view.children.map((ch) => (
              <li key={ch.id}>
                <Link to={linkTo(ch.id)}>{ch.id}</Link> {ch.title}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {view.assessable ? (
        <>
          <section aria-labelledby="gap-centers">
            <h2 id="gap-centers">Centers with {c.id} as a gap{fy !== null ? `, FY${fy}` : ""}</h2>
            {scopeNote ? <p className="muted">{scopeNote}.</p> : null}
            {view.years.length > 1 ? <FiscalYearPicker years={view.years} fy={fy} /> : null}
            {fy === null ? (
              <p className="empty">No assessment has been recorded yet.</p>
            ) : view.gapCenters.length === 0 ? (
              <p className="empty">No center you may see has {c.id} as a gap in FY{fy}.</p>
            ) : (
              <ScrollTable>
                <caption>
                  {view.gapCenters.length} center{view.gapCenters.length === 1 ? "" : "s"}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Center</th>
                    <th scope="col">State</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Estimated cost to close
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {view.gapCenters.map((g) => (
                    <tr key={g.code}>
                      <td>
                        <Link to={`/centers/${encodeURIComponent(g.code)}/assessments/${fy}`}>{g.code}</Link> {g.name}
                      </td>
                      <td>{g.state}</td>
                      <td>{g.statusLabel}</td>
                      <td className="num">{formatMoney(g.estCostCents)}</td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    <th colSpan={3} scope="row">
                      Total of the estimates given
                    </th>
                    <td className="num">{formatMoney(view.gapCenters.reduce((s, g) => s + (g.estCostCents ?? 0), 0))}</td>
                  </tr>
                </tfoot>
              </ScrollTable>
            )}
          </section>
          {view.trend.length > 0 ? (
            <section aria-labelledby="trend">
              <h2 id="trend">Trend</h2>
              <CapabilityTrendChart trend={view.trend} capabilityId={c.id} />
            </section>
          ) : null}
        </>
      ) : null}
    </>
  );
}
