import { stringify } from "csv-stringify/sync";
import { HEADLINE_FRAMEWORK } from "../../app/domain/scores";
import { scoreRecord, scoresForYear } from "../../app/models/assessments.server";
import { listFrameworks } from "../../app/models/catalog.server";
import { type Command, formatOption, intOption, UsageError } from "../command";

/** Column names are a contract: other tools read this output. */
export const SCORES_HEADER = ["center", "fiscal_year", "framework", "score", "achieved", "partial", "not_achieved", "not_applicable", "not_assessed", "gaps"] as const;

export const scores: Command = {
  name: "scores",
  summary: "Capability score and gap counts of every center for a fiscal year",
  usage: "scores --fy 2024 [--framework baseline-2008] [--format csv|json]",
  options: { fy: { type: "string" }, framework: { type: "string" }, format: { type: "string" } },
  async run({ db, values, out }) {
    if (values.fy === undefined) throw new UsageError("--fy is required, e.g. --fy 2024");
    // Fiscal years 2000..2100: the range the schema accepts (CHECK on assessments.fiscal_year).
    const fy = intOption(values.fy, "fy", 2000, 2100)!;
    const format = formatOption(values.format);
    const framework = (values.framework as string | undefined) ?? HEADLINE_FRAMEWORK;
    const frameworks = (await listFrameworks(db)).map((f) => f.id);
    if (!frameworks.includes(framework)) throw new UsageError(`Unknown framework "${framework}"; one of ${frameworks.join(", ")}`);
    const rows = await scoresForYear(db, fy, framework);
    if (format === "json") {
      const objects = rows.map(scoreRecord);
      out.write(JSON.stringify(objects, null, 2) + "\n");
      return 0;
    }
    const records = rows.map((r) => [
      r.center,
      String(r.fiscalYear),
      r.framework,
      r.score === null ? "" : r.score.toFixed(1),
      r.achieved,
      r.partial,
      r.notAchieved,
      r.notApplicable,
      r.notAssessed,
      r.gaps,
    ]);
    out.write(stringify([[...SCORES_HEADER], ...records], { record_delimiter: "\n" }));
    return 0;
  },
};
