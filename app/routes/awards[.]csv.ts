import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/guard.server";
import { centerScope } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { csvResponse, money, type CsvCell } from "~/http/csv.server";
import { oneFiscalYearOf } from "~/http/fiscal-year.server";
import { awardsForUrl } from "~/models/awards.server";

/** /awards.csv: the award list of /awards with the same filters (every page), voided awards marked, and the live awards' totals. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "read" });
  const { filter, rows, totals } = await awardsForUrl(getDb(), centerScope(user), new URL(request.url), oneFiscalYearOf(request));
  const csv: CsvCell[][] = [
    ["Fiscal year", "Award", "Center", "Center name", "Program", "Source", "Period start", "Period end", "Amount", "Budgeted", "Spent", "Unspent", "Voided"],
  ];
  for (const a of rows) {
    csv.push([
      a.fiscal_year,
      a.award_number,
      a.center_code,
      a.center_name,
      a.program_code,
      a.agency,
      a.pop_start,
      a.pop_end,
      money(a.amount_cents),
      money(a.budgeted_cents),
      money(a.spent_cents),
      money(a.amount_cents - a.spent_cents),
      a.voided_at ? "yes" : "no",
    ]);
  }
  csv.push([`Total of ${totals.awards} live awards`, "", "", "", "", "", "", "", money(totals.amountCents), money(totals.budgetedCents), money(totals.spentCents), money(totals.unspentCents), ""]);
  const name = ["awards", filter.fy ? `FY${filter.fy}` : "", filter.center, filter.program, filter.agency].filter(Boolean).join("-");
  return csvResponse(name, csv);
}
