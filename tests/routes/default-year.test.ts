import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { loader as centersLoader } from "~/routes/centers._index";
import { loader as compareLoader } from "~/routes/compare";
import { loader as dashboardLoader } from "~/routes/dashboard";
import { loader as dashboardCsvLoader } from "~/routes/dashboard[.]csv";
import { loader as awardsLoader } from "~/routes/awards._index";
import { loader as findingsLoader } from "~/routes/reports.findings";
import { loader as findingsCsvLoader } from "~/routes/reports.findings[.]csv";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

/**
 * The year a page opens on: the latest fiscal year with awards in the user's scope, stated on the
 * page, whoever has started next year's assessment; `fy` is the one parameter, old `year=` links
 * are redirected, and a center without an assessment for the year is never shown green.
 */
const t = useTestDatabase();
const AS_OF = "2025-06-30";

async function get(loader: (args: any) => Promise<unknown>, path: string, who = "demo-admin"): Promise<any> {
  return run(loader, request(path, { cookie: await cookieFor(t.db, who) }));
}

describe("the default fiscal year", () => {
  beforeAll(async () => {
    await loadDemo(t.db, { referenceDate: AS_OF });
    // One center (VA) starts its FY2026 assessment early: two rows, no FY2026 award anywhere.
    const va = await t.db.selectFrom("centers").select("id").where("code", "=", "VA").executeTakeFirstOrThrow();
    const caps = await sql<{ id: string }>`select id from capabilities where framework_id = 'baseline-2008'
      and not exists (select 1 from capabilities ch where ch.parent_id = capabilities.id) order by id limit 2`.execute(t.db);
    for (const c of caps.rows) {
      await t.db.insertInto("assessments").values({ center_id: va.id, fiscal_year: 2026, capability_id: c.id, status: "achieved", updated_at: "2025-06-01T00:00:00Z" } as any).execute();
    }
  });

  it("stays on the latest year with awards on the dashboard, and says why", async () => {
    const d = await get(dashboardLoader, "/dashboard");
    expect(d.fiscalYear).toBe(2025);
    expect(d.defaultYear).toEqual({ fiscalYear: 2025, basis: "awards" });
    expect(d.years).toContain(2026); // still offered
    expect(d.rows.length).toBe(80);
    // A state official whose centers hold awards sees the same rule applied to their scope.
    expect((await get(dashboardLoader, "/dashboard", "demo-state")).fiscalYear).toBe(2025);
    // Chosen explicitly, the year says nothing about how it was chosen.
    expect((await get(dashboardLoader, "/dashboard?fy=2024")).defaultYear).toBeNull();
  });

  it("opens the findings report on the same year, with the full year's violations", async () => {
    const page = await get(findingsLoader, `/reports/findings?asOf=${AS_OF}`);
    expect(page.fiscalYear).toBe(2025);
    expect(page.defaultYear).toBe("FY2025, the latest year with awards");
    const explicit = await get(findingsLoader, `/reports/findings?fy=2025&asOf=${AS_OF}`);
    expect(page.counts).toEqual(explicit.counts);
    expect(page.counts.violation).toBeGreaterThan(0);
    // The CSV without a year is the same year's rows.
    const csv = (await get(findingsCsvLoader, `/reports/findings.csv?asOf=${AS_OF}`)) as Response;
    expect(csv.headers.get("Content-Disposition")).toContain("FY2025");
  });

  it("opens the centers list and a comparison on that year too", async () => {
    const centers = await get(centersLoader, "/centers");
    expect(centers.fy).toBe(2025);
    expect(centers.yearNote).toBe("Showing FY2025, the latest year with awards.");
    const compare = await ((await get(compareLoader, "/compare?c=VA,MD")) as Response).json();
    expect(compare.comparison.fiscalYear).toBe(2025);
    expect(compare.comparison.defaultYear).toEqual({ fiscalYear: 2025, basis: "awards" });
  });

  it("never shows a center without that year's assessment as green", async () => {
    // FY2026: only VA has assessment rows; nobody holds an FY2026 award.
    const d = await get(dashboardLoader, "/dashboard?fy=2026");
    const unassessed = d.rows.filter((r: any) => !r.assessed);
    expect(unassessed.length).toBe(79);
    expect(unassessed.every((r: any) => r.compliance === "not_assessed")).toBe(true);
    expect(d.compliance.green).toBeLessThanOrEqual(1);
    expect(d.compliance.not_assessed).toBe(79);
    // GU skipped its FY2025 assessment while holding federal awards: red, never green.
    const fy2025 = await get(dashboardLoader, "/dashboard?fy=2025");
    expect(fy2025.rows.find((r: any) => r.code === "GU").compliance).toBe("red");
    const list = await get(centersLoader, "/centers?fy=2026");
    expect(list.centers.filter((c: any) => !c.assessed).every((c: any) => c.compliance === "not_assessed")).toBe(true);
  });
});

describe("the fy parameter", () => {
  it("redirects old year= links to fy=, keeping the other filters", async () => {
    const res = (await get(findingsLoader, `/reports/findings?year=2024&center=VA`)) as Response;
    expect(res.status).toBe(301);
    expect(res.headers.get("Location")).toBe("/reports/findings?fy=2024&center=VA");
    const awards = (await get(awardsLoader, "/awards?year=2024")) as Response;
    expect(awards.headers.get("Location")).toBe("/awards?fy=2024");
    const list = await get(awardsLoader, "/awards?fy=2024");
    expect(list.filter.fy).toBe("2024");
  });

  it("refuses a value that is not a fiscal year with 400 and the same message everywhere", async () => {
    for (const [loader, path] of [
      [dashboardLoader, "/dashboard?fy=20x5"],
      [dashboardCsvLoader, "/dashboard.csv?fy=20x5"],
      [centersLoader, "/centers?fy=20x5"],
      [awardsLoader, "/awards?fy=20x5"],
      [compareLoader, "/compare?c=VA,MD&fy=20x5"],
      [findingsLoader, "/reports/findings?fy=20x5"],
    ] as const) {
      const res = (await get(loader, path)) as Response;
      expect(res.status, path).toBe(400);
      expect(await res.text(), path).toContain('"20x5" is not a fiscal year');
    }
  });
});
