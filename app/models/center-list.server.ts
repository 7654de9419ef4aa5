import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { CenterScope } from "../auth/permissions";
import { todayIso } from "../domain/dates";
import { HEADLINE_FRAMEWORK } from "../domain/scores";
import { scoresForYear } from "./assessments.server";
import { listCenters, listStates } from "./centers.server";
import { complianceStatusByCenter, fiscalYears, latestFiscalYear } from "./compliance.server";

/**
 * The center list of /centers and its CSV for the URL's filters (state, kind, fy): each center the
 * user may see with its baseline score, gap count and compliance status in the chosen fiscal year.
 * The page and the export both call this.
 */
export async function centersForUrl(db: Kysely<Database>, scope: CenterScope, url: URL) {
  const state = url.searchParams.get("state")?.toUpperCase() || undefined;
  const kindParam = url.searchParams.get("kind");
  const kind = kindParam === "state" || kindParam === "urban_area" ? kindParam : undefined;
  const [centers, states, years, latest] = await Promise.all([
    listCenters(db, scope, { state, kind }),
    listStates(db, scope),
    fiscalYears(db),
    latestFiscalYear(db),
  ]);
  const fyParam = Number(url.searchParams.get("fy"));
  const fy = years.includes(fyParam) ? fyParam : latest;
  const [scores, statuses] =
    fy === null
      ? [[], new Map()]
      : await Promise.all([scoresForYear(db, fy, HEADLINE_FRAMEWORK, scope), complianceStatusByCenter(db, fy, scope, { asOf: todayIso() })]);
  const scoreOf = new Map(scores.map((r) => [r.center, r]));
  const rows = centers.map((c) => {
    const s = scoreOf.get(c.code);
    return { ...c, score: s?.score ?? null, gaps: s?.gaps ?? null, assessed: s ? s.achieved + s.partial + s.notAchieved + s.notApplicable > 0 : false, compliance: statuses.get(c.code) ?? null };
  });
  return { centers: rows, states, years, fy, filter: { state: state ?? "", kind: kind ?? "" } };
}
