/**
 * The timed part of the import benchmark, run by bench/lib/import.ts in a process of its own with the
 * Node flags of `npm run start:prod`: an upload is imported inside the server process, whose heap
 * settings (the young generation's size above all) decide how much of an import goes to collecting
 * garbage. Reads one JSON argument — the database (a SQLite file or a PostgreSQL URL) and the CSV
 * files in order — and prints one JSON line: rows read, rows added, milliseconds, and the first
 * problem if a file did not commit.
 */
import path from "node:path";
import { open, openPostgres } from "../../db/client";
import { runImport } from "../../app/import/runner.server";

interface Job {
  database: { file: string } | { url: string };
  parts: string[];
}

const job = JSON.parse(process.argv[2] ?? "{}") as Job;
const db = "url" in job.database ? openPostgres(job.database.url) : open(job.database.file).db;
try {
  let rows = 0;
  let added = 0;
  let note: string | undefined;
  const t = performance.now();
  for (const part of job.parts) {
    const result = await runImport(db, { fileName: path.basename(part), path: part }, { type: "spending", dryRun: false, user: null });
    rows += result.rowsRead;
    added += result.added;
    if (!result.committed) {
      note = result.fileError ?? `${result.errorCount} row errors (first: ${result.errors[0]?.message ?? "none"})`;
      break;
    }
  }
  const importMs = performance.now() - t;
  console.log(JSON.stringify({ rows, added, importMs, note }));
} finally {
  await db.destroy();
}
