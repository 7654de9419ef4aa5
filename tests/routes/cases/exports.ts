import { EVERYONE_SIGNED_IN, type RouteCase } from "../route-case";

/** CSV exports of the list pages: scoped like their pages (an out-of-scope filter gives no rows, a center outside the user's scope is refused). */
export const cases: RouteCase[] = [
  { file: "awards[.]csv.ts", name: "award list CSV (scoped)", method: "GET", path: "/awards.csv?year=2025", allowed: EVERYONE_SIGNED_IN },
  { file: "awards[.]csv.ts", name: "award list CSV filtered to MD gives no rows, not a refusal", method: "GET", path: "/awards.csv?center=MD", allowed: EVERYONE_SIGNED_IN },
  { file: "centers[.]csv.ts", name: "center list CSV (scoped)", method: "GET", path: "/centers.csv?fy=2025", allowed: EVERYONE_SIGNED_IN },
  { file: "centers.$code.gaps[.]csv.ts", name: "gaps CSV of the director's center VA", method: "GET", path: "/centers/VA/gaps.csv?fy=2025", allowed: EVERYONE_SIGNED_IN },
  { file: "centers.$code.gaps[.]csv.ts", name: "gaps CSV of another state's center MD", method: "GET", path: "/centers/MD/gaps.csv", allowed: ["admin", "auditor"] },
];
