/**
 * What synchronous=FULL costs: N single-row transactions, each committed on its own,
 * in WAL mode with synchronous=FULL (Baseline's setting: a commit survives a power cut) and with
 * synchronous=NORMAL (a commit can be lost on power loss, never corrupted). Prints ms per commit.
 *
 *   node --import tsx bench/durability.ts [N]        (default 2000; files in bench/tmp, removed after)
 */
import Sqlite from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";

const N = Number(process.argv[2] ?? 2000);
const dir = path.resolve("bench/tmp");

function run(synchronous: "FULL" | "NORMAL"): number {
  const file = path.join(dir, `durability-${synchronous.toLowerCase()}.sqlite`);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  const db = new Sqlite(file);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous}`);
  db.exec("create table edits (id integer primary key, at text not null, note text not null)");
  const insert = db.prepare("insert into edits (at, note) values (?, ?)");
  const one = db.transaction((i: number) => insert.run(new Date().toISOString(), `edit ${i}`));
  for (let i = 0; i < 50; i++) one(i); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) one(i);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  db.close();
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  return ms / N;
}

fs.mkdirSync(dir, { recursive: true });
// Alternate the two settings so a busy moment on the machine does not land on one side only.
const full: number[] = [];
const normal: number[] = [];
for (let round = 0; round < 3; round++) {
  full.push(run("FULL"));
  normal.push(run("NORMAL"));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = median(full);
const n = median(normal);
console.log(`single-row commits, WAL mode, ${N} per run, median of 3 runs (${dir})`);
console.log(`synchronous=FULL    ${f.toFixed(3)} ms per commit (${Math.round(1000 / f)} commits/s)`);
console.log(`synchronous=NORMAL  ${n.toFixed(3)} ms per commit (${Math.round(1000 / n)} commits/s)`);
console.log(`FULL costs ${(f - n).toFixed(3)} ms more per commit (${(f / n).toFixed(1)}x)`);
