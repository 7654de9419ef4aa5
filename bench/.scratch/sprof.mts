process.env.SESSION_SECRET = "bench-secret";
import { choosePages } from "../lib/pages";
import { startServer, signIn } from "../lib/server";
const file = process.argv[2];
const only = process.argv[3];
const n = Number(process.argv[4] ?? 30);
const server = await startServer(file, { SESSION_SECRET: "bench-secret" }, ["--cpu-prof", "--cpu-prof-dir=/tmp/benchwork/sprof"]);
try {
  const cookie = await signIn(server.base, "bench-admin", "bench-password-not-secret");
  for (const page of choosePages(file)) {
    if (!page.key.startsWith(only)) continue;
    const t = performance.now();
    for (let i = 0; i < n; i++) { const r = await fetch(server.base + page.path, { headers: { cookie } }); await r.arrayBuffer(); }
    console.log(page.path, ((performance.now() - t) / n).toFixed(1), "ms/req");
  }
} finally { await server.stop(); }
