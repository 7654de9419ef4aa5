import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { todayIso } from "~/domain/dates";
import { centsToDecimal } from "~/domain/money";
import { roundOneDecimal } from "~/domain/scores";
import { findings } from "~/models/compliance.server";
import { loader as compareLoader } from "~/routes/compare";
import { loader as csvLoader } from "~/routes/compare[.]csv";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();

async function compare(who: string, query: string): Promise<any> {
  const cookie = await cookieFor(t.db, who);
  const res = (await run(compareLoader, request(`/compare${query}`, { cookie }))) as Response;
  if (res.status === 302 || res.status === 403) return res;
  return Object.assign(await res.json(), { status: res.status });
}

const LEAVES = sql`select c.id from capabilities c where c.framework_id = 'baseline-2008'
  and not exists (select 1 from capabilities ch where ch.parent_id = c.id)`;

/** Gap leaves per center for a year, straight from the assessments (a leaf with no row is a gap). */
async function gapsOf(codes: string[], fy: number): Promise<Map<string, string[]>> {
  const r = await sql<{ code: string; gap: string }>`
    with leaves as (${LEAVES})
    select c.code, l.id as gap from centers c cross join leaves l
    left join assessments a on a.center_id = c.id and a.fiscal_year = ${fy} and a.capability_id = l.id
    where c.code in (${sql.join(codes)})
      and exists (select 1 from assessments x where x.center_id = c.id and x.fiscal_year = ${fy})
      and (a.status is null or a.status in ('partial', 'not_achieved'))
    order by c.code, l.id`.execute(t.db);
  const out = new Map<string, string[]>();
  for (const row of r.rows) out.set(row.code, [...(out.get(row.code) ?? []), row.gap]);
  return out;
}

async function scoreOf(code: string, fy: number): Promise<number | null> {
  const r = await sql<{ ach: number; par: number; na: number; total: number; rows: number }>`
    with leaves as (${LEAVES})
    select sum(case when a.status = 'achieved' then 1 else 0 end) as ach, sum(case when a.status = 'partial' then 1 else 0 end) as par,
           sum(case when a.status = 'not_applicable' then 1 else 0 end) as na, count(*) as total, count(a.id) as rows
    from leaves l cross join centers c left join assessments a on a.center_id = c.id and a.fiscal_year = ${fy} and a.capability_id = l.id
    where c.code = ${code}`.execute(t.db);
  const row = r.rows[0];
  if (Number(row.rows) === 0) return null;
  const applicable = Number(row.total) - Number(row.na);
  return roundOneDecimal(((Number(row.ach) + 0.5 * Number(row.par)) / applicable) * 100);
}

