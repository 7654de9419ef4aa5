import { EVERYONE_SIGNED_IN, type CaseContext, type RouteCase } from "../route-case";

/** A live award of a center, for the award report cases. */
async function awardOf(ctx: CaseContext, centerCode: string): Promise<string> {
  const row = await ctx.db
    .selectFrom("awards")
    .innerJoin("centers", "centers.id", "awards.center_id")
    .select("awards.award_number")
    .where("centers.code", "=", centerCode)
    .where("awards.voided_at", "is", null)
    .orderBy("awards.id")
    .executeTakeFirstOrThrow();
  return encodeURIComponent(row.award_number);
}

const READ_ALL: RouteCase["allowed"] = ["admin", "auditor"];

/** Dashboard, compare and the award report: read-only pages scoped to the user's centers. */
export const cases: RouteCase[] = [
  { file: "dashboard.tsx", name: "dashboard (scoped)", method: "GET", path: "/dashboard", allowed: EVERYONE_SIGNED_IN },
  { file: "dashboard.tsx", name: "dashboard filtered to another state shows nothing, not a refusal", method: "GET", path: "/dashboard?state=MD&fy=2024", allowed: EVERYONE_SIGNED_IN },
  { file: "dashboard[.]csv.ts", name: "dashboard heat-map CSV (scoped)", method: "GET", path: "/dashboard.csv?fy=2024", allowed: EVERYONE_SIGNED_IN },
  { file: "compare.tsx", name: "compare picker", method: "GET", path: "/compare", allowed: EVERYONE_SIGNED_IN },
  // MD is outside the VA director's and the VA/TX state official's states.
  { file: "compare.tsx", name: "compare VA with MD", method: "GET", path: "/compare?c=VA&c=MD", allowed: READ_ALL },
  { file: "compare.tsx", name: "compare the centers of TX", method: "GET", path: "/compare?state=TX", allowed: ["admin", "auditor", "state_official"] },
  { file: "compare[.]csv.ts", name: "compare CSV, VA with MD", method: "GET", path: "/compare.csv?c=VA&c=MD", allowed: READ_ALL },
  { file: "compare[.]csv.ts", name: "compare CSV, the centers of TX", method: "GET", path: "/compare.csv?state=TX", allowed: ["admin", "auditor", "state_official"] },
  { file: "awards.$number_.report.tsx", name: "award report, VA award", method: "GET", path: async (ctx) => `/awards/${await awardOf(ctx, "VA")}/report`, allowed: EVERYONE_SIGNED_IN },
  { file: "awards.$number_.report.tsx", name: "award report, MD award", method: "GET", path: async (ctx) => `/awards/${await awardOf(ctx, "MD")}/report`, allowed: READ_ALL },
  {
    file: "awards.$number_.report[.]csv.ts",
    name: "award report CSV, VA award",
    method: "GET",
    path: async (ctx) => `/awards/${await awardOf(ctx, "VA")}/report.csv`,
    allowed: EVERYONE_SIGNED_IN,
  },
  {
    file: "awards.$number_.report[.]csv.ts",
    name: "award report CSV, MD award",
    method: "GET",
    path: async (ctx) => `/awards/${await awardOf(ctx, "MD")}/report.csv`,
    allowed: READ_ALL,
  },
  {
    file: "awards.$number_.report[.]xlsx.ts",
    name: "award report XLSX, VA award",
    method: "GET",
    path: async (ctx) => `/awards/${await awardOf(ctx, "VA")}/report.xlsx`,
    allowed: EVERYONE_SIGNED_IN,
  },
  {
    file: "awards.$number_.report[.]xlsx.ts",
    name: "award report XLSX, MD award",
    method: "GET",
    path: async (ctx) => `/awards/${await awardOf(ctx, "MD")}/report.xlsx`,
    allowed: READ_ALL,
  },
];
