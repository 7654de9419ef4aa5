/**
 * The pages the benchmark loads, and two ways of timing each: over HTTP from the production server
 * (autocannon, concurrency 1 and 16), and the floor under it — the page's loader (the same model
 * functions, the same SQL) called in-process, median of several runs, no HTTP and no rendering.
 */
import Sqlite from "better-sqlite3";
import autocannon from "autocannon";
import { Kysely, SqliteDialect } from "kysely";
import { applyPragmas, registerHandle } from "../../db/client";
import type { Database } from "../../db/schema";
import { setDb } from "../../app/db.server";
import { REFERENCE_DATE } from "./data";

export interface PageSpec {
  key: string;
  label: string;
  path: string;
  /** Route module under app/routes and its params, for the in-process floor (none for /healthz). */
  route?: { file: string; params: Record<string, string> };
  /** Shows the same number of rows whatever the size of the network (growth target ≤ 1.2×). */
  fixedSize: boolean;
}

/** The fiscal year of the reference date: the latest year with every program's awards and spending. */
export const BENCH_YEAR = Number(REFERENCE_DATE.slice(0, 4)) + (Number(REFERENCE_DATE.slice(5, 7)) >= 10 ? 1 : 0);

/**
 * Picks the biggest objects of the generated network, so each page shows its heaviest case. Only
 * centers of the first copy of the network count (codes without the "-2" suffix of db/demo.ts):
 * the generator writes them identically at every scale, so the fixed-size pages show the very
 * same rows at national and double and their growth measures the network around them.
 */
export function choosePages(file: string): PageSpec[] {
  const sqlite = new Sqlite(file, { readonly: true });
  try {
    const firstCopy = (code: string) => !/-\d+$/.test(code);
    const awards = sqlite
      .prepare(
        `select a.award_number as number, c.code, sum(y.payments) as n from line_spending_years y
           join budget_lines b on b.id = y.budget_line_id join awards a on a.id = b.award_id
           join centers c on c.id = a.center_id
          group by a.id order by n desc, a.award_number limit 50`,
      )
      .all() as Array<{ number: string; code: string; n: number }>;
    const award = awards.find((a) => firstCopy(a.code))!;
    // Centers by payments (live spending rows, from the yearly summary): the largest center page, and the eight largest to compare.
    const centers = (
      sqlite
        .prepare(
          `select c.code, sum(y.payments) as n from line_spending_years y join budget_lines b on b.id = y.budget_line_id
             join awards a on a.id = b.award_id join centers c on c.id = a.center_id
            group by c.id order by n desc, c.code`,
        )
        .all() as Array<{ code: string }>
    )
      .filter((c) => firstCopy(c.code))
      .slice(0, 8);
    const state = sqlite
      .prepare("select state, count(*) as n from centers group by state order by n desc, state limit 1")
      .get() as { state: string };
    const fy = BENCH_YEAR;
    return [
      { key: "dashboard", label: "Dashboard, all centers", path: `/dashboard?fy=${fy}`, route: { file: "dashboard", params: {} }, fixedSize: false },
      {
        key: "dashboard-state",
        label: `Dashboard, state ${state.state}`,
        path: `/dashboard?fy=${fy}&state=${state.state}`,
        route: { file: "dashboard", params: {} },
        fixedSize: false,
      },
      {
        key: "center",
        label: `Center ${centers[0].code}`,
        path: `/centers/${encodeURIComponent(centers[0].code)}`,
        route: { file: "centers.$code._index", params: { code: centers[0].code } },
        fixedSize: true,
      },
      {
        key: "award-report",
        label: `Award report (${award.n} payments)`,
        path: `/awards/${encodeURIComponent(award.number)}/report`,
        route: { file: "awards.$number_.report", params: { number: award.number } },
        fixedSize: true,
      },
      {
        key: "compare",
        label: "Compare 8 centers",
        path: `/compare?fy=${fy}&${centers.map((c) => `c=${encodeURIComponent(c.code)}`).join("&")}`,
        route: { file: "compare", params: {} },
        fixedSize: true,
      },
      {
        key: "findings",
        label: `Findings report FY${fy}`,
        path: `/reports/findings?fy=${fy}`,
        route: { file: "reports.findings", params: {} },
        fixedSize: false,
      },
      { key: "healthz", label: "/healthz (framework floor)", path: "/healthz", fixedSize: true },
    ];
  } finally {
    sqlite.close();
  }
}

