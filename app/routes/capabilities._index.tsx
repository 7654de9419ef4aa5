import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { getDb } from "~/db.server";
import { assessableCapabilities } from "~/domain/scores";
import { listCapabilities, listFrameworks, listLinks } from "~/models/catalog.server";
import { ScrollTable } from "~/components/ScrollTable";

export const meta: MetaFunction = () => [{ title: "Capability catalog — Baseline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { can: "read" });
  const db = getDb();
  const [frameworks, capabilities, links] = await Promise.all([listFrameworks(db), listCapabilities(db), listLinks(db)]);
  return {
    frameworks: frameworks.map((f) => ({
      ...f,
      capabilities: capabilities.filter((c) => c.framework_id === f.id),
      assessable: assessableCapabilities(capabilities, f.id).length,
    })),
    links,
  };
}

export default function Capabilities() {
  const { frameworks, links } = useLoaderData<typeof loader>();
  const linkedTo = (id: string) => links.filter((l) => l.from_id === id).map((l) => l.to_id).concat(links.filter((l) => l.to_id === id).map((l) => l.from_id));
  return (
    <>
      <h1>Capability catalog</h1>
      <p className="muted">
        Scores count the assessable capabilities of each framework: the leaves of its tree. Numbered items (I.A.1 …) can be loaded with{" "}
        <code>npm run -s cli -- catalog import FILE.csv</code>; items inherit their area's links.
      </p>
      {frameworks.map((f) => (
        <section key={f.id} className="panel" aria-labelledby={`fw-${f.id}`}>
          <h2 id={`fw-${f.id}`}>{f.title}</h2>
          <p className="muted">
            <code>{f.id}</code> · {f.description} · {f.assessable} assessable capabilities
          </p>
          <ScrollTable>
            <thead>
              <tr>
                <th>ID</th>
                <th>Title</th>
                <th>Linked to</th>
                <th>Privacy</th>
              </tr>
            </thead>
            <tbody>
              {f.capabilities.map((c) => (
                <tr key={c.id}>
                  <td style={{ paddingLeft: c.parent_id ? 24 : 8 }}>
                    <Link to={`/capabilities/${encodeURIComponent(c.id)}`}>{c.id}</Link>
                  </td>
                  <td>
                    {c.parent_id ? c.title : <strong>{c.title}</strong>}
                    {c.description ? <div className="muted">{c.description}</div> : null}
                  </td>
                  <td>{linkedTo(c.id).join(", ")}</td>
                  <td>{c.privacy ? "Privacy, civil rights and civil liberties" : ""}</td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
        </section>
      ))}
    </>
  );
}
