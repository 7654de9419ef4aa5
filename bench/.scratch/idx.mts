process.env.SESSION_SECRET = "bench-secret";
import { openCapturing, signInInProcess, choosePages, bindable } from "../lib/pages";
const file = process.argv[2];
const conn = openCapturing(file);
const cookie = await signInInProcess("bench-admin", "bench-password-not-secret");
const pages = choosePages(file);
const all: { sql: string; parameters: readonly unknown[]; page: string }[] = [];
for (const page of pages) {
  if (!page.route) continue;
  const mod = await import(`../../app/routes/${page.route.file}.tsx`);
  conn.queries.length = 0;
  await mod.loader({ request: new Request("http://localhost" + page.path, { headers: { Cookie: cookie } }), params: page.route.params, context: {} });
  for (const q of conn.queries) all.push({ ...q, page: page.key });
}
const time = () => {
  const out: Record<string, number> = {};
  for (const q of all) { const st = conn.sqlite.prepare(q.sql); const a = bindable(q.parameters); st.all(...a); const t = performance.now(); for (let i = 0; i < 5; i++) st.all(...a); out[q.page] = (out[q.page] ?? 0) + (performance.now() - t) / 5; }
  return out;
};
const show = (label: string, filter: RegExp) => { for (const q of all.filter((q) => filter.test(q.sql))) { const st = conn.sqlite.prepare(q.sql); const a = bindable(q.parameters); const t = performance.now(); for (let i = 0; i < 5; i++) st.all(...a); console.log(label, q.page, ((performance.now() - t) / 5).toFixed(2), (conn.sqlite.prepare("explain query plan " + q.sql).all(...a) as any[]).map((r) => r.detail).join(" | ").slice(0, 250)); } };
console.log("before", time());
show("B", /count\(\*\) as "n" from "reporting_obligations"|sum\("awards"."amount_cents"\) as "cents" from "awards" inner join "programs"|select distinct/);
for (const s of (process.argv[3] ?? "").split(";").filter(Boolean)) conn.sqlite.exec(s);
console.log("after", time());
show("A", /count\(\*\) as "n" from "reporting_obligations"|sum\("awards"."amount_cents"\) as "cents" from "awards" inner join "programs"|select distinct/);
await conn.close();
