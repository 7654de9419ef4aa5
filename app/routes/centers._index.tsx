import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { centerScope } from "~/auth/permissions";
import { getDb } from "~/db.server";
import { todayIso } from "~/domain/dates";
import { formatScore, HEADLINE_FRAMEWORK } from "~/domain/scores";
import { scoresForYear } from "~/models/assessments.server";
import { listCenters, listStates } from "~/models/centers.server";
import { centerYearStatus } from "~/domain/compliance";
import { describeDefaultYear } from "~/domain/fiscal-year";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { complianceStatusByCenter, fiscalYears } from "~/models/compliance.server";
import { defaultFiscalYear } from "~/models/years.server";
import { StatusBadge } from "~/components/StatusBadge";

export const meta: MetaFunction = () => [{ title: "Centers — Baseline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "read" });
  const url = new URL(request.url);
  const state = url.searchParams.get("state")?.toUpperCase() || undefined;
  const kindParam = url.searchParams.get("kind");
  const kind = kindParam === "state" || kindParam === "urban_area" ? kindParam : undefined;
  const db = getDb();
  const scope = centerScope(user);
  const asked = oneFiscalYearOf(request);
  const [centers, states, years, byDefault] = await Promise.all([
    listCenters(db, scope, { state, kind }),
    listStates(db, scope),
    fiscalYears(db),
    asked === undefined ? defaultFiscalYear(db) : null,
  ]);
  const fy = asked ?? byDefault?.fiscalYear ?? null;
  // Score and compliance status sit next to each center (issue #5), for the chosen fiscal year.
  const [scores, statuses] =
    fy === null
      ? [[], new Map()]
      : await Promise.all([scoresForYear(db, fy, HEADLINE_FRAMEWORK, scope), complianceStatusByCenter(db, fy, scope, { asOf: todayIso() })]);
  const scoreOf = new Map(scores.map((r) => [r.center, r]));
  const rows = centers.map((c) => {
    const s = scoreOf.get(c.code);
    const assessed = s ? s.achieved + s.partial + s.notAchieved + s.notApplicable > 0 : false;
    return { ...c, score: s?.score ?? null, gaps: s?.gaps ?? null, assessed, compliance: fy === null ? null : centerYearStatus(statuses.get(c.code), assessed) };
  });
  const yearNote = byDefault ? `Showing ${describeDefaultYear(byDefault)}.` : null;
  return { centers: rows, states, years: fy !== null && !years.includes(fy) ? [fy, ...years] : years, fy, yearNote, filter: { state: state ?? "", kind: kind ?? "" } };
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
      {centers.length === 0 ? (
        <p className="empty">No center matches these filters.</p>
      ) : (
        <table>
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
        </table>
      )}
    </>
  );
}