export interface QueryLog {
  sql: string;
  parameters: readonly unknown[];
  ms: number;
}

/** The app's database opened in-process, with every query Kysely runs captured. */
export function openCapturing(file: string): { db: Kysely<Database>; sqlite: Sqlite.Database; queries: QueryLog[]; close: () => Promise<void> } {
  const sqlite = new Sqlite(file);
  applyPragmas(sqlite);
  const queries: QueryLog[] = [];
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: (e) => {
      if (e.level === "query") queries.push({ sql: e.query.sql, parameters: e.query.parameters, ms: e.queryDurationMillis });
    },
  });
  registerHandle(db, sqlite);
  setDb(db);
  return {
    db,
    sqlite,
    queries,
    close: async () => {
      setDb(undefined);
      await db.destroy();
    },
  };
}

/** A session cookie from the real login action, called in-process (same SESSION_SECRET as the server). */
export async function signInInProcess(username: string, password: string): Promise<string> {
  const { action } = (await import("../../app/routes/login")) as { action: (args: unknown) => Promise<Response> };
  const request = new Request("http://localhost/login", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password, redirectTo: "/dashboard" }),
  });
  let res: Response;
  try {
    res = await action({ request, params: {}, context: {} });
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    res = thrown;
  }
  const setCookie = res.headers.get("Set-Cookie");
  if (res.status !== 303 || !setCookie) throw new Error(`Signing in as ${username} in-process failed: ${res.status}`);
  return setCookie.split(";")[0];
}

export interface FloorFigures {
  /** Median ms of the page's loader called in-process (its model functions, no HTTP, no rendering). */
  loaderMs: number;
  /**
   * The same right after a write: data_version moved, so nothing is remembered (app/models/memo.server.ts)
   * and the loader computes its whole-network figures afresh — what the first view after any change costs.
   */
  coldMs: number;
  /** SQL statements one loader call runs after a write (nothing remembered). */
  queries: number;
  /** The same statements run directly on better-sqlite3 (reads; each the median of several runs), summed. */
  sqlMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * What a committed write to one center's rows (a saved budget line, say) does to the memos: the
 * whole-network counter and that center's counter move on (migrations/0007, 0019), so the next
 * call computes that center's figures again and reuses the other centers'.
 */
export function bumpDataVersion(sqlite: Sqlite.Database): void {
  sqlite.prepare("update data_version set version = version + 1 where id = 1").run();
  sqlite.prepare("update center_versions set version = version + 1 where center_id = (select min(id) from centers)").run();
}

/** Parameters as better-sqlite3 binds them (Kysely may pass booleans). */
export function bindable(parameters: readonly unknown[]): unknown[] {
  return parameters.map((p) => (typeof p === "boolean" ? Number(p) : p));
}

export async function loaderFloor(page: PageSpec, cookie: string, conn: { sqlite: Sqlite.Database; queries: QueryLog[] }, runs: number): Promise<FloorFigures | null> {
  if (!page.route) return null;
  const mod = (await import(`../../app/routes/${page.route.file}.tsx`)) as { loader: (args: unknown) => Promise<unknown> };
  const call = async () => {
    const request = new Request(`http://localhost${page.path}`, { headers: { Cookie: cookie } });
    try {
      const r = await mod.loader({ request, params: page.route!.params, context: {} });
      if (r instanceof Response && r.status >= 300) throw new Error(`${page.path}: the loader answered ${r.status}`);
    } catch (thrown) {
      if (thrown instanceof Response) throw new Error(`${page.path}: the loader threw ${thrown.status}`);
      throw thrown;
    }
  };
  await call(); // warm-up: module code, prepared statements, page cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    conn.queries.length = 0;
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  const cold: number[] = [];
  for (let i = 0; i < runs; i++) {
    bumpDataVersion(conn.sqlite);
    conn.queries.length = 0;
    const t = performance.now();
    await call();
    cold.push(performance.now() - t);
  }
  // The statements of a cold call: every query the page needs when nothing is remembered.
  const statements = [...conn.queries];
  let sqlMs = 0;
  for (const q of statements) {
    const stmt = conn.sqlite.prepare(q.sql);
    if (!stmt.reader) continue; // a loader that writes: not replayed
    const args = bindable(q.parameters);
    const run = () => stmt.all(...args);
    run();
    const t: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      run();
      t.push(performance.now() - t0);
    }
    sqlMs += median(t);
  }
  return { loaderMs: median(times), coldMs: median(cold), queries: statements.length, sqlMs };
}

