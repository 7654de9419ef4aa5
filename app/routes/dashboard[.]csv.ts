import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/guard.server";
import { getDb } from "~/db.server";
import { csvResponse, money, type CsvCell } from "~/http/csv.server";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { dashboardForUrl } from "~/models/dashboard.server";

/** The heat-map table of /dashboard with the same filters, rows, order and footer. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "read" });
  const d = await dashboardForUrl(getDb(), user, new URL(request.url), oneFiscalYearOf(request));
  const rows: CsvCell[][] = [
    ["Code", "Center", "State", "Assessed", "Baseline score", "Gaps", ...d.areas.map((a) => `${a.id} score`), "Federal funds", "Compliance"],
  ];
  for (const r of d.rows) {
    rows.push([
      r.code,
      r.name,
      r.state,
      r.assessed ? "yes" : "no",
      r.score,
      r.gaps,
      ...d.areas.map((a) => r.areas[a.id] ?? null),
      money(r.federalCents),
      r.compliance === "not_assessed" ? "not assessed" : r.compliance,
    ]);
  }
  rows.push([
    `All ${d.rows.length} (median, total gaps)`,
    "",
    "",
    d.tiles.assessed,
    d.footer.medianScore,
    d.footer.totalGaps,
    ...d.areas.map((a) => d.footer.areaMedians[a.id] ?? null),
    money(d.footer.federalCents),
    `${d.compliance.red} red, ${d.compliance.amber} amber, ${d.compliance.green} green, ${d.compliance.not_assessed} not assessed`,
  ]);
  const parts = ["dashboard", d.fiscalYear ? `FY${d.fiscalYear}` : "", d.filters.state ?? "", d.filters.program ?? "", d.filters.agency ?? ""];
  return csvResponse(parts.filter(Boolean).join("-"), rows);
}
