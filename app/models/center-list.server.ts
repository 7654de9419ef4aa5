import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { CenterScope } from "../domain/permissions";
import { centerYearStatus } from "../domain/compliance";
import { todayIso } from "../domain/dates";
import { describeDefaultYear } from "../domain/fiscal-year";
import { HEADLINE_FRAMEWORK } from "../domain/scores";
import { scoresForYear } from "./assessments.server";
import { listCenters, listStates } from "./centers.server";
import { complianceStatusByCenter, fiscalYears } from "./compliance.server";
import { defaultFiscalYear } from "./years.server";

/**
 * The center list of /centers and its CSV for the URL's filters (state, kind; the fiscal year read
 * by the route, else the default year of years.server.ts): each center the user may see with its
 * baseline score, gap count and compliance status in that year ("not assessed", never green,
 * without the year's assessment). The page and the export both call this.
 */
export async function centersForUrl(db: Kysely<Database>, scope: CenterScope, url: URL, fiscalYear?: number) {
  const state = url.searchParams.get("state")?.toUpperCase() || undefined;
  const kindParam = url.searchParams.get("kind");
  const kind = kindParam === "state" || kindParam === "urban_area" ? kindParam : undefined;
  const [centers, states, years, byDefault] = await Promise.all([
    listCenters(db, scope, { state, kind }),
    listStates(db, scope),
    fiscalYears(db),
    fiscalYear === undefined ? defaultFiscalYear(db) : null,
  ]);
  const fy = fiscalYear ?? byDefault?.fiscalYear ?? null;
  const [scores, statuses] =
    fy === null
      ? [[], new Map()]
      : await Promise.all([scoresForYear(db, fy, HEADLINE_FRAMEWORK, scope), complianceStatusByCenter(db, fy, scope, { asOf: todayIso() })]);
  const scoreOf = new Map(scores.map((r) => [r.center, r]));
  const rows = centers.map((c) => {
    const s = scoreOf.get(c.code);
    const assessed = s ? s.achieved + s.partial + s.notAchieved + s.notApplicable > 0 : false;
    return { ...c, score: s?.score ?? null, gaps: s?.gaps ?? null, assessed, compliance: fy === null ? null : centerYearStatus(statuses.get(c.code), assessed) };
  });
  const yearNote = byDefault ? `Showing ${describeDefaultYear(byDefault)}.` : null;
  return {
    centers: rows,
    states,
    years: fy !== null && !years.includes(fy) ? [fy, ...years] : years,
    fy,
    yearNote,
    filter: { state: state ?? "", kind: kind ?? "" },
  };
}