export interface HttpFigures {
  connections: number;
  requests: number;
  durationS: number;
  p50: number;
  p99: number;
  rps: number;
  errors: number;
}

/** Seconds each page is loaded at concurrency 16 before anything is measured (BENCH_WARM). */
export const WARM_SECONDS = Number(process.env.BENCH_WARM ?? 5);

/**
 * Checks that every page answers 200, then brings a freshly started server to the speed it keeps:
 * every page at concurrency 16 for WARM_SECONDS in turn, nothing recorded. Right after start the JIT
 * compiles on the same two cores that serve (and with workers, twice over): on a quiet box the national
 * dashboard with two workers served 169, 175, 253, 277, 332 requests/s in its first five 5-second
 * windows and 313–378 after; one process 128 then about 200 from the third window on (docs/performance.md).
 */
export async function warmUp(base: string, pages: readonly PageSpec[], cookie: string, serverOutput: () => string, seconds = WARM_SECONDS): Promise<void> {
  // A clear failure, with the server's last words, when a page does not answer 200.
  for (const page of pages) {
    const res = await fetch(base + page.path, { headers: { cookie }, redirect: "manual" });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${page.path} answered ${res.status}\n${serverOutput().slice(-2000)}`);
  }
  if (seconds <= 0) return;
  for (const page of pages) await loadPage(base, page, cookie, 16, seconds);
}

/**
 * Loads one URL for `seconds` with `connections` concurrent clients; every non-2xx answer is an
 * error. A page too slow to answer a few times in that window is loaded by count instead (one
 * answer per client, at least five), so its percentiles still rest on several samples.
 */
export async function loadPage(base: string, page: PageSpec, cookie: string, connections: number, seconds: number): Promise<HttpFigures> {
  const first = await cannon(base, page, cookie, connections, { duration: seconds });
  const minimum = Math.max(5, connections);
  if (first.requests >= minimum) return first;
  return cannon(base, page, cookie, connections, { amount: minimum });
}

async function cannon(base: string, page: PageSpec, cookie: string, connections: number, run: { duration?: number; amount?: number }): Promise<HttpFigures> {
  const latencies: number[] = [];
  let bad = 0;
  const started = performance.now();
  const instance = autocannon({
    url: base + page.path,
    connections,
    ...run,
    headers: { cookie },
    timeout: 60,
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    if (status < 200 || status > 299) bad++;
  });
  const result = await instance;
  const durationS = run.amount ? (performance.now() - started) / 1000 : result.duration;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] : NaN);
  return {
    connections,
    requests: latencies.length,
    durationS,
    p50: pct(50),
    p99: pct(99),
    rps: latencies.length / durationS,
    errors: bad + result.errors + result.timeouts,
  };
}
