process.env.SESSION_SECRET = "bench-secret";
import { openCapturing, signInInProcess, choosePages, loaderFloor } from "../lib/pages";
const file = process.argv[2];
const only = process.argv[3];
const minMs = Number(process.argv[4] ?? 1);
const conn = openCapturing(file);
const cookie = await signInInProcess("bench-admin", "bench-password-not-secret");
for (const page of choosePages(file)) {
  if (only && !page.key.startsWith(only)) continue;
  const f = await loaderFloor(page, cookie, conn.queries, 1);
  if (!f) continue;
  console.log("==", page.path);
  for (const q of conn.queries.filter((q) => q.ms >= minMs)) {
    const plan = conn.sqlite.prepare("explain query plan " + q.sql).all(...(q.parameters as any[]).map((p) => typeof p === "boolean" ? Number(p) : p)) as any[];
    console.log(q.ms.toFixed(1), q.sql.slice(0, 150).replace(/\s+/g, " "));
    for (const p of plan) console.log("      ", p.detail);
  }
}
await conn.close();
