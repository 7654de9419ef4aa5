/**
 * The server's route matching keeps what it works out per route array (patches/@remix-run+router+*.patch,
 * docs/decisions/035-route-matching.md): the same URL must match the same routes with the same params as
 * a matching worked out afresh, and the patch must be in place after `npm ci`.
 */
import { createRequire } from "node:module";
import type { AgnosticRouteObject, AgnosticRouteMatch } from "@remix-run/router";

// The file the server loads (package.json "main"), whatever a bundler would pick for the browser.
const { matchRoutes } = createRequire(import.meta.url)("@remix-run/router") as typeof import("@remix-run/router");

/** A tree shaped like the app's: a root layout, index, static, dynamic, optional and splat routes. */
function routes(comparePath = "compare"): AgnosticRouteObject[] {
  return [
    {
      id: "root",
      path: "",
      children: [
        { id: "index", index: true },
        { id: "dashboard", path: "dashboard" },
        { id: "dashboard.csv", path: "dashboard.csv" },
        { id: "centers", path: "centers" },
        { id: "center", path: "centers/:code" },
        { id: "assessments", path: "centers/:code/assessments" },
        { id: "assessment", path: "centers/:code/assessments/:fy" },
        { id: "award", path: "awards/:number" },
        { id: "award-report", path: "awards/:number/report" },
        { id: "compare", path: comparePath },
        { id: "findings", path: "reports/findings" },
        { id: "api", path: "api/v1/:resource/:id?" },
        { id: "case", path: "CaseSensitive", caseSensitive: true },
        { id: "splat", path: "*" },
      ],
    },
  ];
}

const urls = [
  "/",
  "/dashboard",
  "/dashboard/",
  "/DASHBOARD",
  "/dashboard.csv",
  "/centers",
  "/centers/VA",
  "/centers/FL-ORL/assessments",
  "/centers/VA/assessments/2025",
  "/awards/EMW-2024-SS-02338",
  "/awards/EMW%202024/report",
  "/compare",
  "/reports/findings",
  "/api/v1/awards",
  "/api/v1/awards/12",
  "/CaseSensitive",
  "/casesensitive",
  "/no/such/page",
];

const shape = (m: AgnosticRouteMatch[] | null) => m?.map((x) => ({ id: x.route.id, params: x.params, pathname: x.pathname, base: x.pathnameBase }));

describe("server route matching", () => {
  it("matches every URL as a fresh matching does, the first time and every time after", () => {
    const kept = routes();
    for (let pass = 0; pass < 3; pass++) {
      for (const url of urls) expect(shape(matchRoutes(kept, url)), `${url} (pass ${pass})`).toEqual(shape(matchRoutes(routes(), url)));
    }
    expect(shape(matchRoutes(kept, "/centers/VA/assessments/2025"))?.at(-1)).toEqual({
      id: "assessment",
      params: { code: "VA", fy: "2025" },
      pathname: "/centers/VA/assessments/2025",
      base: "/centers/VA/assessments/2025",
    });
    expect(shape(matchRoutes(kept, "/casesensitive"))?.at(-1)?.id).toBe("splat");
  });

  it("keeps the ranked routes of an array it has matched (the patch is applied)", () => {
    const kept = routes();
    expect(shape(matchRoutes(kept, "/compare"))?.at(-1)?.id).toBe("compare");
    // Route arrays are never changed once made; this change only shows whether the ranking was kept.
    kept[0].children![9].path = "comparison";
    expect(shape(matchRoutes(kept, "/compare"))?.at(-1)?.id).toBe("compare");
    expect(shape(matchRoutes(routes("comparison"), "/compare"))?.at(-1)?.id).toBe("splat");
  });
});
