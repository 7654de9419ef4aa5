process.env.SESSION_SECRET = "bench-secret";
import fs from "node:fs";
import { choosePages, loadPage } from "../lib/pages";
import { startServer, signIn, peakRss } from "../lib/server";
const file = process.argv[2];
const server = await startServer(file, { SESSION_SECRET: "bench-secret" });
const rss = () => { const s = fs.readFileSync(`/proc/${server.pid}/status`, "utf8"); return `rss ${(+/VmRSS:\s+(\d+)/.exec(s)![1] / 1024).toFixed(0)} hwm ${(+/VmHWM:\s+(\d+)/.exec(s)![1] / 1024).toFixed(0)}`; };
console.log("after start", rss());
try {
  const cookie = await signIn(server.base, "bench-admin", "bench-password-not-secret");
  console.log("after login", rss());
  for (const page of choosePages(file)) {
    if (process.argv[3] && !page.key.startsWith(process.argv[3])) continue;
    await fetch(server.base + page.path, { headers: { cookie } }).then((r) => r.arrayBuffer());
    console.log(page.key, "1 req", rss());
    await loadPage(server.base, page, cookie, 1, 2);
    console.log(page.key, "c1", rss());
    await loadPage(server.base, page, cookie, 16, 2);
    console.log(page.key, "c16", rss());
  }
} finally { await server.stop(); }
