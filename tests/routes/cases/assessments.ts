import { centsToDecimal } from "../../../app/domain/money";
import { EVERYONE_SIGNED_IN, type CaseContext, type RouteCase } from "../route-case";

/**
 * Capability assessments and their sign-off. Everyone signed in reads the
 * demo director's center VA (the state official covers VA); MD only admins and auditors. Rows are
 * written by the center's director (demo-director: VA) or an admin; a year is submitted by them and
 * validated, sent back or reopened by an auditor or admin.
 *
 * Forms are built when the case runs (before the database is fingerprinted), so each allowed role
 * sends a fresh, valid form: saving the rows unchanged (200, writes nothing), or a sign-off step from
 * the state that step starts from, set up on VA FY2024 so FY2025 stays as the demo loaded it.
 */
type Db = CaseContext["db"];

async function centerId(db: Db, code: string): Promise<number> {
  return (await db.selectFrom("centers").select("id").where("code", "=", code).executeTakeFirstOrThrow()).id;
}

/** The center-year's rows as the page's form would send them, unchanged. */
const unchangedRows = (code: string, fy: number) => async ({ db }: CaseContext) => {
  const rows = await db
    .selectFrom("assessments")
    .select(["capability_id", "status", "evidence", "est_cost_cents", "version"])
    .where("center_id", "=", await centerId(db, code))
    .where("fiscal_year", "=", fy)
    .orderBy("capability_id")
    .execute();
  const form: Record<string, string> = { intent: "save" };
  rows.forEach((r, i) => {
    form[`rows[${i}].capabilityId`] = r.capability_id;
    form[`rows[${i}].status`] = r.status;
    form[`rows[${i}].evidence`] = r.evidence;
    form[`rows[${i}].estCost`] = r.est_cost_cents === null ? "" : centsToDecimal(r.est_cost_cents);
    form[`rows[${i}].version`] = String(r.version);
  });
  return form;
};

/** Puts VA FY2024's sign-off in `state` and returns the step's form with the row's version. */
const reviewStep = (intent: string, state: "draft" | "submitted" | "validated", note = "") => async ({ db }: CaseContext) => {
  const center_id = await centerId(db, "VA");
  const existing = await db.selectFrom("assessment_reviews").select(["id", "version"]).where("center_id", "=", center_id).where("fiscal_year", "=", 2024).executeTakeFirst();
  let version: number;
  if (existing) {
    version = existing.version + 1;
    await db.updateTable("assessment_reviews").set({ state, version }).where("id", "=", existing.id).execute();
  } else {
    await db.insertInto("assessment_reviews").values({ center_id, fiscal_year: 2024, state }).execute();
    version = 1;
  }
  return { intent, note, reviewVersion: String(version) };
};

const DIRECTOR_SIDE: RouteCase["allowed"] = ["admin", "director"];
const REVIEWER_SIDE: RouteCase["allowed"] = ["admin", "auditor"];
const YEAR = "centers.$code.assessments.$fy.tsx";
const YEARS = "centers.$code.assessments._index.tsx";

export const cases: RouteCase[] = [
  { file: YEARS, name: "years of the director's center", method: "GET", path: "/centers/VA/assessments", allowed: EVERYONE_SIGNED_IN },
  { file: YEARS, name: "years of a center in another state", method: "GET", path: "/centers/MD/assessments", allowed: REVIEWER_SIDE },
  { file: YEARS, name: "start a year", method: "POST", path: "/centers/VA/assessments", form: { fiscalYear: "2030" }, allowed: DIRECTOR_SIDE },
  { file: YEARS, name: "start a year at another center", method: "POST", path: "/centers/MD/assessments", form: { fiscalYear: "2030" }, allowed: ["admin"] },

  { file: YEAR, name: "a year of the director's center", method: "GET", path: "/centers/VA/assessments/2025", allowed: EVERYONE_SIGNED_IN },
  { file: YEAR, name: "a year of a center in another state", method: "GET", path: "/centers/MD/assessments/2025", allowed: REVIEWER_SIDE },
  { file: YEAR, name: "save the rows", method: "POST", path: "/centers/VA/assessments/2025", form: unchangedRows("VA", 2025), allowed: DIRECTOR_SIDE },
  { file: YEAR, name: "save one row", method: "POST", path: "/centers/VA/assessments/2025", form: async (ctx) => ({ ...(await unchangedRows("VA", 2025)(ctx)), intent: "row:I.A" }), allowed: DIRECTOR_SIDE },
  { file: YEAR, name: "save another center's rows", method: "POST", path: "/centers/MD/assessments/2025", form: unchangedRows("MD", 2025), allowed: ["admin"] },
  // FY2040 follows an empty FY2039: allowed roles get "nothing to carry" (409), and nothing is written.
  { file: YEAR, name: "carry forward", method: "POST", path: "/centers/VA/assessments/2040", form: { intent: "carry-forward" }, allowed: DIRECTOR_SIDE },
  { file: YEAR, name: "submit for review", method: "POST", path: "/centers/VA/assessments/2024", form: reviewStep("submit", "draft"), allowed: DIRECTOR_SIDE },
  { file: YEAR, name: "validate", method: "POST", path: "/centers/VA/assessments/2024", form: reviewStep("validate", "submitted"), allowed: REVIEWER_SIDE },
  {
    file: YEAR,
    name: "request changes",
    method: "POST",
    path: "/centers/VA/assessments/2024",
    form: reviewStep("request_changes", "submitted", "Attach the evidence"),
    allowed: REVIEWER_SIDE,
  },
  { file: YEAR, name: "reopen", method: "POST", path: "/centers/VA/assessments/2024", form: reviewStep("reopen", "validated"), allowed: REVIEWER_SIDE },
  { file: YEAR, name: "validate at another center", method: "POST", path: "/centers/MD/assessments/2025", form: { intent: "validate", reviewVersion: "" }, allowed: REVIEWER_SIDE },

  { file: "capabilities.$id.tsx", name: "one capability", method: "GET", path: "/capabilities/II.B", allowed: EVERYONE_SIGNED_IN },
  { file: "capabilities.$id.tsx", name: "one capability in a past year", method: "GET", path: "/capabilities/COC-1?fy=2020", allowed: EVERYONE_SIGNED_IN },
];
