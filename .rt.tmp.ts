import fs from "node:fs";
import { open } from "./db/client";
import { migrateToLatest } from "./db/migrate";
import { loadDemo } from "./app/demo/load.server";
import { exportCsvFor } from "./app/models/export.server";
import { runImport } from "./app/models/import.server";
for (const f of ["/tmp/imp/rt1.sqlite", "/tmp/imp/rt2.sqlite"]) for (const s of ["", "-wal", "-shm"]) fs.rmSync(f + s, { force: true });
const a = open("/tmp/imp/rt1.sqlite"); await migrateToLatest(a.db);
const b = open("/tmp/imp/rt2.sqlite"); await migrateToLatest(b.db);
let t = Date.now();
const s = await loadDemo(a.db, { referenceDate: "2025-06-30" });
console.log("demo", Date.now() - t, s.centers, s.awards, s.budgetLines, s.spending, s.assessments);
for (const type of ["centers", "awards", "budget_lines", "spending", "assessments"] as const) {
  t = Date.now();
  const parts: Buffer[] = [];
  for await (const c of exportCsvFor(a.db, type, { scope: { kind: "all" } })) parts.push(Buffer.from(c));
  const buf = Buffer.concat(parts);
  const te = Date.now() - t; t = Date.now();
  const r = await runImport(b.db, { fileName: type, buffer: buf }, { dryRun: false, user: null });
  console.log(type, "export", te, "import", Date.now() - t, r.added, r.errorCount);
}
