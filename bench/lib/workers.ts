/**
 * The server as `npm start` runs it (docs/decisions/028-workers.md): one process against
 * WEB_CONCURRENCY workers, side by side at `national` scale. Every benchmark page at concurrency 16;
 * mixed load (16 readers on the national dashboard while a director saves a budget line every
 * 100 ms); and two processes writing the same budget line 1,000 times (lost updates, 5xx, the
 * audit chain). The load average is noted with every figure: the box may be shared.
 */
import os from "node:os";
import { centsToDecimal } from "../../app/domain/money";
import { verifyAuditChain } from "../../app/models/audit.server";
import { open, openPostgres, type DB } from "../../db/client";
import { loadPage, warmUp, type HttpFigures, type PageSpec } from "./pages";
import { signIn, startServer } from "./server";

export const WORKER_TARGETS = { rps16: 200, p99Ms: 300, saveP95Ms: 200, readerShare: 0.9, writes: 1000 } as const;

export interface MixedFigures {
  /** Dashboard at concurrency 16 with nobody writing, then while the director saves. */
  readOnlyRps: number;
  mixedRps: number;
  readerShare: number;
  saves: number;
  saveP50: number;
  saveP95: number;
  saveErrors: number;
  readerErrors: number;
}

export interface LostUpdateFigures {
  attempts: number;
  accepted: number;
  conflicts: number;
  serverErrors: number;
  otherRefusals: number;
  /** Accepted writes minus the line's version increase: 0 means no accepted write was lost. */
  lostUpdates: number;
  auditRows: number;
  chainVerifies: boolean;
}

export interface EngineRun {
  engine: "sqlite" | "postgres";
  processes: number;
  load: number[];
  pages: Array<{ key: string; label: string; c16: HttpFigures }>;
  mixed: MixedFigures;
  writes: LostUpdateFigures | null;
}

export interface WorkersResult {
  scale: string;
  cores: number;
  runs: EngineRun[];
}

const load = () => os.loadavg().map((l) => Math.round(l * 100) / 100);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

interface HotLine {
  awardPath: string;
  lineId: string;
  amountCents: number;
}

/** A budget line whose amount can move down by up to a dollar without touching its spending or its award's total. */
async function hotLine(db: DB): Promise<HotLine> {
  const row = await db
    .selectFrom("budget_lines as b")
    .innerJoin("awards as a", "a.id", "b.award_id")
    .select(["a.award_number", "b.line_id", "b.amount_cents"])
    .where("b.voided_at", "is", null)
    .where("a.voided_at", "is", null)
    .where((eb) => eb(eb("b.amount_cents", "-", eb.ref("b.spent_cents")), ">=", 200))
    .orderBy("b.id")
    .limit(1)
    .executeTakeFirstOrThrow();
  return { awardPath: `/awards/${encodeURIComponent(row.award_number)}`, lineId: row.line_id, amountCents: Number(row.amount_cents) };
}

async function lineVersion(db: DB, lineId: string): Promise<number> {
  const row = await db.selectFrom("budget_lines").select("version").where("line_id", "=", lineId).executeTakeFirstOrThrow();
  return Number(row.version);
}

const decode = (t: string) =>
  t.replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([a-zA-Z_:][-\w:.]*)(?:\s*=\s*"([^"]*)")?/g)) out[m[1].toLowerCase()] = decode(m[2] ?? "");
  return out;
}

/** The fields a browser would send for each POST form of a page: inputs, text areas, selects. */
function postForms(html: string): Array<Map<string, string>> {
  const forms: Array<Map<string, string>> = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    if ((attributes(m[1]).method ?? "get").toLowerCase() !== "post") continue;
    const fields = new Map<string, string>();
    for (const t of m[2].matchAll(/<input\b([^>]*?)\/?>/gi)) {
      const a = attributes(t[1]);
      const type = (a.type ?? "text").toLowerCase();
      if (!a.name || "disabled" in a || ["submit", "button", "file", "reset", "image"].includes(type)) continue;
      if ((type === "checkbox" || type === "radio") && !("checked" in a)) continue;
      fields.set(a.name, a.value ?? (type === "checkbox" ? "on" : ""));
    }
    for (const t of m[2].matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
      const a = attributes(t[1]);
      if (a.name) fields.set(a.name, decode(t[2]).replace(/^\n/, ""));
    }
    for (const t of m[2].matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
      const a = attributes(t[1]);
      if (!a.name) continue;
      const options = [...t[2].matchAll(/<option\b([^>]*)>([\s\S]*?)<\/option>/gi)].map((o) => ({ a: attributes(o[1]), text: decode(o[2]) }));
      const chosen = options.find((o) => "selected" in o.a) ?? options[0];
      if (chosen) fields.set(a.name, chosen.a.value ?? chosen.text);
    }
    forms.push(fields);
  }
  return forms;
}

