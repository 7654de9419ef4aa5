import { stringify } from "csv-stringify/sync";
import { parseDate, todayIso } from "../../app/domain/dates";
import { escapeCell } from "../../app/import/escape";
import { getCenterByCode } from "../../app/models/centers.server";
import { listDeadlines } from "../../app/models/obligations.server";
import { type Command, formatOption, UsageError } from "../command";

export const DEADLINES_COLUMNS = ["center", "award", "report", "period_start", "period_end", "due", "status"] as const;

/** Reporting obligations of every live federal award (issue #11), with status as of a date. */
export const deadlines: Command = {
  name: "deadlines",
  summary: "List reporting deadlines (BSIR, SF-425, PMT, final) with status submitted, upcoming or overdue",
  usage: "deadlines [--as-of YYYY-MM-DD] [--center CODE] [--format csv|json]",
  options: { "as-of": { type: "string" }, center: { type: "string" }, format: { type: "string" } },
  async run({ db, values, out }) {
    const format = formatOption(values.format);
    let asOf = todayIso();
    if (values["as-of"] !== undefined) {
      const d = parseDate(values["as-of"]);
      if (!d.ok) throw new UsageError(`--as-of: ${d.error}`);
      asOf = d.date;
    }
    let centerId: number | undefined;
    if (values.center !== undefined) {
      const center = await getCenterByCode(db, String(values.center));
      if (!center) throw new UsageError(`No center with code ${values.center}`);
      centerId = center.id;
    }
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
