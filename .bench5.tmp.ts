import fs from "node:fs";
import { open } from "./db/client";
import { migrateToLatest } from "./db/migrate";
import { runImport } from "./app/models/import.server";
const file = process.env.F ?? "/tmp/imp/spend200k.csv";
const LINES = 500;
async function fresh(name: string) {
  const dbfile = `/tmp/imp/b5-${name}.sqlite`;
  for (const f of [dbfile, dbfile + "-wal", dbfile + "-shm"]) fs.rmSync(f, { force: true });
  const o = open(dbfile);
  await migrateToLatest(o.db);
  const { sqlite } = o;
  sqlite.exec(`insert into centers (code,name,state,kind,created_at) values ('X','X','VA','state','now')`);
  sqlite.exec(`insert into awards (award_number,center_id,program_code,fiscal_year,amount_cents,pop_start,pop_end,created_at) values ('A',1,'SHSP',2024,1000000000000,'2023-01-01','2026-01-01','now')`);
  const il = sqlite.prepare(`insert into budget_lines (line_id,award_id,poete,cost_category,amount_cents,created_at) values (?,1,'planning','other',1000000000,'now')`);
  sqlite.transaction(() => { for (let i = 0; i < LINES; i++) il.run(`L${i}`); })();
  return o;
}
// rows for raw, parsed simply
const text = fs.readFileSync(file, "utf8").split("\n").slice(1).filter(Boolean);
function measure<T>(fn: () => Promise<T> | T) {
  return async () => { const c = process.cpuUsage(); const t = Date.now(); await fn(); const u = process.cpuUsage(c); return { wall: Date.now() - t, cpu: Math.round((u.user + u.system) / 1000) }; };
}
for (let k = 0; k < 2; k++) {
  {
    const o = await fresh("raw");
    const lineIds = new Map((o.sqlite.prepare("select line_id, id from budget_lines").all() as any[]).map((r) => [r.line_id, r.id]));
    const rows = text.map((l) => { const [a, b, c, d, e] = l.split(","); return [a, lineIds.get(b), c, Math.round(Number(d) * 100), e]; });
    const ins = o.sqlite.prepare("insert into spending (spend_id, budget_line_id, date, amount_cents, description, created_at) values (?, ?, ?, ?, ?, ?)");
    const now = new Date().toISOString();
    const m = await measure(() => o.sqlite.transaction(() => { for (const r of rows) ins.run(r[0], r[1], r[2], r[3], r[4], now); })())();
    console.log("raw", m); await o.db.destroy();
  }
  {
    const o = await fresh("imp");
    let r: any;
    const m = await measure(async () => { r = await runImport(o.db, { fileName: "s.csv", path: file }, { dryRun: false, user: null }); })();
    console.log("import", m, r.added, r.errorCount); await o.db.destroy();
  }
}
