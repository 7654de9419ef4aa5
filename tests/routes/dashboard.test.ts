import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { todayIso } from "~/domain/dates";
import { centsToDecimal } from "~/domain/money";
import { roundOneDecimal } from "~/domain/scores";
import { complianceStatusByCenter, findings } from "~/models/compliance.server";
import { loader as dashboardLoader } from "~/routes/dashboard";
import { loader as csvLoader } from "~/routes/dashboard[.]csv";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
const FY = 2025;

async function dashboard(who: string, query = ""): Promise<any> {
  const cookie = await cookieFor(t.db, who);
  return run(dashboardLoader, request(`/dashboard${query}`, { cookie }));
}

/** Baseline leaves of the catalog: capabilities of baseline-2008 that have no children. */
const LEAVES = sql`select c.id from capabilities c where c.framework_id = 'baseline-2008'
  and not exists (select 1 from capabilities ch where ch.parent_id = c.id)`;

/** Per center assessed in the year: counts over the baseline leaves (a leaf without a row counts as not achieved). */
async function leafCounts(fy: number, states?: string[]) {
  const stateFilter = states ? sql`and c.state in (${sql.join(states)})` : sql``;
  const r = await sql<{ code: string; achieved: number; partial: number; na: number; total: number }>`
    with leaves as (${LEAVES}),
         assessed as (select distinct center_id from assessments where fiscal_year = ${fy})
    select c.code,
           sum(case when a.status = 'achieved' then 1 else 0 end) as achieved,
           sum(case when a.status = 'partial' then 1 else 0 end) as partial,
           sum(case when a.status = 'not_applicable' then 1 else 0 end) as na,
           count(*) as total
    from assessed x
    join centers c on c.id = x.center_id
    cross join leaves l
    left join assessments a on a.center_id = x.center_id and a.fiscal_year = ${fy} and a.capability_id = l.id
    where 1 = 1 ${stateFilter}
    group by c.code order by c.code`.execute(t.db);
  return r.rows.map((row) => {
    const applicable = Number(row.total) - Number(row.na);
    return {
      code: row.code,
      score: applicable === 0 ? null : roundOneDecimal(((Number(row.achieved) + 0.5 * Number(row.partial)) / applicable) * 100),
      gaps: applicable - Number(row.achieved),
    };
  });
}

function medianOf(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return roundOneDecimal(s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2);
}

async function moneyOf(fy: number, where = sql``) {
  const r = await sql<{ federal: number; dhs: number; doj: number; total: number }>`
    select coalesce(sum(case when p.federal = 1 then a.amount_cents else 0 end), 0) as federal,
           coalesce(sum(case when p.agency = 'DHS' then a.amount_cents else 0 end), 0) as dhs,
           coalesce(sum(case when p.agency = 'DOJ' then a.amount_cents else 0 end), 0) as doj,
           coalesce(sum(a.amount_cents), 0) as total
    from awards a join programs p on p.code = a.program_code join centers c on c.id = a.center_id
    where a.voided_at is null and a.fiscal_year = ${fy} ${where}`.execute(t.db);
  const row = r.rows[0];
  return { federal: Number(row.federal), dhs: Number(row.dhs), doj: Number(row.doj), total: Number(row.total) };
}

