process.env.SESSION_SECRET = "bench-secret";
import { openCapturing, signInInProcess, choosePages, loaderFloor, bindable } from "../lib/pages";
const file = process.argv[2];
const only = process.argv[3];
const conn = openCapturing(file);
const cookie = await signInInProcess("bench-admin", "bench-password-not-secret");
for (const page of choosePages(file)) {
  if (only && !page.key.startsWith(only)) continue;
  const f = await loaderFloor(page, cookie, conn, 5);
  if (!f) continue;
  console.log(page.path, "loader", f.loaderMs.toFixed(1), "queries", f.queries, "sql", f.sqlMs.toFixed(1));
  if (process.argv[4]) {
    const per = conn.queries.map((q) => { const st = conn.sqlite.prepare(q.sql); const a = bindable(q.parameters); st.all(...a); const t = performance.now(); for (let i = 0; i < 5; i++) st.all(...a); return { ms: (performance.now() - t) / 5, sql: q.sql }; });
    for (const q of per.sort((a, b) => b.ms - a.ms).slice(0, Number(process.argv[4]))) console.log("   ", q.ms.toFixed(2), q.sql.slice(0, 230).replace(/\s+/g, " "));
  }
}
await conn.close();
