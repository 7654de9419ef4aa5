process.env.SESSION_SECRET = "bench-secret";
const { Kysely, SqliteDialect } = await import("kysely");
const Sqlite = (await import("better-sqlite3")).default;
const { applyPragmas, registerHandle } = await import("/work/main/db/client.ts");
const { setDb } = await import("/work/main/app/db.server.ts");
const { sessionStorage } = await import("/work/main/app/auth/session.server.ts");
const file = process.argv[2];
const sqlite = new Sqlite(file);
applyPragmas(sqlite);
let log: { sql: string; ms: number; params: readonly unknown[] }[] = [];
const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }), log: (e) => { if (e.level === "query") log.push({ sql: e.query.sql, ms: e.queryDurationMillis, params: e.query.parameters }); } });
registerHandle(db as any, sqlite);
setDb(db as any);
const admin = await db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
const s = await sessionStorage().getSession();
s.set("userId", admin.id); s.set("expiresAt", Date.now() + 3600_000);
const cookie = (await sessionStorage().commitSession(s)).split(";")[0];
const big = sqlite.prepare("select a.award_number, count(*) n from spending s join budget_lines b on b.id = s.budget_line_id join awards a on a.id = b.award_id group by a.id order by n desc limit 1").get() as any;
console.log("largest award", big);
const cen = sqlite.prepare("select c.code, count(*) n from awards a join centers c on c.id = a.center_id group by c.id order by n desc, c.code limit 8").all() as any[];
console.log("centers", cen.map((c) => c.code + ":" + c.n).join(" "));
const pages: [string, string, Record<string,string>][] = [
  ["dashboard", "/dashboard?fy=2025", {}],
  ["dashboard", "/dashboard", {}],
  ["dashboard", "/dashboard?fy=2025&state=TX", {}],
  ["centers.$code._index", `/centers/${cen[0].code}`, { code: cen[0].code }],
  ["awards.$number_.report", `/awards/${big.award_number}/report`, { number: big.award_number }],
  ["compare", `/compare?fy=2025&${cen.map((c) => "c=" + c.code).join("&")}`, {}],
  ["reports.findings", "/reports/findings?year=2025", {}],
];
for (const [route, path, params] of pages) {
  const mod = await import(`/work/main/app/routes/${route}.tsx`);
  const times: number[] = [];
  for (let i = 0; i < 4; i++) {
    log = [];
    const t = performance.now();
    let r: any;
    try { r = await mod.loader({ request: new Request("http://localhost" + path, { headers: { Cookie: cookie } }), params, context: {} }); } catch (e) { r = e; }
    times.push(performance.now() - t);
    if (r instanceof Response && r.status >= 300) console.log("status", r.status);
  }
  const top = [...log].sort((a, b) => b.ms - a.ms).slice(0, 4);
  console.log(path, times.map((t) => t.toFixed(0)).join(" "), "queries", log.length, "sum", log.reduce((s, q) => s + q.ms, 0).toFixed(0));
  for (const q of top) console.log("   ", q.ms.toFixed(1), q.sql.slice(0, 220).replace(/\s+/g, " "));
}
