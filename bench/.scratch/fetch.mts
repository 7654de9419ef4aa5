process.env.SESSION_SECRET = "bench-secret";
import { startServer, signIn } from "../lib/server";
import fs from "node:fs";
const server = await startServer(process.argv[2], { SESSION_SECRET: "bench-secret" });
try {
  const cookie = await signIn(server.base, "bench-admin", "bench-password-not-secret");
  for (const path of process.argv.slice(3)) {
    const r = await fetch(server.base + path, { headers: { cookie } }); const t = await r.text();
    const name = "/tmp/benchwork/page-" + path.replace(/[^a-z0-9]+/gi, "_") + ".html"; fs.writeFileSync(name, t); console.log(path, r.status, t.length, name);
  }
} finally { await server.stop(); }
