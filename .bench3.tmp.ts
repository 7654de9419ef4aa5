import fs from "node:fs";
import { open } from "./db/client";
import { migrateToLatest } from "./db/migrate";
import { runImport } from "./app/models/import.server";
import { openImport } from "./app/domain/import";
const mode = process.argv[2];
const file = process.env.F ?? "/tmp/imp/spend.csv";
const LINES = 500;
const dbfile = `/tmp/imp/b-${mode}.sqlite`;
for (const f of [dbfile, dbfile + "-wal", dbfile + "-shm"]) fs.rmSync(f, { force: true });
const { db, sqlite } = open(dbfile);
await migrateToLatest(db);
sqlite.exec(`insert into centers (code,name,state,kind,created_at) values ('X','X','VA','state','now')`);
sqlite.exec(`insert into awards (award_number,center_id,program_code,fiscal_year,amount_cents,pop_start,pop_end,created_at) values ('A',1,'SHSP',2024,1000000000000,'2023-01-01','2026-01-01','now')`);
const il = sqlite.prepare(`insert into budget_lines (line_id,award_id,poete,cost_category,amount_cents,created_at) values (?,1,'planning','other',1000000000,'now')`);
sqlite.transaction(() => { for (let i = 0; i < LINES; i++) il.run(`L${i}`); })();
if (mode === "import") {
  const t = Date.now();
  const mem0 = process.memoryUsage().rss;
  let peak = 0;
  const r = await runImport(db, { fileName: "s.csv", path: file }, { dryRun: false, user: null, onProgress: (p) => { peak = Math.max(peak, process.memoryUsage().heapUsed); } });
  console.log("runImport", r.added, r.errorCount, r.fileError, Date.now() - t, "ms; peak heap MB", Math.round(peak / 1e6), "rss MB", Math.round(process.memoryUsage().rss / 1e6));
} else {
  const f = await openImport({ fileName: "s.csv", stream: fs.createReadStream(file) }, { type: "spending" });
  const rows: any[] = [];
  for await (const r of f.rows()) if (r.ok) rows.push(r.row);
  const lineIds = new Map((sqlite.prepare("select line_id, id from budget_lines").all() as any[]).map((r) => [r.line_id, r.id]));
  global.gc?.();
  const t = Date.now();
  const ins = sqlite.prepare("insert into spending (spend_id, budget_line_id, date, amount_cents, description, created_at) values (?, ?, ?, ?, ?, ?)");
  const now = new Date().toISOString();
  sqlite.transaction(() => { for (const r of rows) ins.run(r.spendId, lineIds.get(r.lineId), r.date, r.amountCents, r.description, now); })();
  console.log("raw", rows.length, Date.now() - t, "ms");
}
await db.destroy();
