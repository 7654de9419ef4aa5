import type { LoaderFunctionArgs } from "@remix-run/node";
import { assertAllowed, notFound, requireUser } from "~/auth/guard.server";
import { centerScope } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { isImportType } from "~/import";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { safeFileName } from "~/http/csv.server";
import { getCenterByCode } from "~/models/centers.server";
import { exportCsvBody } from "~/import/export.server";

/**
 * Downloads in the import formats: /export/TYPE.csv for centers, awards, budget_lines,
 * spending or assessments, limited to the centers the user may read, voided rows left out.
 * ?fy=2024 keeps one fiscal year (the award's, for budget lines and spending); ?center=VA one center.
 * The file imports back unchanged.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "read" });
  const url = new URL(request.url);
  // Remix reads "$type[.]csv" as the param "type" followed by ".csv"; the path is the fallback for callers that do not.
  const type = params.type ?? /\/export\/([^/]+)\.csv$/.exec(url.pathname)?.[1];
  if (!isImportType(type)) throw notFound("No such export: use centers, awards, budget_lines, spending or assessments");
  const fiscalYear = oneFiscalYearOf(request) ?? null;
  const code = url.searchParams.get("center");
  let centerId: number | undefined;
  if (code) {
    const center = await getCenterByCode(getDb(), code);
    if (!center) throw notFound(`No center ${code}`);
    assertAllowed(user, { can: "read", center });
    centerId = center.id;
  }
  const body = exportCsvBody(getDb(), type, { scope: centerScope(user), fiscalYear: fiscalYear ?? undefined, centerId }, { bom: true });
  const name = safeFileName([type, code ?? "", fiscalYear ? `FY${fiscalYear}` : ""].filter(Boolean).join("-") + ".csv");
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}"`,
      "Cache-Control": "private, no-store",
    },
  });
}
