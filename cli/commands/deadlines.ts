import { stringify } from "csv-stringify/sync";
import { escapeCell } from "../../app/import/escape";
import { listDeadlines } from "../../app/models/obligations.server";
import { asOfOption, centerOption, type Command, formatOption } from "../command";

export const DEADLINES_COLUMNS = ["center", "award", "report", "period_start", "period_end", "due", "status"] as const;

/** Reporting obligations of every live federal award, with status as of a date. */
export const deadlines: Command = {
  name: "deadlines",
  summary: "List reporting deadlines (BSIR, SF-425, PMT, final) with status submitted, upcoming or overdue",
  usage: "deadlines [--as-of YYYY-MM-DD] [--center CODE] [--format csv|json]",
  options: { "as-of": { type: "string" }, center: { type: "string" }, format: { type: "string" } },
  async run({ db, values, out }) {
    const format = formatOption(values.format);
    const asOf = asOfOption(values["as-of"]);
    const centerId = await centerOption(db, values.center);
    const rows = (await listDeadlines(db, { asOf, scope: { kind: "all" }, centerId })).map((r) => ({
      center: r.centerCode,
      award: r.awardNumber,
      report: r.report,
      period_start: r.periodStart,
      period_end: r.periodEnd,
      due: r.due,
      status: r.status,
    }));
    if (format === "json") {
      out.write(JSON.stringify(rows, null, 2) + "\n");
    } else {
      out.write(stringify([[...DEADLINES_COLUMNS], ...rows.map((r) => DEADLINES_COLUMNS.map((c) => escapeCell(r[c])))]));
    }
    return 0;
  },
};
