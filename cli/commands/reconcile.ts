import { MAX_FISCAL_YEAR, MIN_FISCAL_YEAR } from "../../app/domain/dates";
import { centsToDecimal } from "../../app/domain/money";
import { reconcileCsvRows } from "../../app/domain/reconcile";
import { toCsv } from "../../app/http/csv.server";
import { reconciliation } from "../../app/models/reconcile.server";
import { centerOption, type Command, formatOption, intOption } from "../command";

/**
 * `reconcile`: centers' sub-awards against the USAspending snapshot (docs/decisions/018), the same
 * rows as the reconciliation page. Exit 0 whatever the statuses.
 */
export const reconcileCommand: Command = {
  name: "reconcile",
  summary: "Compare centers' sub-awards with the imported USAspending sub-award download (CSV or JSON)",
  usage: "reconcile [--fy 2024] [--center CODE] [--format csv|json]",
  options: { fy: { type: "string" }, center: { type: "string" }, format: { type: "string" } },
  async run({ db, values, out }) {
    const fiscalYear = intOption(values.fy, "fy", MIN_FISCAL_YEAR, MAX_FISCAL_YEAR);
    const format = formatOption(values.format);
    const centerCode = (await centerOption(db, values.center)) === undefined ? undefined : String(values.center).trim().toUpperCase();
    const { rows, snapshot } = await reconciliation(db, { kind: "all" }, { fiscalYear, centerCode });
    if (format === "csv") out.write(toCsv(reconcileCsvRows(rows)));
    else {
      const dollars = (c: number | null) => (c === null ? null : centsToDecimal(c));
      const json = rows.map((r) => ({
        status: r.status,
        prime_award: r.primeAward,
        subaward_number: r.subawardNumber,
        center: r.center,
        baseline_amount: dollars(r.baselineCents),
        usaspending_amount: dollars(r.usaspendingCents),
        difference: dollars(r.differenceCents),
      }));
      out.write(`${JSON.stringify({ fiscalYear: fiscalYear ?? null, center: centerCode ?? null, snapshot, rows: json }, null, 2)}\n`);
    }
    return 0;
  },
};
