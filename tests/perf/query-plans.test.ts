/**
 * The main pages' SQL must find its rows through indexes and never read the spending
 * table from end to end (1.7 million rows at national scale). The loaders run on the demo data
 * with every statement Kysely sends captured; each statement's EXPLAIN QUERY PLAN is then checked.
 * SQLite chooses the same plans at every scale here (no ANALYZE statistics), so the small demo
 * network shows the plans the national one gets. No timings are asserted.
 */
import { Kysely, SqliteDialect } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerHandle, sqliteHandle } from "../../db/client";
import type { Database } from "../../db/schema";
import { setDb } from "~/db.server";
import { loadDemo } from "~/demo/load.server";
import { loader as dashboardLoader } from "~/routes/dashboard";
import { loader as centerLoader } from "~/routes/centers.$code._index";
import { loader as awardLoader } from "~/routes/awards.$number";
import { loader as awardReportLoader } from "~/routes/awards.$number_.report";
import { loader as compareLoader } from "~/routes/compare";
import { loader as findingsLoader } from "~/routes/reports.findings";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();

interface Captured {
  sql: string;
  parameters: readonly unknown[];
}

/** Tables that grow with the network; a full scan of one of them is a design error on a page. */
const LARGE_TABLES = [
  "spending",
  "budget_lines",
  "awards",
  "assessments",
  "line_spending_years",
  "reporting_obligations",
  "audit_log",
  "match_contributions",
  "finding_responses",
];

interface PagePlan {
  page: string;
  statements: Array<{ sql: string; plan: string[] }>;
}

const plans: PagePlan[] = [];
let captured: Captured[] = [];

/** Every name a table goes by in a statement: itself and its aliases (`spending as ps`). */
function namesOf(table: string, statement: string): string[] {
  const names = new Set([table]);
  const alias = new RegExp(`"?${table}"?\\s+(?:as\\s+)?"?(\\w+)"?`, "gi");
  for (const m of statement.matchAll(alias)) {
    const word = m[1].toLowerCase();
    if (!["on", "where", "inner", "left", "cross", "join", "group", "order", "limit", "set", "values", "using"].includes(word)) names.add(m[1]);
  }
  return [...names];
}

/** Plan lines that read a whole table (or, for spending, a whole index of it). */
function fullScans(statement: { sql: string; plan: string[] }): string[] {
  const bad: string[] = [];
  for (const table of LARGE_TABLES) {
    for (const name of namesOf(table, statement.sql)) {
      for (const line of statement.plan) {
        const scan = new RegExp(`^SCAN ${name}\\b`).test(line);
        if (!scan) continue;
        if (table === "spending" || !/USING (COVERING )?INDEX/.test(line)) bad.push(`${table}: ${line}`);
      }
    }
  }
  return bad;
}

describe("query plans of the main pages", () => {
  beforeAll(async () => {
    await loadDemo(t.db, { referenceDate: "2025-06-30" });
    // A second Kysely on the same connection that records every statement, used as the app's db.
    const sqlite = sqliteHandle(t.db);
    const capturing = new Kysely<Database>({
      dialect: new SqliteDialect({ database: sqlite }),
      log: (e) => {
        if (e.level === "query") captured.push({ sql: e.query.sql, parameters: e.query.parameters });
      },
    });
    registerHandle(capturing, sqlite);
    setDb(capturing);

    const cookie = await cookieFor(t.db, "demo-admin");
    const award = await sqlite
      .prepare(
        `select a.award_number as number from awards a join budget_lines b on b.award_id = a.id
           join spending s on s.budget_line_id = b.id group by a.id order by count(*) desc, a.award_number limit 1`,
      )
      .get() as { number: string };
    const centers = (sqlite.prepare("select code from centers order by code limit 8").all() as Array<{ code: string }>).map((c) => c.code);
    const pages: Array<[string, (args: any) => Promise<unknown>, string, Record<string, string>]> = [
      ["dashboard, all centers", dashboardLoader, "/dashboard?fy=2025", {}],
      ["dashboard, one state", dashboardLoader, "/dashboard?fy=2025&state=TX", {}],
      ["center page", centerLoader, "/centers/VA", { code: "VA" }],
      ["award page", awardLoader, `/awards/${award.number}`, { number: award.number }],
      ["award report", awardReportLoader, `/awards/${award.number}/report`, { number: award.number }],
      ["compare 8 centers", compareLoader, `/compare?fy=2025&${centers.map((c) => `c=${c}`).join("&")}`, {}],
      ["findings report", findingsLoader, "/reports/findings?fy=2025", {}],
    ];
    for (const [page, loader, path, params] of pages) {
      // Each page as it runs when nothing is remembered: a shared-table write moves every counter's meaning (migrations/0007, 0019).
      sqlite.exec("update data_version set version = version + 1 where id = 1; update center_versions set version = version + 1 where center_id = 0");
      captured = [];
      const res = await run(loader, request(path, { cookie }), params);
      if (res instanceof Response && res.status !== 200) throw new Error(`${page} answered ${res.status}`);
      plans.push({
        page,
        statements: captured.map((q) => ({
          sql: q.sql,
          plan: (sqlite.prepare(`explain query plan ${q.sql}`).all(...q.parameters.map((p) => (typeof p === "boolean" ? Number(p) : p))) as Array<{
            detail: string;
          }>).map((r) => r.detail),
        })),
      });
    }
  });

  afterAll(() => setDb(t.db));

  it("runs a fixed handful of statements per page, not one per row", () => {
    for (const p of plans) {
      expect(p.statements.length, p.page).toBeGreaterThan(0);
      // The center page, the heaviest, runs 26 statements on any network; 40 leaves room for features.
      expect(p.statements.length, p.page).toBeLessThan(40);
    }
  });

  it("never reads the spending table from end to end", () => {
    const reads = plans.flatMap((p) =>
      p.statements.flatMap((s) => {
        const names = namesOf("spending", s.sql);
        return s.plan
          .filter((l) => names.some((n) => new RegExp(`^(SEARCH|SCAN) ${n}\\b`).test(l)))
          .map((line) => ({ where: `${p.page}: ${s.sql.slice(0, 100)}`, line }));
      }),
    );
    // Pages do read payments (the award report lists them), always by line through an index.
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((r) => r.line.startsWith("SCAN")).map((r) => `${r.where} — ${r.line}`)).toEqual([]);
    for (const r of reads) expect(r.line, r.where).toMatch(/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/);
  });

  it("reaches every large table through an index", () => {
    const offenders = plans.flatMap((p) => p.statements.flatMap((s) => fullScans(s).map((f) => `${p.page}: ${f}`)));
    expect(offenders).toEqual([]);
  });

  it("reads last year's spending per line from the yearly summary, not from the spending table", () => {
    for (const page of ["dashboard, all centers", "dashboard, one state", "findings report", "compare 8 centers"]) {
      const statements = plans.find((p) => p.page === page)!.statements;
      const summary = statements.filter((s) => s.sql.includes('"line_spending_years"'));
      // A few centers read their year's lines and, when a center has a capability assessed not_achieved, its older lines apart.
      expect(summary.length, page).toBeGreaterThanOrEqual(1);
      expect(summary.length, page).toBeLessThanOrEqual(2);
      for (const s of summary) expect(s.plan.some((l) => /line_spending_years USING (COVERING INDEX line_spending_years_year|PRIMARY KEY)/.test(l)), page).toBe(true);
    }
  });
});
