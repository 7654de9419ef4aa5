import fs from "node:fs";
import { openImport } from "./app/domain/import";
const file = process.env.F ?? "/tmp/imp/spend200k.csv";
for (let k = 0; k < 3; k++) {
const c = process.cpuUsage(); const t = Date.now();
const f = await openImport({ fileName: "s.csv", stream: fs.createReadStream(file, { highWaterMark: 256 * 1024 }) }, { type: "spending" });
let n = 0; for await (const r of f.rows()) n++;
const u = process.cpuUsage(c); console.log("read", n, Date.now() - t, "wall", Math.round((u.user + u.system) / 1000), "cpu");
}