describe("compare centers", () => {
  beforeAll(async () => {
    await loadDemo(t.db, { referenceDate: "2025-06-30" });
  });

  it("puts three centers side by side with scores and gaps from the assessments", async () => {
    const d = await compare("demo-admin", "?c=VA&c=MD&c=TX-HOU&fy=2024");
    expect(d.status).toBe(200);
    const c = d.comparison;
    expect(c.kind).toBe("ok");
    expect(c.fiscalYear).toBe(2024);
    expect(c.centers.map((x: any) => x.code)).toEqual(["VA", "MD", "TX-HOU"]);
    const now = await gapsOf(["VA", "MD", "TX-HOU"], 2024);
    const before = await gapsOf(["VA", "MD", "TX-HOU"], 2023);
    for (const x of c.centers) {
      expect(x.score, x.code).toBe(await scoreOf(x.code, 2024));
      expect([...x.gaps].sort(), x.code).toEqual(now.get(x.code) ?? []);
      expect(x.priorGaps, x.code).toBe((before.get(x.code) ?? []).length);
      const closed = (before.get(x.code) ?? []).filter((g) => !(now.get(x.code) ?? []).includes(g));
      expect([...x.closedGaps].sort(), x.code).toEqual(closed);
    }
    expect(c.totals.gaps).toBe(c.centers.reduce((s: number, x: any) => s + x.gaps.length, 0));
    expect(c.totals.closedGaps).toBeGreaterThan(0);

    // Area scores, cell by cell, from the assessment rows (achieved 100, partial 50, otherwise 0; n/a blank).
    const rows = await sql<{ code: string; cap: string; status: string | null }>`
      with leaves as (${LEAVES})
      select c.code, l.id as cap, a.status from centers c cross join leaves l
      left join assessments a on a.center_id = c.id and a.fiscal_year = 2024 and a.capability_id = l.id
      where c.code in ('VA', 'MD', 'TX-HOU')`.execute(t.db);
    const area = (s: string | null) => (s === "achieved" ? 100 : s === "partial" ? 50 : s === "not_applicable" ? null : 0);
    for (const row of rows.rows) expect(c.centers.find((x: any) => x.code === row.code).areas[row.cap], `${row.code} ${row.cap}`).toBe(area(row.status));
    expect(rows.rows).toHaveLength(36);
  });

  it("shows each center's funding by source and federal funds per open and per closed gap", async () => {
    const d = await compare("demo-admin", "?c=VA&c=MD&c=TX-HOU&fy=2024");
    const r = await sql<{ code: string; agency: string; federal: number; cents: number }>`
      select c.code, p.agency, p.federal, sum(a.amount_cents) as cents from awards a join programs p on p.code = a.program_code
      join centers c on c.id = a.center_id where c.code in ('VA', 'MD', 'TX-HOU') and a.fiscal_year = 2024 and a.voided_at is null
      group by c.code, p.agency, p.federal`.execute(t.db);
    for (const x of d.comparison.centers) {
      const mine = r.rows.filter((row) => row.code === x.code);
      for (const row of mine) expect(x.funding[row.agency], `${x.code} ${row.agency}`).toBe(Number(row.cents));
      const federal = mine.filter((row) => row.federal === 1).reduce((s, row) => s + Number(row.cents), 0);
      expect(x.federalCents).toBe(federal);
      expect(x.totalCents).toBe(mine.reduce((s, row) => s + Number(row.cents), 0));
      expect(x.federalPerOpenGapCents).toBe(x.gaps.length ? Math.round(federal / x.gaps.length) : null);
      expect(x.federalPerClosedGapCents).toBe(x.closedGaps.length ? Math.round(federal / x.closedGaps.length) : null);
    }
    const t2 = d.comparison.totals;
    expect(t2.federalCents).toBe(r.rows.filter((row) => row.federal === 1).reduce((s, row) => s + Number(row.cents), 0));
    expect(t2.federalPerOpenGapCents).toBe(t2.gaps ? Math.round(t2.federalCents / t2.gaps) : null);
  });

  it("measures the federal budget aimed at gaps the way the compliance engine links capabilities", async () => {
    const d = await compare("demo-admin", "?c=VA&c=MD&c=TX-HOU&fy=2024");
    // A line aims at a gap when it names the gap or a capability linked to it (either direction); the demo catalog has no items.
    const r = await sql<{ code: string; budgeted: number; aimed: number }>`
      with leaves as (${LEAVES}),
      gaps as (
        select a0.center_id, l.id as gap from (select distinct center_id from assessments where fiscal_year = 2024) a0 cross join leaves l
        left join assessments a on a.center_id = a0.center_id and a.fiscal_year = 2024 and a.capability_id = l.id
        where a.status is null or a.status in ('partial', 'not_achieved')),
      lines as (
        select aw.center_id, bl.capability_id, bl.amount_cents from budget_lines bl join awards aw on aw.id = bl.award_id
        join programs p on p.code = aw.program_code
        where aw.fiscal_year = 2024 and aw.voided_at is null and bl.voided_at is null and p.federal = 1)
      select c.code, sum(l.amount_cents) as budgeted,
        sum(case when exists (select 1 from gaps g where g.center_id = l.center_id and (g.gap = l.capability_id or exists (
          select 1 from capability_links k where (k.from_id = g.gap and k.to_id = l.capability_id) or (k.to_id = g.gap and k.from_id = l.capability_id))))
          then l.amount_cents else 0 end) as aimed
      from lines l join centers c on c.id = l.center_id where c.code in ('VA', 'MD', 'TX-HOU') group by c.code`.execute(t.db);
    for (const row of r.rows) {
      const x = d.comparison.centers.find((c: any) => c.code === row.code);
      expect(x.federalBudgetedCents, row.code).toBe(Number(row.budgeted));
      expect(x.aimedAtGapsCents, row.code).toBe(Number(row.aimed));
      expect(x.aimedShare, row.code).toBeCloseTo(Number(row.aimed) / Number(row.budgeted), 12);
    }
    expect(r.rows.some((row) => Number(row.aimed) > 0)).toBe(true);
  });

  it("counts findings by severity from the compliance engine", async () => {
    const d = await compare("demo-admin", "?c=VA&c=MD&c=TX-HOU&fy=2024");
    const ids = (await t.db.selectFrom("centers").select("id").where("code", "in", ["VA", "MD", "TX-HOU"]).execute()).map((r) => r.id);
    const engine = await findings(t.db, { asOf: todayIso(), fiscalYear: 2024, centerIds: ids });
    for (const x of d.comparison.centers) {
      expect(x.violations, x.code).toBe(engine.findings.filter((f) => f.centerCode === x.code && f.severity === "violation").length);
      expect(x.warnings, x.code).toBe(engine.findings.filter((f) => f.centerCode === x.code && f.severity === "warning").length);
    }
    expect(d.comparison.totals.violations + d.comparison.totals.warnings).toBe(engine.findings.length);
  });

  it("switches the year from the URL and defaults to the latest year", async () => {
    const latest = await compare("demo-admin", "?c=VA&c=MD");
    expect(latest.comparison.fiscalYear).toBe(2025);
    expect(latest.comparison.years).toEqual([2025, 2024, 2023, 2022, 2021, 2020, 2019]);
    const older = await compare("demo-admin", "?c=VA&c=MD&fy=2020");
    expect(older.comparison.fiscalYear).toBe(2020);
    expect(older.comparison.centers[0].score).toBe(await scoreOf("VA", 2020));
    // FY2019 is the first demo year: no prior assessment, so no gap can be counted as closed.
    const first = await compare("demo-admin", "?c=VA&c=MD&fy=2019");
    expect(first.comparison.centers.every((x: any) => x.closedGaps === null && x.federalPerClosedGapCents === null)).toBe(true);
    const none = await compare("demo-admin", "?c=VA&c=MD&fy=2031");
    expect(none.comparison).toMatchObject({ kind: "ok", noDataForYear: true });
  });

  it("lets a state official compare all centers of their state, and the state's centers they choose", async () => {
    const tx = await compare("demo-state", "?state=TX&fy=2024");
    expect(tx.comparison.centers.map((x: any) => x.code)).toEqual(["TX", "TX-AUS", "TX-DAL", "TX-ELP", "TX-HOU", "TX-SAT"]);
    const three = await compare("demo-state", "?c=TX&c=TX-HOU&c=VA");
    expect(three.comparison.centers).toHaveLength(3);
    expect(three.centers.every((c: any) => ["TX", "VA"].includes(c.state))).toBe(true);
  });

  it("refuses centers outside the user's states with a 403 naming them", async () => {
    const res = await compare("demo-state", "?c=VA&c=MD&c=NY");
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("MD, NY");
    const state = await compare("demo-director", "?state=TX");
    expect(state.status).toBe(403);
    expect(await state.text()).toContain("TX");
  });

  it("asks for 2 to 8 centers, and names unknown codes", async () => {
    const one = await compare("demo-admin", "?c=VA");
    expect(one.status).toBe(400);
    expect(one.comparison.message).toContain("Choose from 2 to 8 centers");
    const nine = await compare("demo-admin", "?c=VA&c=MD&c=NY&c=TX&c=CA&c=FL&c=GA&c=OH&c=PA");
    expect(nine.status).toBe(400);
    expect(nine.comparison.message).toContain("you chose 9");
    const unknown = await compare("demo-admin", "?c=VA&c=ZZ");
    expect(unknown.comparison.message).toBe("No center has the code ZZ.");
    const va = await compare("demo-director", "?state=VA");
    expect(va.comparison.message).toContain("VA has 1");
    const blank = await compare("demo-admin", "");
    expect(blank.status).toBe(200);
    expect(blank.comparison).toEqual({ kind: "choose", message: null, fiscalYear: null });
    expect(blank.centers).toHaveLength(80);
  });

  it("exports the same figures as CSV, with the totals column", async () => {
    const query = "?c=VA&c=MD&c=TX-HOU&fy=2024";
    const page = await compare("demo-admin", query);
    const cookie = await cookieFor(t.db, "demo-admin");
    const res = (await run(csvLoader, request(`/compare.csv${query}`, { cookie }))) as Response;
    expect(res.headers.get("Content-Disposition")).toContain("compare-FY2024-VA-MD-TX-HOU.csv");
    const rows: string[][] = parse(await res.text(), { bom: true });
    expect(rows[0]).toEqual(["Figure", "VA", "MD", "TX-HOU", "All 3"]);
    expect(rows.slice(2).map((r) => r[0].replace(/ \(%\)$/, ""))).toEqual(page.table.map((r: any) => r.label));
    const federal = rows.find((r) => r[0] === "Federal funds FY2024")!;
    expect(federal.slice(1)).toEqual([...page.comparison.centers.map((x: any) => centsToDecimal(x.federalCents)), centsToDecimal(page.comparison.totals.federalCents)]);
    const violations = rows.find((r) => r[0] === "Findings FY2024: violations")!;
    expect(violations[4]).toBe(String(page.comparison.totals.violations));

    const refused = (await run(csvLoader, request("/compare.csv?c=VA&c=MD", { cookie: await cookieFor(t.db, "demo-state") }))) as Response;
    expect(refused.status).toBe(403);
  });
});