/** The line's edit form as the award page renders it (its fields carry the line's version). */
async function editForm(base: string, cookie: string, line: HotLine): Promise<Map<string, string> | { status: number; text: string }> {
  const page = await fetch(`${base}${line.awardPath}?line=${encodeURIComponent(line.lineId)}`, { headers: { cookie } });
  const html = await page.text();
  if (page.status !== 200) return { status: page.status, text: html.slice(0, 200) };
  return postForms(html).find((f) => f.get("intent") === "edit-line" && f.get("line") === line.lineId) ?? { status: -1, text: "no edit form for the line" };
}

/** Posts the edit form with a new description and amount; returns the post's status and time. */
async function postLine(base: string, cookie: string, line: HotLine, form: Map<string, string>, n: number, tag: string): Promise<{ status: number; ms: number; text: string }> {
  const fields = new Map(form);
  fields.set("description", `bench ${tag} ${n}`);
  fields.set("amount", centsToDecimal(line.amountCents - (n % 100)));
  const t = performance.now();
  const res = await fetch(`${base}${line.awardPath}`, { method: "POST", body: new URLSearchParams([...fields]), headers: { cookie, Origin: base }, redirect: "manual" });
  const text = await res.text();
  return { status: res.status, ms: performance.now() - t, text: text.slice(0, 200) };
}

/** One save as a browser makes it: load the page (the form carries the line's version), then post it. */
async function saveLine(base: string, cookie: string, line: HotLine, n: number, tag: string): Promise<{ status: number; ms: number; text: string }> {
  const form = await editForm(base, cookie, line);
  if (!(form instanceof Map)) return { ...form, ms: 0 };
  return postLine(base, cookie, line, form, n, tag);
}

/**
 * Windows of each kind the mixed-load figure adds up, alternated: read-only, mixed, read-only, mixed…
 * One 5 s window of the same load read up to 8% more or less than the next: four rounds of each
 * kind average that out better than two.
 */
const MIXED_ROUNDS = 4;

/**
 * 16 readers on the dashboard while a director saves the line every 100 ms. The director's form is
 * loaded once; each save posts it with the line's current version (read from the database, as the
 * page after the previous save would show it), so what is timed is the save itself. Read-only and
 * mixed windows alternate and each kind's requests are added up, so a server still getting faster
 * (or a neighbour's load coming and going) weighs on both sides alike.
 */
async function mixedLoad(base: string, cookie: string, dashboard: PageSpec, line: HotLine, db: DB, seconds: number): Promise<MixedFigures> {
  const form = await editForm(base, cookie, line);
  if (!(form instanceof Map)) throw new Error(`The line's edit form did not load: ${form.status} ${form.text}`);
  const saves: number[] = [];
  let saveErrors = 0;
  let readerErrors = 0;
  const totals = { readOnly: { requests: 0, seconds: 0 }, mixed: { requests: 0, seconds: 0 } };
  let n = 0;
  for (let round = 0; round < MIXED_ROUNDS; round++) {
    const readOnly = await loadPage(base, dashboard, cookie, 16, seconds);
    let stop = false;
    const director = (async () => {
      while (!stop) {
        const next = performance.now() + 100;
        form.set("version", String(await lineVersion(db, line.lineId)));
        const r = await postLine(base, cookie, line, form, n++, `mixed ${Date.now()}`);
        if (r.status === 303) saves.push(r.ms);
        else saveErrors++;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
      }
    })();
    const mixed = await loadPage(base, dashboard, cookie, 16, seconds);
    stop = true;
    await director;
    for (const [kind, f] of [["readOnly", readOnly], ["mixed", mixed]] as const) {
      totals[kind].requests += f.requests;
      totals[kind].seconds += f.durationS;
    }
    readerErrors += readOnly.errors + mixed.errors;
  }
  const readOnlyRps = totals.readOnly.requests / totals.readOnly.seconds;
  const mixedRps = totals.mixed.requests / totals.mixed.seconds;
  return {
    readOnlyRps,
    mixedRps,
    readerShare: mixedRps / readOnlyRps,
    saves: saves.length,
    saveP50: pct(saves, 50),
    saveP95: pct(saves, 95),
    saveErrors,
    readerErrors,
  };
}

