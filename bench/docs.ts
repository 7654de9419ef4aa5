/**
 * Writes the measured figures into docs/performance.md (from bench/results.json) and docs/reliability.md
 * (from tests/faults/last-run.json, when a fault run left one), between their marker comments, so the
 * documents never carry figures typed by hand. `npm run bench` calls it at the end; `npm run docs:figures`
 * runs it alone.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatGrowth, formatScale, type GrowthRow, type ScaleResult } from "./lib/report";
import { formatWorkers, type WorkersResult } from "./lib/workers";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function replaceBetween(file: string, marker: string, body: string): void {
  const text = fs.readFileSync(file, "utf8");
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${path.relative(ROOT, file)} has no ${start} … ${end} markers`);
  fs.writeFileSync(file, `${text.slice(0, a + start.length)}\n${body.trim()}\n${text.slice(b)}`);
}

interface BenchReport {
  at?: string;
  command: string;
  machine: { cpu: string; cores: number; memoryGB: number; node: string; os?: string };
  wallSeconds: number;
  scales: Record<string, ScaleResult>;
  growth: GrowthRow[];
  workers?: WorkersResult;
}

export function performanceFigures(report: BenchReport, at: Date): string {
  const m = report.machine;
  const tables = Object.values(report.scales).map(formatScale);
  if (report.growth.length) tables.push(formatGrowth(report.growth));
  if (report.workers) tables.push(formatWorkers(report.workers));
  return [
    `Latest run: ${at.toISOString().slice(0, 10)}, \`${report.command}\`, ${Math.floor(report.wallSeconds / 60)} min ` +
      `${report.wallSeconds % 60} s wall time, on ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB RAM, Node ${m.node}. ` +
      `autocannon runs on the same cores as the server.`,
    "",
    "```",
    tables.join("\n\n"),
    "```",
  ].join("\n");
}

const FAULT_TITLES: Record<string, string> = {
  killDuringAssessmentSave: "kill -9 during a bulk assessment save",
  killDuringImport: "kill -9 during an import on /import",
  killDuringCliImport: "kill -9 during `cli import`",
  concurrentClients: "concurrent clients with a backup under load",
  readOnlyAndDiskFull: "read-only database, disk full mid-save",
  workersSameLine: "two workers (WEB_CONCURRENCY=2) writing one budget line",
};

const show = (v: unknown): string => (typeof v === "number" ? v.toLocaleString("en-US") : typeof v === "string" ? v : JSON.stringify(v));

export function reliabilityFigures(run: Record<string, Record<string, unknown>>): string {
  const rows = Object.entries(run).map(([section, figures]) => {
    const { at, ...rest } = figures;
    const list = Object.entries(rest)
      .map(([k, v]) => `${k}: ${show(v)}`)
      .join("; ")
      .replaceAll("|", "\\|");
    return `| ${FAULT_TITLES[section] ?? section} | ${list} | ${String(at ?? "").slice(0, 10)} |`;
  });
  return ["| fault test | figures | run on |", "|---|---|---|", ...rows].join("\n");
}

function main() {
  const results = path.join(ROOT, "bench/results.json");
  if (fs.existsSync(results)) {
    const report = JSON.parse(fs.readFileSync(results, "utf8")) as BenchReport;
    replaceBetween(path.join(ROOT, "docs/performance.md"), "bench", performanceFigures(report, new Date(report.at ?? fs.statSync(results).mtime)));
    console.log("docs/performance.md: figures from bench/results.json");
  }
  const faults = path.join(ROOT, "tests/faults/last-run.json");
  if (fs.existsSync(faults)) {
    replaceBetween(path.join(ROOT, "docs/reliability.md"), "faults", reliabilityFigures(JSON.parse(fs.readFileSync(faults, "utf8"))));
    console.log("docs/reliability.md: figures from tests/faults/last-run.json");
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
