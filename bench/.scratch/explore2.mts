process.env.SESSION_SECRET = "bench-secret";
import { openCapturing, signInInProcess, choosePages, loaderFloor } from "../lib/pages";
import Sqlite from "better-sqlite3";
const file = process.argv[2];
const only = process.argv[3];
{ const s = new Sqlite(file); const n = (s.prepare("select count(*) n from users where username = 'bench-admin'").get() as any).n; s.close();
  if (!n) { const { open } = await import("../../db/client"); const { createUser } = await import("../../app/models/users.server"); const o = open(file); await o.db.transaction().execute((trx) => createUser(trx, null, { username: "bench-admin", role: "admin", password: "bench-password-not-secret" })); await o.db.destroy(); } }
const conn = openCapturing(file);
const cookie = await signInInProcess("bench-admin", "bench-password-not-secret");
for (const page of choosePages(file)) {
  if (only && !page.key.startsWith(only)) continue;
  const c0 = process.cpuUsage();
  const f = await loaderFloor(page, cookie, conn.queries, 5);
  const cpu = process.cpuUsage(c0).user / 1000 / 6;
  if (!f) continue;
  console.log(page.path, "median", f.medianMs.toFixed(1), "cpu/call", cpu.toFixed(1), "queries", f.queries, "sql", f.sqlMs.toFixed(1));
  for (const q of [...conn.queries].sort((a, b) => b.ms - a.ms).slice(0, 5)) console.log("   ", q.ms.toFixed(1), q.sql.slice(0, 200).replace(/\s+/g, " "));
}
await conn.close();
