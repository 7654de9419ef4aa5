import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/guard.server";
import { getDb } from "~/db.server";
import { csvResponse, money, type CsvCell } from "~/http/csv.server";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { comparisonForUrl, comparisonTable, MAX_COMPARE, MIN_COMPARE, type FigureRow } from "~/models/compare.server";

function csvCell(row: FigureRow, v: number | string | null): CsvCell {
  if (v === null) return null;
  if (typeof v === "string") return v;
  if (row.kind === "money") return money(v);
  // Percent as a number of percent with one decimal, like the page.
  if (row.kind === "percent") return Math.round(v * 1000) / 10;
  return v;
}

/** The figures table of /compare for the same centers and year: one row per figure, then "All". */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "read" });
  const { comparison } = await comparisonForUrl(getDb(), user, new URL(request.url), oneFiscalYearOf(request));
  if (comparison.kind === "forbidden") throw new Response(comparison.message, { status: 403, statusText: "Forbidden" });
  if (comparison.kind !== "ok") {
    throw new Response(comparison.message ?? `Choose from ${MIN_COMPARE} to ${MAX_COMPARE} centers to compare.`, { status: 400 });
  }
  const table = comparisonTable(comparison);
  const rows: CsvCell[][] = [["Figure", ...comparison.centers.map((c) => c.code), `All ${comparison.centers.length}`]];
  rows.push(["Center", ...comparison.centers.map((c) => c.name), ""]);
  for (const row of table) {
    rows.push([row.kind === "percent" ? `${row.label} (%)` : row.label, ...row.values.map((v) => csvCell(row, v)), csvCell(row, row.total)]);
  }
  return csvResponse(`compare-FY${comparison.fiscalYear}-${comparison.centers.map((c) => c.code).join("-")}`, rows);
}
