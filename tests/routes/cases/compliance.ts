import { findings } from "../../../app/models/compliance.server";
import { getSetting } from "../../../app/models/settings.server";
import { EVERYONE_SIGNED_IN, type CaseContext, type RouteCase } from "../route-case";

/**
 * Compliance findings: the reports hub, the rules page, the findings report (page and
 * action) and its CSV export. Everyone signed in reads the report for their own centers; a named
 * center outside their scope is refused. Directors answer only their own center's findings
 * (demo-director: VA); auditors (and admins) record dispositions; state officials write nothing.
 */

/** Report date of the loaded demo, so the chosen finding fires when the action re-checks it. */
async function asOf(db: CaseContext["db"]): Promise<string> {
  return (await getSetting(db, "demo_reference_date")) ?? "2025-06-30";
}

/** The first finding of a center at the demo's report date, with the response version a form would carry. */
async function firstFinding(db: CaseContext["db"], code: string) {
  const date = await asOf(db);
  const center = await db.selectFrom("centers").select("id").where("code", "=", code).executeTakeFirstOrThrow();
  const { findings: list } = await findings(db, { asOf: date, centerIds: [center.id] });
  if (list.length === 0) throw new Error(`The demo has no finding for ${code} as of ${date}`);
  return { finding: list[0], asOf: date };
}

function respondForm(code: string) {
  return async ({ db }: CaseContext) => {
    const { finding, asOf: date } = await firstFinding(db, code);
    return {
      intent: "respond",
      formId: "respond-case",
      key: finding.key,
      version: String(finding.response?.version ?? 0),
      asOf: date,
      response: "Corrective action: policy review scheduled with the governance board.",
    };
  };
}

function dispositionForm(code: string) {
  return async ({ db }: CaseContext) => {
    const { finding, asOf: date } = await firstFinding(db, code);
    return {
      intent: "disposition",
      formId: "disposition-case",
      key: finding.key,
      version: String(finding.response?.version ?? 0),
      asOf: date,
      disposition: "accepted",
      note: "Evidence reviewed.",
    };
  };
}

export const cases: RouteCase[] = [
  { file: "reports._index.tsx", name: "reports hub", method: "GET", path: "/reports", allowed: EVERYONE_SIGNED_IN },
  { file: "rules.tsx", name: "rules page", method: "GET", path: "/rules", allowed: EVERYONE_SIGNED_IN },
  {
    file: "reports.findings.tsx",
    name: "findings report for the user's own centers",
    method: "GET",
    path: async ({ db }) => `/reports/findings?fy=2025&asOf=${await asOf(db)}`,
    allowed: EVERYONE_SIGNED_IN,
  },
  {
    file: "reports.findings.tsx",
    name: "findings report for a center in another state (MD)",
    method: "GET",
    path: "/reports/findings?center=MD",
    allowed: ["admin", "auditor"],
  },
  {
    file: "reports.findings.tsx",
    name: "findings report for another state (state=MD)",
    method: "GET",
    path: "/reports/findings?state=MD",
    allowed: ["admin", "auditor"],
  },
  {
    file: "reports.findings[.]csv.ts",
    name: "findings CSV for the user's own centers",
    method: "GET",
    path: async ({ db }) => `/reports/findings.csv?fy=2025&asOf=${await asOf(db)}`,
    allowed: EVERYONE_SIGNED_IN,
  },
  {
    file: "reports.findings[.]csv.ts",
    name: "findings CSV for a center in another state (MD)",
    method: "GET",
    path: "/reports/findings.csv?center=MD",
    allowed: ["admin", "auditor"],
  },
  {
    file: "reports.findings.tsx",
    name: "respond to a finding of the director's own center (VA)",
    method: "POST",
    path: "/reports/findings?center=VA",
    form: respondForm("VA"),
    allowed: ["admin", "director"],
  },
  {
    file: "reports.findings.tsx",
    name: "respond to a finding of another center (MD)",
    method: "POST",
    path: "/reports/findings?center=MD",
    form: respondForm("MD"),
    allowed: ["admin"],
  },
  {
    file: "reports.findings.tsx",
    name: "record a disposition on a VA finding",
    method: "POST",
    path: "/reports/findings?center=VA",
    form: dispositionForm("VA"),
    allowed: ["admin", "auditor"],
  },
];
