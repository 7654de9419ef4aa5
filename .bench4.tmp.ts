import fs from "node:fs";
import { open } from "./db/client";
import { migrateToLatest } from "./db/migrate";
const N = 200000, LINES = 500, mode = process.argv[2];
const dbfile = `/tmp/imp/b4-${mode}.sqlite`;
for (const f of [dbfile, dbfile + "-wal", dbfile + "-shm"]) fs.rmSync(f, { force: true });
const { db, sqlite } = open(dbfile);
await migrateToLatest(db);
sqlite.exec(`insert into centers (code,name,state,kind,created_at) values ('X','X','VA','state','now')`);
sqlite.exec(`insert into awards (award_number,center_id,program_code,fiscal_year,amount_cents,pop_start,pop_end,created_at) values ('A',1,'SHSP',2024,1000000000000,'2023-01-01','2026-01-01','now')`);
const il = sqlite.prepare(`insert into budget_lines (line_id,award_id,poete,cost_category,amount_cents,created_at) values (?,1,'planning','other',1000000000,'now')`);
sqlite.transaction(() => { for (let i = 0; i < LINES; i++) il.run(`L${i}`); })();
const rows = Array.from({ length: N }, (_, i) => [`S${i}`, 1 + (i % LINES), `2024-02-${String(1 + (i % 28)).padStart(2, "0")}`, 100 + i, `Invoice ${i}`]);
const now = new Date().toISOString();
const t = Date.now(); const c0 = process.cpuUsage();
if (mode === "single") {
  const ins = sqlite.prepare("insert into spending (spend_id, budget_line_id, date, amount_cents, description, created_at) values (?, ?, ?, ?, ?, ?)");
  sqlite.transaction(() => { for (const r of rows) ins.run(r[0], r[1], r[2], r[3], r[4], now); })();
} else if (mode === "conflict") {
  const ins = sqlite.prepare("insert into spending (spend_id, budget_line_id, date, amount_cents, description, import_batch_id, created_at) values (?, ?, ?, ?, ?, ?, ?) on conflict(spend_id) do nothing");
  sqlite.transaction(() => { for (const r of rows) ins.run(r[0], r[1], r[2], r[3], r[4], null, now); })();
} else if (mode === "multifull") {
  sqlite.exec("insert into import_batches (at, type, file_name, sha256) values ('now','spending','x','x')");
  const B = Number(process.env.B ?? 100);
  const ins = sqlite.prepare("insert into spending (spend_id, budget_line_id, date, amount_cents, description, import_batch_id, created_at) values " + Array(B).fill("(?, ?, ?, ?, ?, ?, ?)").join(",") + " on conflict (spend_id) do nothing");
  sqlite.transaction(() => { for (let i = 0; i < N; i += B) { const p: any[] = []; for (let j = i; j < i + B; j++) p.push(...rows[j], 1, now); ins.run(p); } })();
} else {
  const B = Number(process.env.B ?? 100);
  const ins = sqlite.prepare("insert into spending (spend_id, budget_line_id, date, amount_cents, description, created_at) values " + Array(B).fill("(?, ?, ?, ?, ?, ?)").join(","));
  sqlite.transaction(() => { for (let i = 0; i < N; i += B) { const p: any[] = []; for (let j = i; j < i + B; j++) p.push(...rows[j], now); ins.run(p); } })();
}
console.log(mode, Date.now() - t, "ms wall", Math.round((process.cpuUsage(c0).user + process.cpuUsage(c0).system)/1000), "ms cpu");
