import fs from "node:fs";
import { open } from "./db/client";
import { migrateToLatest } from "./db/migrate";
import { runImport } from "./app/models/import.server";
fs.rmSync("/tmp/imp/s.sqlite", { force: true });
const { db } = open("/tmp/imp/s.sqlite");
await migrateToLatest(db);
for (const t of ["centers", "awards", "budget_lines", "spending", "assessments"]) {
  const r = await runImport(db, { fileName: `${t}.csv`, path: `tests/fixtures/import/${t}.csv` }, { dryRun: false, user: null });
  console.log(t, JSON.stringify({ ok: r.ok, fileError: r.fileError, added: r.added, changed: r.changed, unchanged: r.unchanged, errors: r.errors.slice(0, 5), batch: r.batchId }));
}
const r = await runImport(db, { fileName: `spending.xlsx`, path: `tests/fixtures/import/spending.xlsx` }, { dryRun: true, user: null });
console.log(JSON.stringify(r).slice(0, 800));
const r2 = await runImport(db, { fileName: `awards.csv`, path: `tests/fixtures/import/awards.csv` }, { dryRun: true, user: null });
console.log(JSON.stringify(r2).slice(0, 800));
