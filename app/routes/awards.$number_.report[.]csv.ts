import type { LoaderFunctionArgs } from "@remix-run/node";
import { notFound, requireUser } from "~/auth/guard.server";
import { requireAward } from "~/auth/award.server";
import { getDb } from "~/db.server";
import { todayIso } from "~/domain/dates";
import { csvResponse, money, type CsvCell } from "~/http/csv.server";
import { awardReport, reportSections, type SectionCell } from "~/models/award-report.server";

const cell = (c: SectionCell): CsvCell => (c !== null && typeof c === "object" ? money(c.cents) : c);

/** The award report's tables, one after another: a title row, the header, the rows, the totals row, a blank row. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  // The permission first (404/403), then the report, whose figures are remembered per committed state.
  const award = await requireAward(user, params.number, "read");
  const report = await awardReport(getDb(), award, todayIso());
  if (!report) throw notFound(`No award numbered ${params.number}`);
  const rows: CsvCell[][] = [];
  for (const section of reportSections(report)) {
    if (rows.length > 0) rows.push([]);
    rows.push([section.title]);
    rows.push(section.columns);
    for (const r of section.rows) rows.push(r.map(cell));
    if (section.footer) rows.push(section.footer.map(cell));
  }
  return csvResponse(`award-report-${report.award.award_number}`, rows);
}
