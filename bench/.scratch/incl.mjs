import fs from "node:fs";
const dir = process.argv[2];
const f = fs.readdirSync(dir).filter((x) => x.endsWith(".cpuprofile"))[0];
const p = JSON.parse(fs.readFileSync(dir + "/" + f));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map(); const byFile = new Map();
const key = (n) => `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber}`;
for (const n of p.nodes) {
  const t = dt.get(n.id) ?? 0; if (!t) continue;
  const file = n.callFrame.url.split("/").slice(-3).join("/") || n.callFrame.functionName;
  byFile.set(file, (byFile.get(file) ?? 0) + t);
  const seen = new Set(); let id = n.id;
  while (id !== undefined) { const k = key(byId.get(id)); if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + t); } id = parent.get(id); }
}
console.log("-- self by file");
for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log((v / 1000).toFixed(0).padStart(7), k);
console.log("-- inclusive");
const pat = new RegExp(process.argv[3] ?? ".");
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).filter(([k]) => pat.test(k)).slice(0, Number(process.argv[4] ?? 40))) console.log((v / 1000).toFixed(0).padStart(7), k);
