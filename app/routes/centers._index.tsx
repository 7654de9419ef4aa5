import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { centerScope } from "~/auth/permissions";
import { getDb } from "~/db.server";
import { listCenters, listStates } from "~/models/centers.server";

export const meta: MetaFunction = () => [{ title: "Centers — Baseline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "read" });
  const url = new URL(request.url);
  const state = url.searchParams.get("state")?.toUpperCase() || undefined;
  const kindParam = url.searchParams.get("kind");
  const kind = kindParam === "state" || kindParam === "urban_area" ? kindParam : undefined;
  const db = getDb();
  const scope = centerScope(user);
  const [centers, states] = await Promise.all([listCenters(db, scope, { state, kind }), listStates(db, scope)]);
  return { centers, states, filter: { state: state ?? "", kind: kind ?? "" } };
}

export default function Centers() {
  const { centers, states, filter } = useLoaderData<typeof loader>();
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
        <button type="submit">Filter</button>
      </Form>
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
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