/** Two clients, each on its own connection (so on different workers), writing one line `total` times between them. */
async function lostUpdates(base: string, cookies: [string, string], line: HotLine, db: DB, total: number): Promise<Omit<LostUpdateFigures, "auditRows" | "chainVerifies" | "lostUpdates"> & { before: number }> {
  const before = await lineVersion(db, line.lineId);
  const tally = { attempts: 0, accepted: 0, conflicts: 0, serverErrors: 0, otherRefusals: 0 };
  const writer = async (cookie: string, offset: number) => {
    for (let i = 0; i < total / 2; i++) {
      tally.attempts++;
      const r = await saveLine(base, cookie, line, offset + i, "writes");
      if (r.status === 303) tally.accepted++;
      else if (r.status === 409) tally.conflicts++;
      else if (r.status >= 500) tally.serverErrors++;
      else tally.otherRefusals++;
    }
  };
  await Promise.all([writer(cookies[0], 0), writer(cookies[1], total)]);
  return { ...tally, before };
}

/** Where a run's servers find the database: the SQLite file, or a PostgreSQL database the network was copied into. */
export type Target = { engine: "sqlite"; file: string; processes: number[] } | { engine: "postgres"; file: string; url: string; processes: number[] };

export async function measureWorkers(opts: {
  scale: string;
  targets: Target[];
  pages: PageSpec[];
  user: string;
  password: string;
  seconds: number;
  sessionSecret: string;
  log: (s: string) => void;
}): Promise<WorkersResult> {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const dashboard = opts.pages.find((p) => p.path.startsWith("/dashboard")) ?? opts.pages[0];
  const runs: EngineRun[] = [];
  for (const target of opts.targets) {
    const db = target.engine === "postgres" ? openPostgres(target.url) : open(target.file, { check: false }).db;
    try {
      const line = await hotLine(db);
      for (const processes of target.processes) runs.push(await measureRun(opts, target, processes, db, line, dashboard));
    } finally {
      await db.destroy();
    }
  }
  return { scale: opts.scale, cores, runs };
}

