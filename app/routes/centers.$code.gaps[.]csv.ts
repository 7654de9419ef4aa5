import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/guard.server";
import { requireCenter } from "~/auth/center.server";
import { getDb } from "~/db.server";
import { csvResponse, money, type CsvCell } from "~/http/csv.server";
import { centerGapView } from "~/models/assessments.server";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";

/**
 * /centers/CODE/gaps.csv?fy=: the gap rows of the center page for the same year (default: the latest
 * assessed year, as on the page), from the same centerGapView, with their funding and estimates.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = getDb();
  const center = await requireCenter(user, params.code, "read");
  const view = await centerGapView(db, center.id, oneFiscalYearOf(request));
  const csv: CsvCell[][] = [["Fiscal year", "Capability", "Title", "Area", "Status", "Maps to", "Funding this year", "Estimated cost to close"]];
  for (const g of view.gaps) {
    csv.push([view.fiscalYear, g.capabilityId, g.title, g.areaId, g.statusLabel, g.cocEc.join(" "), money(g.fundingCents), money(g.estCostCents)]);
  }
  csv.push([`All ${view.gaps.length} gaps`, "", "", "", "", "", money(view.fundingTotalCents), money(view.estCostTotalCents)]);
  return csvResponse(["gaps", center.code, view.fiscalYear ? `FY${view.fiscalYear}` : ""].filter(Boolean).join("-"), csv);
}