describe("dashboard", () => {
  beforeAll(async () => {
    await loadDemo(t.db, { referenceDate: "2025-06-30" });
  });

  it("opens on the latest fiscal year with data and counts every center for an admin", async () => {
    const d = await dashboard("demo-admin");
    expect(d.fiscalYear).toBe(FY);
    expect(d.years).toEqual([2025, 2024, 2023, 2022, 2021, 2020, 2019]);
    const centers = await sql<{ n: number }>`select count(*) as n from centers`.execute(t.db);
    expect(d.tiles.centers).toBe(Number(centers.rows[0].n));
    expect(d.rows).toHaveLength(80);
    const assessed = await sql<{ n: number }>`select count(distinct center_id) as n from assessments where fiscal_year = ${FY}`.execute(t.db);
    expect(d.tiles.assessed).toBe(Number(assessed.rows[0].n));
    // GU skipped its FY2025 assessment (planted): shown as not assessed, not as a zero score.
    const gu = d.rows.find((r: any) => r.code === "GU");
    expect(gu).toMatchObject({ assessed: false, score: null, gaps: null, meetsBaseline: false });
  });

  it("scores every center, counts those meeting the baseline and takes the median, as SQL over the assessments does", async () => {
    const d = await dashboard("demo-admin");
    const expected = await leafCounts(FY);
    const byCode = new Map(d.rows.map((r: any) => [r.code, r]));
    for (const e of expected) {
      expect((byCode.get(e.code) as any).score, e.code).toBe(e.score);
      expect((byCode.get(e.code) as any).gaps, e.code).toBe(e.gaps);
    }
    expect(d.tiles.meetingBaseline).toBe(expected.filter((e) => e.gaps === 0).length);
    expect(d.tiles.meetingBaseline).toBeGreaterThan(0);
    const median = medianOf(expected.map((e) => e.score).filter((s): s is number => s !== null));
    expect(d.tiles.medianScore).toBe(median);
    expect(d.footer.medianScore).toBe(median);
    expect(d.footer.totalGaps).toBe(expected.reduce((s, e) => s + e.gaps, 0));
  });

  it("colours each heat-map cell by the area score of that center's assessment row", async () => {
    const d = await dashboard("demo-admin");
    const r = await sql<{ code: string; cap: string; status: string | null }>`
      with leaves as (${LEAVES}), assessed as (select distinct center_id from assessments where fiscal_year = ${FY})
      select c.code, l.id as cap, a.status from assessed x join centers c on c.id = x.center_id cross join leaves l
      left join assessments a on a.center_id = x.center_id and a.fiscal_year = ${FY} and a.capability_id = l.id`.execute(t.db);
    const expected = (status: string | null) => (status === "achieved" ? 100 : status === "partial" ? 50 : status === "not_applicable" ? null : 0);
    const byCode = new Map(d.rows.map((row: any) => [row.code, row]));
    expect(d.areas.map((a: any) => a.id)).toEqual(["I.A", "I.B", "I.C", "I.D", "I.E", "I.F", "II.A", "II.B", "II.C", "II.D", "II.E", "II.F"]);
    let checked = 0;
    for (const row of r.rows) {
      expect((byCode.get(row.code) as any).areas[row.cap], `${row.code} ${row.cap}`).toBe(expected(row.status));
      checked++;
    }
    expect(checked).toBe(79 * 12);
  });

  it("splits the year's federal funds into DHS and DOJ, per center and in total, as SQL over live awards does", async () => {
    const d = await dashboard("demo-admin", "?fy=2024");
    const m = await moneyOf(2024);
    expect(d.tiles).toMatchObject({ federalCents: m.federal, dhsCents: m.dhs, dojCents: m.doj, totalCents: m.total });
    expect(d.tiles.otherFederalCents).toBe(m.federal - m.dhs - m.doj);
    expect(d.tiles.dhsCents).toBeGreaterThan(0);
    const perCenter = await sql<{ code: string; cents: number }>`
      select c.code, sum(a.amount_cents) as cents from awards a join programs p on p.code = a.program_code join centers c on c.id = a.center_id
      where a.voided_at is null and a.fiscal_year = 2024 and p.federal = 1 group by c.code`.execute(t.db);
    for (const row of perCenter.rows) expect(d.rows.find((r: any) => r.code === row.code).federalCents, row.code).toBe(Number(row.cents));
    expect(d.footer.federalCents).toBe(m.federal);
  });

  it("stacks funding by source for every year, as SQL grouped by year and agency", async () => {
    const d = await dashboard("demo-admin");
    const r = await sql<{ fy: number; agency: string; cents: number }>`
      select a.fiscal_year as fy, p.agency, sum(a.amount_cents) as cents from awards a join programs p on p.code = a.program_code
      where a.voided_at is null group by a.fiscal_year, p.agency`.execute(t.db);
    const years = [...new Set(r.rows.map((row) => row.fy))].sort();
    expect(d.funding.map((f: any) => f.fiscalYear)).toEqual(years);
    for (const row of r.rows) expect(d.funding.find((f: any) => f.fiscalYear === row.fy)[row.agency], `${row.fy} ${row.agency}`).toBe(Number(row.cents));
    for (const f of d.funding) expect(f.totalCents).toBe(f.DHS + f.DOJ + f.STATE + f.LOCAL + f.OTHER);
  });

  it("counts open violations from the compliance engine, and stops counting one once an auditor resolves it", async () => {
    const asOf = todayIso();
    const engine = await findings(t.db, { asOf, fiscalYear: 2024 });
    const violations = engine.findings.filter((f) => f.severity === "violation");
    expect(violations.length).toBeGreaterThan(0);
    const before = await dashboard("demo-admin", "?fy=2024");
    expect(before.tiles.openViolations).toBe(violations.filter((f) => f.response?.disposition !== "resolved").length);

    const v = violations[0];
    await t.db
      .insertInto("finding_responses")
      .values({
        rule: v.rule,
        center_code: v.centerCode,
        award_number: v.awardNumber ?? "",
        fiscal_year: v.fiscalYear,
        capability_id: v.capabilityId ?? "",
        disposition: "resolved",
        updated_at: new Date().toISOString(),
      })
      .execute();
    const after = await dashboard("demo-admin", "?fy=2024");
    expect(after.tiles.openViolations).toBe(before.tiles.openViolations - 1);
    await t.db.deleteFrom("finding_responses").execute();
  });

  it("counts compliance statuses as the compliance model does, center by center", async () => {
    const d = await dashboard("demo-admin", "?fy=2024");
    const statuses = await complianceStatusByCenter(t.db, 2024, { kind: "all" }, { asOf: todayIso() });
    for (const row of d.rows) expect(row.compliance, row.code).toBe(statuses.get(row.code));
    const counts = { green: 0, amber: 0, red: 0, not_assessed: 0 }; // every center assessed FY2024
    for (const s of statuses.values()) counts[s]++;
    expect(d.compliance).toEqual(counts);
  });

  it("counts overdue reports as SQL over unsubmitted federal obligations past due", async () => {
    const d = await dashboard("demo-admin");
    const r = await sql<{ n: number }>`
      select count(*) as n from reporting_obligations o join awards a on a.id = o.award_id join programs p on p.code = a.program_code
      where a.voided_at is null and p.federal = 1 and o.submitted_on is null and o.due < ${todayIso()}`.execute(t.db);
    expect(d.tiles.overdueReports).toBe(Number(r.rows[0].n));
  });

  it("shows a state official only the centers of their states, with their money only", async () => {
    const d = await dashboard("demo-state", "?fy=2024");
    expect(d.rows.map((r: any) => r.code).sort()).toEqual(["TX", "TX-AUS", "TX-DAL", "TX-ELP", "TX-HOU", "TX-SAT", "VA"]);
    expect(d.options.states).toEqual(["TX", "VA"]);
    const m = await moneyOf(2024, sql`and c.state in ('VA', 'TX')`);
    expect(d.tiles.federalCents).toBe(m.federal);
    const scores = await leafCounts(2024, ["VA", "TX"]);
    expect(d.tiles.medianScore).toBe(medianOf(scores.map((s) => s.score).filter((s): s is number => s !== null)));
    const funding = await sql<{ cents: number }>`select sum(a.amount_cents) as cents from awards a join centers c on c.id = a.center_id
      where a.voided_at is null and c.state in ('VA', 'TX')`.execute(t.db);
    expect(d.funding.reduce((s: number, f: any) => s + f.totalCents, 0)).toBe(Number(funding.rows[0].cents));

    // Another state in the URL shows nothing rather than leaking its figures.
    const md = await dashboard("demo-state", "?fy=2024&state=MD");
    expect(md.rows).toEqual([]);
    expect(md.noDataForYear).toBe(false); // the page says "no center matches", not "no data"
    expect(md.years).toHaveLength(7);
    expect(md.tiles.federalCents).toBe(0);
    expect(md.funding).toEqual([]);
  });

  it("shows a director their center and its state's peers", async () => {
    const d = await dashboard("demo-director");
    expect(d.rows.map((r: any) => r.code)).toEqual(["VA"]);
    expect(d.role).toBe("director");
  });

  it("filters by state, program and agency, counting only that money", async () => {
    const tx = await dashboard("demo-admin", "?fy=2024&state=TX");
    expect(tx.rows).toHaveLength(6);
    expect(tx.tiles.federalCents).toBe((await moneyOf(2024, sql`and c.state = 'TX'`)).federal);

    const uasi = await dashboard("demo-admin", "?fy=2024&program=uasi");
    expect(uasi.filters.program).toBe("UASI");
    const holders = await sql<{ n: number }>`select count(distinct center_id) as n from awards where program_code = 'UASI' and fiscal_year = 2024 and voided_at is null`.execute(t.db);
    expect(uasi.rows).toHaveLength(Number(holders.rows[0].n));
    expect(uasi.rows.every((r: any) => r.code.includes("-"))).toBe(true); // urban-area centers only
    expect(uasi.tiles.federalCents).toBe((await moneyOf(2024, sql`and a.program_code = 'UASI'`)).federal);
    expect(uasi.tiles.dojCents).toBe(0);

    const doj = await dashboard("demo-admin", "?fy=2024&agency=DOJ");
    const dojMoney = await moneyOf(2024, sql`and p.agency = 'DOJ'`);
    expect(doj.tiles).toMatchObject({ federalCents: dojMoney.doj, dojCents: dojMoney.doj, dhsCents: 0 });
    expect(doj.funding.every((f: any) => f.DHS === 0 && f.STATE === 0 && f.totalCents === f.DOJ)).toBe(true);
  });

  it("states what the program filter does, and keeps the every-year funding totals whatever the year", async () => {
    // One center without its FY2021 JAG award: the filter narrows that year's heat map, not the chart.
    const award = await sql<{ id: number }>`select a.id from awards a join centers c on c.id = a.center_id
      where c.code = 'VA' and a.program_code = 'JAG' and a.fiscal_year = 2021 and a.voided_at is null`.execute(t.db);
    const ids = award.rows.map((r) => r.id);
    expect(ids.length).toBeGreaterThan(0);
    await sql`update awards set voided_at = '2025-01-01T00:00:00Z', void_reason = 'test' where id in (${sql.join(ids)})`.execute(t.db);
    try {
      const a = await dashboard("demo-admin", "?fy=2021&program=JAG");
      const b = await dashboard("demo-admin", "?fy=2024&program=JAG");
      expect(a.rows.some((r: any) => r.code === "VA")).toBe(false);
      expect(b.rows.some((r: any) => r.code === "VA")).toBe(true);
      expect(a.funding).toEqual(b.funding);
      const byYear = await sql<{ fy: number; cents: number }>`
        select fiscal_year as fy, sum(amount_cents) as cents from awards where program_code = 'JAG' and voided_at is null group by fiscal_year order by fiscal_year`.execute(t.db);
      expect(b.funding.map((f: any) => [f.fiscalYear, f.totalCents])).toEqual(byYear.rows.map((r) => [r.fy, Number(r.cents)]));
    } finally {
      await sql`update awards set voided_at = null, void_reason = null where id in (${sql.join(ids)})`.execute(t.db);
    }
    const b = await dashboard("demo-admin", "?fy=2024&program=JAG");
    expect(b.filterSummary).toMatch(/only centers that hold a live JAG award in FY2024/);
    expect(b.filterSummary).toMatch(/all 80 centers/);
    expect((await dashboard("demo-admin", "?fy=2024")).filterSummary).toBeNull();
  });

  it("says so when the year has no data or a filter matches nothing", async () => {
    const none = await dashboard("demo-admin", "?fy=2030");
    expect(none).toMatchObject({ fiscalYear: 2030, noDataForYear: true, rows: [] });
    // No UASI award of FY2025 has started by the demo's reference date.
    const empty = await dashboard("demo-admin", "?fy=2025&program=UASI");
    expect(empty.noDataForYear).toBe(false);
    expect(empty.rows).toEqual([]);
    expect(empty.tiles.centers).toBe(0);
    const bad = await dashboard("demo-admin", "?agency=NASA&program=NOPE");
    expect(bad.fiscalYear).toBe(FY);
    expect(bad.notes).toHaveLength(2);
    expect(bad.filters).toEqual({});
    // A bad year is refused the same way on every page and export (app/domain/fiscal-year.ts).
    const badYear = (await dashboard("demo-admin", "?fy=soon")) as Response;
    expect(badYear.status).toBe(400);
    expect(await badYear.text()).toContain('"soon" is not a fiscal year');
  });

  it("sorts the heat map from the URL, blanks last", async () => {
    const byCode = await dashboard("demo-admin", "?sort=code&dir=asc");
    const codes = byCode.rows.map((r: any) => r.code);
    expect(codes).toEqual([...codes].sort());
    const byArea = await dashboard("demo-admin", "?sort=area:II.B&dir=asc");
    const values = byArea.rows.map((r: any) => r.areas["II.B"]);
    const present = values.filter((v: any) => v !== null);
    expect(present).toEqual([...present].sort((a: number, b: number) => a - b));
    expect(values.slice(present.length).every((v: any) => v === null)).toBe(true);
    const byScore = await dashboard("demo-admin");
    const scores = byScore.rows.map((r: any) => r.score).filter((s: any) => s !== null);
    expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
    expect(byScore.rows[byScore.rows.length - 1].code).toBe("GU");
  });

  it("exports the heat map as CSV with the page's rows, order and footer", async () => {
    const query = "?fy=2024&state=TX&sort=federal&dir=desc";
    const page = await dashboard("demo-admin", query);
    const cookie = await cookieFor(t.db, "demo-admin");
    const res = (await run(csvLoader, request(`/dashboard.csv${query}`, { cookie }))) as Response;
    expect(res.headers.get("Content-Type")).toContain("text/csv");
    expect(res.headers.get("Content-Disposition")).toContain("dashboard-FY2024-TX.csv");
    const rows: string[][] = parse(await res.text(), { bom: true });
    expect(rows[0].slice(0, 6)).toEqual(["Code", "Center", "State", "Assessed", "Baseline score", "Gaps"]);
    expect(rows).toHaveLength(1 + page.rows.length + 1);
    expect(rows.slice(1, -1).map((r) => r[0])).toEqual(page.rows.map((r: any) => r.code));
    const fedCol = rows[0].indexOf("Federal funds");
    rows.slice(1, -1).forEach((r, i) => expect(r[fedCol]).toBe(centsToDecimal(page.rows[i].federalCents)));
    const footer = rows[rows.length - 1];
    expect(footer[fedCol]).toBe(centsToDecimal(page.footer.federalCents));
    expect(footer[4]).toBe(String(page.footer.medianScore));
    expect(footer[5]).toBe(String(page.footer.totalGaps));

    const anonymous = (await run(csvLoader, request("/dashboard.csv"))) as Response;
    expect(anonymous.status).toBe(302);
  });
});
