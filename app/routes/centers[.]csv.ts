import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/guard.server";
import { centerScope } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { csvResponse, type CsvCell } from "~/http/csv.server";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { centersForUrl } from "~/models/center-list.server";

/** /centers.csv: the center list of /centers with the same filters: score, gaps and compliance status in the chosen year. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "read" });
  const { centers, fy, filter } = await centersForUrl(getDb(), centerScope(user), new URL(request.url), oneFiscalYearOf(request));
  const csv: CsvCell[][] = [["Code", "Name", "State", "Kind", "Fiscal year", "Assessed", "Baseline score", "Gaps", "Compliance"]];
  for (const c of centers) {
    csv.push([c.code, c.name, c.state, c.kind, fy, c.assessed ? "yes" : "no", c.assessed ? c.score : null, c.assessed ? c.gaps : null, c.compliance]);
  }
  return csvResponse(["centers", fy ? `FY${fy}` : "", filter.state, filter.kind].filter(Boolean).join("-"), csv);
}
