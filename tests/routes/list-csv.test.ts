import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { formatMoney } from "~/domain/money";
import { loader as awardsCsv } from "~/routes/awards[.]csv";
import { loader as awardsPage } from "~/routes/awards._index";
import { loader as centersCsv } from "~/routes/centers[.]csv";
import { loader as centersPage } from "~/routes/centers._index";
import { loader as centerPage } from "~/routes/centers.$code._index";
import { loader as gapsCsv } from "~/routes/centers.$code.gaps[.]csv";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
const cookies: Record<string, string> = {};

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  for (const u of ["demo-admin", "demo-director", "demo-auditor", "demo-state"]) cookies[u] = await cookieFor(t.db, u);
});

async function csvOf(loader: typeof awardsCsv, path: string, who: string, params: Record<string, string> = {}) {
  const res = (await run(loader, request(path, { cookie: cookies[who] }), params)) as Response;
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toContain("text/csv");
  const rows: string[][] = parse(await res.text(), { bom: true, relax_column_count: true });
  return { res, header: rows[0], rows: rows.slice(1), body: rows.slice(1, -1), footer: rows[rows.length - 1] };
}

const cents = (dollars: string) => Math.round(Number(dollars) * 100);

describe("the award list CSV", () => {
  it("holds the page's rows for the same filters, on every page, with the page's totals", async () => {
    const query = "?program=JAG&fy=2024";
    const page = (await run(awardsPage, request(`/awards${query}`, { cookie: cookies["demo-auditor"] }))) as any;
    const { res, header, body, footer } = await csvOf(awardsCsv, `/awards.csv${query}`, "demo-auditor");
    expect(res.headers.get("Content-Disposition")).toContain('filename="awards-FY2024-JAG.csv"');
    expect(header.slice(0, 3)).toEqual(["Fiscal year", "Award", "Center"]);
    expect(body.map((r) => r[1])).toEqual(page.awards.map((a: any) => a.award_number));
    expect(new Set(body.map((r) => r[4]))).toEqual(new Set(["JAG"]));
    const amount = header.indexOf("Amount");
    expect(cents(footer[amount])).toBe(page.totals.amountCents);
    expect(cents(footer[header.indexOf("Spent")])).toBe(page.totals.spentCents);
  });

  it("gives a director only their own center's awards, whatever the filter asks for", async () => {
    const own = await csvOf(awardsCsv, "/awards.csv", "demo-director");
    expect(own.body.length).toBeGreaterThan(0);
    expect(new Set(own.body.map((r) => r[2]))).toEqual(new Set(["VA"]));
    const direct = await sql<{ n: number }>`select count(*) as n from awards a join centers c on c.id = a.center_id where c.code = 'VA'`.execute(t.db);
    expect(own.body).toHaveLength(direct.rows[0].n);
    const other = await csvOf(awardsCsv, "/awards.csv?center=MD", "demo-director");
    expect(other.body).toEqual([]);
    expect(other.footer[0]).toBe("Total of 0 live awards");
  });

  it("sends anonymous users to the login page", async () => {
    const res = (await run(awardsCsv, request("/awards.csv"))) as Response;
    expect(res.status).toBe(302);
  });
});

describe("the center list CSV", () => {
  it("holds the page's centers, scores and compliance for the same filters and year", async () => {
    const query = "?state=TX&fy=2024";
    const page = (await run(centersPage, request(`/centers${query}`, { cookie: cookies["demo-state"] }))) as any;
    // No totals row: every row is a center.
    const { header, rows: all } = await csvOf(centersCsv, `/centers.csv${query}`, "demo-state");
    expect(all.length).toBeGreaterThan(1);
    expect(all.map((r) => r[0])).toEqual(page.centers.map((c: any) => c.code));
    const score = header.indexOf("Baseline score");
    for (const [i, c] of page.centers.entries()) {
      expect(all[i][header.indexOf("Fiscal year")]).toBe("2024");
      expect(all[i][score]).toBe(c.assessed ? String(c.score) : "");
      expect(all[i][header.indexOf("Compliance")]).toBe(c.compliance ?? "");
    }
  });

  it("gives a director only their center", async () => {
    expect((await csvOf(centersCsv, "/centers.csv?state=MD", "demo-director")).rows).toEqual([]);
    expect((await csvOf(centersCsv, "/centers.csv", "demo-director")).rows.map((r) => r[0])).toEqual(["VA"]);
  });
});

describe("the center page's gaps CSV", () => {
  it("lists the year's gaps shown on the page, with their funding and estimates", async () => {
    const page = (await run(centerPage, request("/centers/VA?fy=2024", { cookie: cookies["demo-director"] }), { code: "VA" })) as any;
    expect(page.gapView.gaps.length).toBeGreaterThan(0);
    const { res, header, body, footer } = await csvOf(gapsCsv, "/centers/VA/gaps.csv?fy=2024", "demo-director", { code: "VA" });
    expect(res.headers.get("Content-Disposition")).toContain('filename="gaps-VA-FY2024.csv"');
    expect(body.map((r) => r[header.indexOf("Capability")])).toEqual(page.gapView.gaps.map((g: any) => g.capabilityId));
    expect(new Set(body.map((r) => r[0]))).toEqual(new Set(["2024"]));
    const est = header.indexOf("Estimated cost to close");
    expect(formatMoney(cents(footer[est]))).toBe(formatMoney(page.gapView.estCostTotalCents));
  });

  it("refuses a director another center's gaps without revealing them", async () => {
    const res = (await run(gapsCsv, request("/centers/MD/gaps.csv", { cookie: cookies["demo-director"] }), { code: "MD" })) as Response;
    expect(res.status).toBe(403);
    expect(await res.text()).not.toMatch(/I\.A|Capability/);
  });
});
