/**
 * `npm run bench`: for each scale (BENCH_SCALES, default "national,double") generates
 * the network deterministically into a temporary SQLite file, then measures import speed against
 * its floor, the main pages over HTTP from the production server at concurrency 1 and 16 beside
 * their in-process floor, findings for a year, the server's peak RSS and start-up time; prints one
 * table per scale (and the growth from national to double) and writes bench/results.json.
 *
 * At `national` it then runs the server as `npm start` does, one process against WEB_CONCURRENCY
 * workers side by side (bench/lib/workers.ts): every page at concurrency 16, mixed load, and two
 * clients writing one budget line 1,000 times.
 *
 * Knobs: BENCH_SCALES=national (one scale), BENCH_SECONDS (autocannon run length, default 2),
 * BENCH_DIR (where the temporary databases go), BENCH_KEEP=1 (leave them there, each with the audit key
 * that sealed it in FILE.bench-audit-key, which BENCH_NATIONAL_DB reads), BENCH_ONLY=import
 * (only the import figures, printed; bench/results.json and the docs are left as they are; with
 * `--engine postgres`, PostgreSQL's import against a COPY floor, bench/lib/import.ts).
 * `npm run bench -- --workers-only`: only the workers comparison at `national`, merged into
 * bench/results.json. `--engine postgres`: the same against DATABASE_URL (docs/decisions/028-workers.md).
 */
import pg from "pg";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SCALES, type Scale } from "../db/demo";
import { findings } from "../app/models/compliance.server";
import { BENCH_PASSWORD, BENCH_USER, copyDatabase, readSpendingColumns, REFERENCE_DATE, removeDatabase, type ScaleData } from "./lib/data";
import { measureImport, measureImportPostgres } from "./lib/import";
import { BENCH_YEAR, bumpDataVersion, choosePages, signInInProcess, loadPage, loaderFloor, openCapturing, warmUp, WARM_SECONDS } from "./lib/pages";
import { formatGrowth, formatScale, growthRows, machineInfo, type PageResult, type ScaleResult } from "./lib/report";
import { peakRss, ROOT, signIn, startServer } from "./lib/server";
import { measureWorkers, formatWorkers, type Target, type WorkersResult } from "./lib/workers";

const started = performance.now();
const argv = process.argv.slice(2);
const workersOnly = argv.includes("--workers-only");
const engine = argv.includes("--engine") ? argv[argv.indexOf("--engine") + 1] : "sqlite";
if (engine !== "sqlite" && engine !== "postgres") throw new Error(`--engine takes sqlite or postgres (got ${engine})`);
// PostgreSQL runs get a database of their own on this server; every other child (data preparation,
// the SQLite servers) must not see DATABASE_URL.
const postgresServer = process.env.DATABASE_URL;
delete process.env.DATABASE_URL;
if (engine === "postgres" && !/^postgres(ql)?:\/\//i.test(postgresServer ?? "")) {
  console.error("npm run bench -- --engine postgres needs DATABASE_URL=postgres://USER@HOST:PORT/DATABASE, a server where the benchmark may create a database.");
  process.exit(1);
}
const scales = (workersOnly ? "national" : (process.env.BENCH_SCALES ?? "national,double"))
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean) as Scale[];
for (const s of scales) if (!(s in SCALES)) throw new Error(`Unknown scale "${s}" in BENCH_SCALES (use ${Object.keys(SCALES).join(", ")})`);
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const FLOOR_RUNS = 5;
const FINDINGS_RUNS = 3;
// The server and the in-process floors must sign the same session cookies.
process.env.SESSION_SECRET = randomBytes(24).toString("hex");
// One audit key for the generator, the servers and the chain check (else each keys by the file beside its database).
// A kept national database (BENCH_NATIONAL_DB) was sealed with the key of the run that made it, kept beside it.
const keptKeyFile = (database: string) => `${database}.bench-audit-key`;
if (!process.env.AUDIT_KEY && process.env.BENCH_NATIONAL_DB) {
  const file = keptKeyFile(path.resolve(process.env.BENCH_NATIONAL_DB));
  if (!fs.existsSync(file)) {
    console.error(`BENCH_NATIONAL_DB needs the audit key its run sealed it with: ${file} is missing (set AUDIT_KEY, or keep a new database with BENCH_KEEP=1).`);
    process.exit(1);
  }
  process.env.AUDIT_KEY = fs.readFileSync(file, "utf8").trim();
}
process.env.AUDIT_KEY ??= randomBytes(32).toString("hex");
/** Kept databases keep their audit key beside them, so a later run's chain check uses the key they were sealed with. */
const keepKey = (database: string) => fs.writeFileSync(keptKeyFile(database), process.env.AUDIT_KEY!, { mode: 0o600 });
const workDir = process.env.BENCH_DIR ? path.resolve(process.env.BENCH_DIR) : fs.mkdtempSync(path.join(os.tmpdir(), "baseline-bench-"));
fs.mkdirSync(workDir, { recursive: true });