async function measureRun(
  opts: Parameters<typeof measureWorkers>[0],
  target: Target,
  processes: number,
  db: DB,
  line: HotLine,
  dashboard: PageSpec,
): Promise<EngineRun> {
  const env: Record<string, string> = { SESSION_SECRET: opts.sessionSecret, WEB_CONCURRENCY: String(processes) };
  if (target.engine === "postgres") env.DATABASE_URL = target.url;
  const label = `${opts.scale}, ${target.engine} ×${processes}`;
  const server = await startServer(target.file, env);
  try {
    const cookie = await signIn(server.base, opts.user, opts.password);
    const run: EngineRun = { engine: target.engine, processes, load: load(), pages: [], mixed: undefined as unknown as MixedFigures, writes: null };
    await warmUp(server.base, opts.pages, cookie, server.output);
    for (const page of opts.pages) {
      const c16 = await loadPage(server.base, page, cookie, 16, opts.seconds);
      run.pages.push({ key: page.key, label: page.label, c16 });
      opts.log(`${label}: ${page.path} c16 ${c16.rps.toFixed(0)} req/s, p99 ${c16.p99.toFixed(0)} ms, ${c16.errors} errors`);
    }
    run.mixed = await mixedLoad(server.base, cookie, dashboard, line, db, Math.max(opts.seconds, 5));
    opts.log(
      `${label}: mixed load: saves p95 ${run.mixed.saveP95.toFixed(0)} ms (${run.mixed.saves} saves, ${run.mixed.saveErrors} failed), ` +
        `readers ${run.mixed.mixedRps.toFixed(0)} of ${run.mixed.readOnlyRps.toFixed(0)} req/s`,
    );
    if (processes > 1) {
      const second = await signIn(server.base, opts.user, opts.password);
      const w = await lostUpdates(server.base, [cookie, second], line, db, WORKER_TARGETS.writes);
      await server.stop();
      const after = await lineVersion(db, line.lineId);
      const verified = await verifyAuditChain(db);
      const { before, ...tally } = w;
      run.writes = { ...tally, lostUpdates: tally.accepted - (after - before), auditRows: verified.rows, chainVerifies: verified.ok };
      opts.log(`${label}: ${WORKER_TARGETS.writes} writes of one line by two clients: ${JSON.stringify(run.writes)}`);
    }
    run.load = load();
    return run;
  } finally {
    await server.stop();
  }
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—");
const mark = (ok: boolean) => (ok ? "PASS" : "MISS");

/** The side-by-side table, as printed and as docs/performance.md quotes it. */
export function formatWorkers(r: WorkersResult): string {
  const head = (run: EngineRun) => `${run.engine} ×${run.processes}`;
  const sqliteWorkers = r.runs.filter((run) => run.engine === "sqlite").at(-1)!;
  const pgWorkers = r.runs.find((run) => run.engine === "postgres");
  const out: string[] = [`${r.scale}: one process against workers (${r.cores} cores; load average noted per run)`];
  const header = ["page (c16)", ...r.runs.map((run) => `${head(run)} req/s · p99 ms · err`), `${head(sqliteWorkers)}: ≥ 200/s, p99 ≤ 300`];
  if (pgWorkers) header.push("postgres within 1.5×");
  const figure = (run: EngineRun, key: string) => run.pages.find((x) => x.key === key)?.c16;
  const rows = sqliteWorkers.pages.map((p) => {
    const cells = r.runs.map((run) => {
      const f = figure(run, p.key);
      return f ? `${int(f.rps)} · ${int(f.p99)} · ${f.errors}` : "—";
    });
    const best = p.c16;
    const row = [p.label, ...cells, mark(best.rps >= WORKER_TARGETS.rps16 && best.p99 <= WORKER_TARGETS.p99Ms && best.errors === 0)];
    if (pgWorkers) {
      const f = figure(pgWorkers, p.key);
      row.push(f ? `${(best.rps / f.rps).toFixed(2)}× ${mark(best.rps / f.rps <= 1.5 && f.errors === 0)}` : "—");
    }
    return row;
  });
  const mixedOk = (m: MixedFigures) => m.saveP95 <= WORKER_TARGETS.saveP95Ms && m.readerShare >= WORKER_TARGETS.readerShare && m.saveErrors === 0;
  const mixed = ["mixed: save p95 ms · reader share", ...r.runs.map((run) => `${int(run.mixed.saveP95)} · ${Math.round(run.mixed.readerShare * 100)}% (${run.mixed.saves} saves)`)];
  mixed.push(mark(mixedOk(sqliteWorkers.mixed)));
  if (pgWorkers) mixed.push(mark(mixedOk(pgWorkers.mixed)));
  const loads = ["load average (1, 5, 15 min)", ...r.runs.map((run) => run.load.join(", ")), ""];
  if (pgWorkers) loads.push("");
  const widths = header.map((h, i) => Math.max(h.length, ...[...rows, mixed, loads].map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  out.push(line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line), line(mixed), line(loads));
  for (const run of r.runs) {
    if (!run.writes) continue;
    const w = run.writes;
    out.push(
      `${head(run)}: ${w.attempts} writes of one budget line by two clients: ${w.accepted} accepted, ${w.conflicts} refused as conflicts, ` +
        `${w.serverErrors} × 5xx, ${w.lostUpdates} lost updates, audit chain ${w.chainVerifies ? "verifies" : "BROKEN"} (${int(w.auditRows)} rows) — ` +
        mark(w.serverErrors === 0 && w.lostUpdates === 0 && w.chainVerifies),
    );
  }
  return out.join("\n");
}
