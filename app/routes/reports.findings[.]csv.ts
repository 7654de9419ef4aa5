import type { LoaderFunctionArgs } from "@remix-run/node";
import { forbidden, requireUser } from "~/auth/guard.server";
import { requireCenter } from "~/auth/center.server";
import { centerScope } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { findingsCsvRows } from "~/domain/findings-csv";
import { csvResponse } from "~/http/csv.server";
import { fiscalYearOf } from "~/http/fiscal-year.server";
import { findingsReport } from "~/models/compliance.server";
import { parseFindingsFilter } from "~/schemas/findings";

/**
 * /reports/findings.csv: the findings report's rows for the same URL filter, as CSV with the header
 * rule,severity,center,award,fiscal_year,capability,amount,message (the CLI prints the same rows).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  fiscalYearOf(request, { allowAll: true }); // old `year=` links move to `fy=`; a bad year is a 400
  const db = getDb();
  const parsed = parseFindingsFilter(new URL(request.url).searchParams);
  if (!parsed.ok) throw new Response(parsed.error, { status: 400 });
  const filter = parsed.filter;
  if (filter.center) await requireCenter(user, filter.center, "read");
  const scope = centerScope(user);
  if (filter.state && scope.kind === "states" && !scope.states.includes(filter.state)) throw forbidden();
  const report = await findingsReport(db, scope, filter);
  const name = ["findings", report.fiscalYear === null ? "all-years" : `FY${report.fiscalYear}`, filter.center ?? filter.state, `as-of-${report.asOf}`]
    .filter(Boolean)
    .join("-");
  return csvResponse(name, findingsCsvRows(report.findings));
}
