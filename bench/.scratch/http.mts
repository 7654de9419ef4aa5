process.env.SESSION_SECRET = "bench-secret";
import { choosePages, loadPage } from "../lib/pages";
import { startServer, signIn, peakRss } from "../lib/server";
const file = process.argv[2];
const only = process.argv[3];
const secs = Number(process.argv[4] ?? 2);
const server = await startServer(file, { SESSION_SECRET: "bench-secret" });
console.log("start ms", server.startMs.toFixed(0));
try {
  const cookie = await signIn(server.base, "bench-admin", "bench-password-not-secret");
  for (const page of choosePages(file)) {
    if (only && only !== "all" && !page.key.startsWith(only)) continue;
    for (let i = 0; i < 3; i++) { const r = await fetch(server.base + page.path, { headers: { cookie } }); const b = await r.arrayBuffer(); if (i === 0) console.log(page.path, r.status, b.byteLength, "bytes"); }
    const c1 = await loadPage(server.base, page, cookie, 1, secs);
    const c16 = await loadPage(server.base, page, cookie, 16, secs);
    console.log("   c1 p50", c1.p50.toFixed(1), "p99", c1.p99.toFixed(1), "rps", c1.rps.toFixed(0), "| c16 p50", c16.p50.toFixed(1), "rps", c16.rps.toFixed(0), "err", c1.errors + c16.errors);
  }
  console.log("rss MB", (peakRss(server.pid) / 2 ** 20).toFixed(0));
} finally { await server.stop(); }
