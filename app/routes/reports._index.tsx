import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import type { Role } from "../../db/schema";

/** The reports hub: one place listing every report a user can open. */
export const meta: MetaFunction = () => [{ title: "Reports — Baseline" }];

/** Reports listed on the hub; a feature adding a report adds a row here. `roles` only hides the link: the report checks on the server. */
export const REPORTS: Array<{ to: string; title: string; description: string; roles?: Role[] }> = [
  {
    to: "/reports/findings",
    title: "Compliance findings",
    description: "Grant and Baseline rules broken per center, award and year, with the figures, responses and dispositions. Filter and export as CSV.",
  },
  {
    to: "/reports/reconciliation",
    title: "Reconciliation with USAspending",
    description: "Centers' sub-awards against the sub-awards USAspending publishes under the same prime awards: matched, amounts that differ, missing on either side.",
    roles: ["admin", "auditor", "state_official"],
  },
  { to: "/prime-awards", title: "Prime awards", description: "The federal awards centers hold sub-awards under, each with its sub-awards by center and the remainder." },
  { to: "/rules", title: "Compliance rules", description: "What each rule checks, its severity and the reference it rests on." },
  { to: "/audit", title: "Audit log", description: "Every change to grant, assessment, finding and user data, with a tamper-evident hash chain.", roles: ["admin", "auditor"] },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return { reports: REPORTS.filter((r) => !r.roles || r.roles.includes(user.role)).map(({ to, title, description }) => ({ to, title, description })) };
}

export default function ReportsHub() {
  const { reports } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Reports</h1>
      <ul style={{ listStyle: "none", padding: 0 }}>
        {reports.map((r) => (
          <li key={r.to} className="panel">
            <h2 style={{ marginTop: 0 }}>
              <Link to={r.to}>{r.title}</Link>
            </h2>
            <p>{r.description}</p>
          </li>
        ))}
      </ul>
    </>
  );
}
