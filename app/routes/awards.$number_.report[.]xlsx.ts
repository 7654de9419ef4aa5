import type { LoaderFunctionArgs } from "@remix-run/node";
import { notFound, requireUser } from "~/auth/guard.server";
import { requireAward } from "~/auth/award.server";
import { getDb } from "~/db.server";
import { todayIso } from "~/domain/dates";
import { escapeCell } from "~/import/escape";
import { safeFileName } from "~/http/csv.server";
import { awardReport, reportSections, type SectionCell } from "~/models/award-report.server";

const MONEY_FORMAT = '"$"#,##0.00;-"$"#,##0.00';

function value(c: SectionCell): string | number | null {
  if (c === null) return null;
  if (typeof c === "object") return c.cents / 100;
  // Text that a spreadsheet would read as a formula gets the same apostrophe as in CSV exports.
  return typeof c === "string" ? escapeCell(c) : c;
}

/** The award report as a workbook: one sheet per section, money as numbers in a currency format, a bold totals row. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  // The permission first (404/403), then the report, whose figures are remembered per committed state.
  const award = await requireAward(user, params.number, "read");
  const report = await awardReport(getDb(), award, todayIso());
  if (!report) throw notFound(`No award numbered ${params.number}`);

  // Loaded on first use: exceljs adds ~30 MB to a server that never writes a workbook.
  const { default: ExcelJS } = await import("exceljs");
  const book = new ExcelJS.Workbook();
  book.creator = "Baseline";
  book.created = new Date(`${report.asOf}T00:00:00Z`);
  for (const section of reportSections(report)) {
    const sheet = book.addWorksheet(section.title.slice(0, 31), { views: [{ state: "frozen", ySplit: 1 }] });
    const header = sheet.addRow(section.columns);
    header.font = { bold: true };
    const write = (cells: SectionCell[], bold: boolean) => {
      const row = sheet.addRow(cells.map(value));
      cells.forEach((c, i) => {
        if (c !== null && typeof c === "object") row.getCell(i + 1).numFmt = MONEY_FORMAT;
      });
      if (bold) row.font = { bold: true };
    };
    for (const r of section.rows) write(r, false);
    if (section.footer) write(section.footer, true);
    sheet.columns.forEach((col, i) => {
      const widest = Math.max(section.columns[i]?.length ?? 8, ...section.rows.map((r) => String(value(r[i]) ?? "").length));
      col.width = Math.min(60, Math.max(10, widest + 2));
    });
  }
  const buffer = await book.xlsx.writeBuffer();
  return new Response(buffer as ArrayBuffer, {
    status: 200,
    headers: {
      "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "Content-Disposition": `attachment; filename="${safeFileName(`award-report-${report.award.award_number}.xlsx`)}"`,
      "Cache-Control": "private, no-store",
    },
  });
}