const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const log = (s: string) => console.error(`[${elapsed()}] ${s}`);

function run(cmd: string, args: string[], label: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => {
      err += d;
      for (const line of String(d).split("\n")) if (line.trim() && label !== "build") log(line.trim());
    });
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${label} failed (exit ${code}):\n${err.slice(-4000)}`))));
  });
}

async function measureScale(data: ScaleData): Promise<ScaleResult> {
  const t0 = performance.now();
  const scale = data.scale;

  log(`${scale}: import of ${data.summary.spending.toLocaleString("en-US")} spending rows (real path, then floor)…`);
  const imp = await measureImport(data, readSpendingColumns(data.full));
  log(`${scale}: import ${Math.round(imp.importRowsPerSec)} rows/s, floor ${Math.round(imp.floorRowsPerSec)} rows/s`);

  const pages = choosePages(data.full);

  // In-process floors: each page's loader on the same database, then findings for a whole year.
  const floors = new Map<string, PageResult["floor"]>();
  let findingsFigure: ScaleResult["findings"];
  {
    const conn = openCapturing(data.full);
    try {
      const cookie = await signInInProcess(BENCH_USER, BENCH_PASSWORD);
      for (const page of pages) floors.set(page.key, await loaderFloor(page, cookie, conn, FLOOR_RUNS));
      // Cold: after a write (the counter moved), so the rules run on freshly loaded data — the
      // figure the target is about. Warm: the same call again at the same committed state.
      const cold: number[] = [];
      const warm: number[] = [];
      let count = 0;
      for (let i = 0; i < FINDINGS_RUNS; i++) {
        bumpDataVersion(conn.sqlite);
        let t = performance.now();
        count = (await findings(conn.db, { asOf: REFERENCE_DATE, fiscalYear: BENCH_YEAR })).findings.length;
        cold.push(performance.now() - t);
        t = performance.now();
        await findings(conn.db, { asOf: REFERENCE_DATE, fiscalYear: BENCH_YEAR });
        warm.push(performance.now() - t);
      }
      const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      findingsFigure = { fiscalYear: BENCH_YEAR, ms: mid(cold), warmMs: mid(warm), count };
    } finally {
      await conn.close();
    }
  }
  log(`${scale}: in-process floors done`);

  const server = await startServer(data.full, { SESSION_SECRET: process.env.SESSION_SECRET! });
  const results: PageResult[] = [];
  let peakRssMB: number;
  try {
    const cookie = await signIn(server.base, BENCH_USER, BENCH_PASSWORD);
    await warmUp(server.base, pages, cookie, server.output);
    for (const page of pages) {
      const c1 = await loadPage(server.base, page, cookie, 1, seconds);
      const c16 = await loadPage(server.base, page, cookie, 16, seconds);
      results.push({ key: page.key, label: page.label, path: page.path, fixedSize: page.fixedSize, floor: floors.get(page.key) ?? null, c1, c16 });
      log(`${scale}: ${page.path} c1 p50 ${c1.p50.toFixed(1)} ms, c16 ${c16.rps.toFixed(0)} req/s`);
    }
    peakRssMB = peakRss(server.pid) / 2 ** 20;
  } finally {
    await server.stop();
  }

  const s = data.summary;
  return {
    scale,
    data: {
      centers: s.centers,
      awards: s.awards,
      budgetLines: s.budgetLines,
      spending: s.spending,
      assessments: s.assessments,
      matchContributions: s.matchContributions,
      databaseMB: Math.round(fs.statSync(data.full).size / 2 ** 20),
    },
    preparation: data.timings,
    import: imp,
    pages: results,
    findings: findingsFigure,
    server: { startMs: server.startMs, peakRssMB },
    wallMs: performance.now() - t0,
  };
}

/** Newest modification time among the files the build is made from. */
function newestSource(): number {
  let newest = 0;
  const walk = (p: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ["app", "db", "migrations", "server.ts", "remix.config.js", "package-lock.json"]) walk(path.join(ROOT, p));
  return newest;
}

/** `--workers-only`: the national network, the workers comparison, merged into bench/results.json. */
async function workersMain() {
  const built = ["build/index.js", "build/server.js"].map((f) => path.join(ROOT, f));
  if (built.some((f) => !fs.existsSync(f) || fs.statSync(f).mtimeMs < newestSource())) {
    log("build/ is missing or older than the sources: npm run build…");
    await run("npm", ["run", "build"], "build");
  }
  // BENCH_NATIONAL_DB: a national database kept from an earlier run (BENCH_KEEP=1), copied instead of generated again.
  const kept = process.env.BENCH_NATIONAL_DB;
  let data: ScaleData;
  if (kept) {
    const full = copyDatabase(kept, path.join(workDir, "national-workers.sqlite"));
    data = { scale: "national", dir: workDir, full, noSpending: full, csv: full, summary: {} as ScaleData["summary"], timings: { generateMs: 0, exportMs: 0, stripMs: 0 } };
  } else {
    const out = await run(process.execPath, ["--import", "tsx", "bench/prepare.ts", "national", path.join(workDir, "national")], "prepare national");
    data = JSON.parse(out.trim().split("\n").at(-1)!) as ScaleData;
  }
  const workers = await workersFor(data, engine === "postgres" ? ["postgres"] : ["sqlite"]);
  const file = path.join(ROOT, "bench/results.json");
  const report = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { machine: machineInfo(), scales: {}, growth: [] };
  // One engine measured: the other's runs of the last report stay beside it.
  const others = ((report.workers?.runs ?? []) as WorkersResult["runs"]).filter((r) => !workers.runs.some((n) => n.engine === r.engine));
  report.workers = { ...workers, runs: [...others, ...workers.runs].sort((a, b) => (a.engine === b.engine ? a.processes - b.processes : a.engine === "sqlite" ? -1 : 1)) };
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
  console.log(`\n${formatWorkers(report.workers)}\n`);
  await run(process.execPath, ["--import", "tsx", "bench/docs.ts"], "docs:figures");
  if (process.env.BENCH_KEEP) keepKey(data.full);
  else for (const f of [data.full, data.noSpending, data.csv]) removeDatabase(f);
  if (!process.env.BENCH_KEEP && !process.env.BENCH_DIR) fs.rmSync(workDir, { recursive: true, force: true });
}

/** A database of its own on the PostgreSQL server, holding a copy of the scale's network (`cli copy`). */
async function postgresCopy(file: string, suffix = ""): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `baseline_bench_${process.pid}${suffix ? `_${suffix}` : ""}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: postgresServer });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const target = new URL(postgresServer!);
  target.pathname = `/${name}`;
  const url = target.toString();
  const t = performance.now();
  await run(process.execPath, ["--import", "tsx", "cli/index.ts", "copy", "--from", `sqlite:${file}`, "--to", url], "copy");
  log(`copied the network into PostgreSQL database ${name} in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  return { url, drop: () => admin(`drop database if exists ${name} with (force)`) };
}

async function workersFor(data: ScaleData, engines: Array<"sqlite" | "postgres">): Promise<WorkersResult> {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const targets: Target[] = [];
  let copy: Awaited<ReturnType<typeof postgresCopy>> | undefined;
  if (engines.includes("sqlite")) targets.push({ engine: "sqlite", file: data.full, processes: [1, Math.max(2, cores)] });
  try {
    if (engines.includes("postgres")) {
      copy = await postgresCopy(data.full);
      targets.push({ engine: "postgres", file: data.full, url: copy.url, processes: [Math.max(2, cores)] });
    }
    return await measureWorkers({
      scale: data.scale,
      targets,
      pages: choosePages(data.full),
      user: BENCH_USER,
      password: BENCH_PASSWORD,
      seconds,
      sessionSecret: process.env.SESSION_SECRET!,
      log,
    });
  } finally {
    await copy?.drop();
  }
}

async function main() {
  log(`scales ${scales.join(", ")}; temporary files in ${workDir}`);
  // The build and every scale's data are made side by side; the measurements then run one at a time.
  const built = ["build/index.js", "build/server.js"].map((f) => path.join(ROOT, f));
  const needBuild = process.env.BENCH_ONLY !== "import" && built.some((f) => !fs.existsSync(f) || fs.statSync(f).mtimeMs < newestSource());
  const build = needBuild
    ? (log("build/ is missing or older than the sources: npm run build…"), run("npm", ["run", "build"], "build").then(() => log("build done")))
    : Promise.resolve();
  const prepared = await Promise.all(
    scales.map(async (scale) => {
      const out = await run(process.execPath, ["--import", "tsx", "bench/prepare.ts", scale, path.join(workDir, scale)], `prepare ${scale}`);
      return JSON.parse(out.trim().split("\n").at(-1)!) as ScaleData;
    }),
  );
  await build;

  if (process.env.BENCH_ONLY === "import") {
    for (const data of prepared) {
      const columns = readSpendingColumns(data.full);
      const imp = engine === "postgres" ? await measureImportPostgres(data, columns, postgresCopy) : await measureImport(data, columns);
      console.log(
        `${data.scale} (${engine}): prepared in ${(data.timings.generateMs / 1000).toFixed(1)} s; import ${imp.rows} rows in ${(imp.importMs / 1000).toFixed(1)} s = ` +
          `${Math.round(imp.importRowsPerSec)} rows/s, floor ${Math.round(imp.floorRowsPerSec)} rows/s (${Math.round(imp.ratio * 100)}%)${imp.ok ? "" : `, FAILED: ${imp.note}`}`,
      );
      if (process.env.BENCH_KEEP) keepKey(data.full);
      else for (const f of [data.full, data.noSpending]) removeDatabase(f);
    }
    return;
  }

  const results: ScaleResult[] = [];
  let workers: WorkersResult | undefined;
  for (const data of prepared) {
    const r = await measureScale(data);
    results.push(r);
    console.log(`\n${formatScale(r)}\n`);
    if (data.scale === "national") {
      workers = await workersFor(data, engine === "postgres" ? ["sqlite", "postgres"] : ["sqlite"]);
      console.log(`\n${formatWorkers(workers)}\n`);
    }
    if (process.env.BENCH_KEEP) keepKey(data.full);
    else {
      for (const f of [data.full, data.noSpending]) removeDatabase(f);
      fs.rmSync(data.csv, { force: true });
    }
  }

  const national = results.find((r) => r.scale === "national");
  const double = results.find((r) => r.scale === "double");
  const growth = national && double ? growthRows(national, double) : [];
  if (growth.length) console.log(`${formatGrowth(growth)}\n`);

  const wallS = (performance.now() - started) / 1000;
  const machine = machineInfo();
  const report = {
    at: new Date().toISOString(),
    command: `${scales.join(",") === "national,double" ? "" : `BENCH_SCALES=${scales.join(",")} `}npm run bench${engine === "postgres" ? " -- --engine postgres" : ""}`,
    machine,
    settings: { referenceDate: REFERENCE_DATE, fiscalYear: BENCH_YEAR, autocannonSeconds: seconds, warmSeconds: WARM_SECONDS, floorRuns: FLOOR_RUNS },
    wallSeconds: Math.round(wallS),
    scales: Object.fromEntries(results.map((r) => [r.scale, r])),
    growth,
    workers,
  };
  fs.writeFileSync(path.join(ROOT, "bench/results.json"), JSON.stringify(report, null, 2) + "\n");
  await run(process.execPath, ["--import", "tsx", "bench/docs.ts"], "docs:figures");
  console.log(
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB, Node ${machine.node}. ` +
      `Wall time ${Math.floor(wallS / 60)} min ${Math.round(wallS % 60)} s. Figures in bench/results.json.`,
  );
  if (!process.env.BENCH_KEEP && !process.env.BENCH_DIR) fs.rmSync(workDir, { recursive: true, force: true });
}

(workersOnly ? workersMain() : main()).catch((error) => {
  console.error(error?.stack ?? error);
  process.exit(1);
});
