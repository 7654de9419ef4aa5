/**
 * Targets (at `national` on a 2-core machine), the printed tables and the machine
 * description. The benchmark reports against the targets; nothing asserts them.
 */
import os from "node:os";
import type { FloorFigures, HttpFigures } from "./pages";
import type { ImportFigures } from "./import";

export const TARGETS = {
  pageP50Ms: 50,
  pageRps16: 100,
  importRatio: 0.5,
  findingsMs: 1000,
  rssMB: 300,
  startMs: 2000,
  fixedGrowth: 1.2,
} as const;

export interface PageResult {
  key: string;
  label: string;
  path: string;
  fixedSize: boolean;
  floor: FloorFigures | null;
  c1: HttpFigures;
  c16: HttpFigures;
}

export interface ScaleResult {
  scale: string;
  data: Record<string, number>;
  preparation: { generateMs: number; exportMs: number; stripMs: number };
  import: ImportFigures;
  pages: PageResult[];
  /** ms: after a write (nothing remembered); warmMs: again at the same committed state. */
  findings: { fiscalYear: number; ms: number; warmMs?: number; count: number };
  server: { startMs: number; peakRssMB: number };
  wallMs: number;
}

export interface GrowthRow {
  figure: string;
  national: number;
  double: number;
  ratio: number;
  /** Only fixed-size pages carry the ≤ 1.2× target. */
  pass: boolean | null;
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

const mark = (ok: boolean) => (ok ? "PASS" : "MISS");
const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : int(n)) : "—");

function table(header: string[], rows: string[][], align: ("l" | "r")[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (align[i] === "l" ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function pagePasses(p: PageResult) {
  return {
    p50: p.c1.p50 <= TARGETS.pageP50Ms,
    rps: p.c16.rps >= TARGETS.pageRps16 && p.c16.errors === 0 && p.c1.errors === 0,
  };
}

/** One scale's table, as printed and as the README quotes it. */
export function formatScale(r: ScaleResult): string {
  const d = r.data;
  const out: string[] = [];
  out.push(
    `Scale ${r.scale}: ${int(d.centers)} centers, ${int(d.awards)} awards, ${int(d.budgetLines)} budget lines, ` +
      `${int(d.spending)} spending rows, ${int(d.assessments)} assessment rows`,
  );
  out.push("");
  const imp = r.import;
  out.push(
    table(
      ["Import (spending CSV)", "rows", "seconds", "rows/s", "floor rows/s", "ratio", `≥ ${TARGETS.importRatio * 100}%`],
      [
        [
          imp.ok ? "runImport, committed" : `runImport FAILED: ${imp.note ?? ""}`,
          int(imp.rows),
          (imp.importMs / 1000).toFixed(1),
          int(imp.importRowsPerSec),
          int(imp.floorRowsPerSec),
          `${Math.round(imp.ratio * 100)}%`,
          mark(imp.ok && imp.ratio >= TARGETS.importRatio),
        ],
      ],
      ["l", "r", "r", "r", "r", "r", "l"],
    ),
  );
  out.push("");
  out.push(
    table(
      ["Page (ms)", "loader", "cold", "SQL", "queries", "c1 p50", "c1 p99", "c1 req/s", "c16 p50", "c16 p99", "c16 req/s", "errors", "p50 ≤ 50", "≥ 100/s"],
      r.pages.map((p) => {
        const pass = pagePasses(p);
        return [
          p.label,
          p.floor ? ms(p.floor.loaderMs) : "—",
          p.floor?.coldMs !== undefined ? ms(p.floor.coldMs) : "—",
          p.floor ? ms(p.floor.sqlMs) : "—",
          p.floor ? String(p.floor.queries) : "—",
          ms(p.c1.p50),
          ms(p.c1.p99),
          int(p.c1.rps),
          ms(p.c16.p50),
          ms(p.c16.p99),
          int(p.c16.rps),
          String(p.c1.errors + p.c16.errors),
          mark(pass.p50),
          mark(pass.rps),
        ];
      }),
      ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "l", "l"],
    ),
  );
  out.push("");
  out.push(
    table(
      ["Other figures", "value", "target", ""],
      [
        [`Findings, all centers, FY${r.findings.fiscalYear} (${int(r.findings.count)} findings), after a write`, `${int(r.findings.ms)} ms`, `≤ ${TARGETS.findingsMs} ms`, mark(r.findings.ms <= TARGETS.findingsMs)],
        ...(r.findings.warmMs !== undefined ? [["  the same again, nothing written in between", `${ms(r.findings.warmMs)} ms`, "", ""]] : []),
        ["Server peak RSS (VmHWM) after the load", `${int(r.server.peakRssMB)} MB`, `≤ ${TARGETS.rssMB} MB`, mark(r.server.peakRssMB <= TARGETS.rssMB)],
        ["Server start to first 200 (migrated database)", `${(r.server.startMs / 1000).toFixed(2)} s`, `≤ ${TARGETS.startMs / 1000} s`, mark(r.server.startMs <= TARGETS.startMs)],
      ],
      ["l", "r", "l", "l"],
    ),
  );
  return out.join("\n");
}

export function growthRows(n: ScaleResult, d: ScaleResult): GrowthRow[] {
  const rows: GrowthRow[] = [];
  const add = (figure: string, a: number, b: number, fixed: boolean) =>
    rows.push({ figure, national: a, double: b, ratio: b / a, pass: fixed ? b / a <= TARGETS.fixedGrowth : null });
  add("Import rows/s", n.import.importRowsPerSec, d.import.importRowsPerSec, false);
  add("Import floor rows/s", n.import.floorRowsPerSec, d.import.floorRowsPerSec, false);
  for (const p of n.pages) {
    const q = d.pages.find((x) => x.key === p.key);
    if (!q) continue;
    const label = p.key === "healthz" ? p.label : p.label.replace(/ \(\d+ payments\)/, "").replace(/^Center \S+/, "Center page");
    if (p.floor && q.floor) add(`${label}: loader ms`, p.floor.loaderMs, q.floor.loaderMs, false);
    if (p.floor?.coldMs !== undefined && q.floor?.coldMs !== undefined) add(`${label}: loader ms after a write`, p.floor.coldMs, q.floor.coldMs, false);
    if (p.floor && q.floor) add(`${label}: SQL ms`, p.floor.sqlMs, q.floor.sqlMs, false);
    add(`${label}: c1 p50 ms`, p.c1.p50, q.c1.p50, p.fixedSize);
    add(`${label}: c16 req/s`, p.c16.rps, q.c16.rps, false);
  }
  add("Findings, all centers ms", n.findings.ms, d.findings.ms, false);
  add("Server peak RSS MB", n.server.peakRssMB, d.server.peakRssMB, false);
  add("Server start ms", n.server.startMs, d.server.startMs, false);
  return rows;
}

export function formatGrowth(rows: GrowthRow[]): string {
  return table(
    ["Growth double ÷ national", "national", "double", "ratio", "fixed-size ≤ 1.2×"],
    rows.map((r) => [r.figure, ms(r.national), ms(r.double), `${r.ratio.toFixed(2)}×`, r.pass === null ? "" : mark(r.pass)]),
    ["l", "r", "r", "r", "l"],
  );
}
