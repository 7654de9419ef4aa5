import { toCsv } from "../../app/http/csv.server";
import { MAX_FISCAL_YEAR, MIN_FISCAL_YEAR } from "../../app/domain/dates";
import { findingsCsvRows } from "../../app/domain/findings-csv";
import { centsToDecimal } from "../../app/domain/money";
import { findings as loadFindings } from "../../app/models/compliance.server";
import { asOfOption, centerOption, type Command, formatOption, intOption } from "../command";

/**
 * `findings`: every compliance finding, sorted by center, rule, award, capability — the
 * same rows as the findings report and its CSV export. Exit 0 whether or not any finding fires.
 */
export const findingsCommand: Command = {
  name: "findings",
  summary: "Print compliance findings (CSV or JSON) for every center, or one center and/or fiscal year",
  usage: "findings [--fy 2024] [--as-of 2024-09-30] [--center CODE] [--format csv|json]",
  options: { fy: { type: "string" }, "as-of": { type: "string" }, center: { type: "string" }, format: { type: "string" } },
  async run({ db, values, out }) {
    const fiscalYear = intOption(values.fy, "fy", MIN_FISCAL_YEAR, MAX_FISCAL_YEAR);
    const format = formatOption(values.format);
    const asOf = asOfOption(values["as-of"]);
    const centerId = await centerOption(db, values.center);
    const centerIds = centerId === undefined ? undefined : [centerId];
    const result = await loadFindings(db, { asOf, fiscalYear, centerIds });
    if (format === "csv") {
      out.write(toCsv(findingsCsvRows(result.findings)));
    } else {
      const rows = result.findings.map((f) => ({
        rule: f.rule,
        severity: f.severity,
        center: f.centerCode,
        award: f.awardNumber,
        fiscal_year: f.fiscalYear,
        capability: f.capabilityId,
        amount: f.amountCents === null ? null : centsToDecimal(f.amountCents),
        amount_cents: f.amountCents,
        message: f.message,
        disposition: f.response?.disposition ?? null,
        response: f.response?.response ?? null,
      }));
      out.write(`${JSON.stringify({ asOf, fiscalYear: fiscalYear ?? null, findings: rows }, null, 2)}\n`);
    }
    return 0;
  },
};
