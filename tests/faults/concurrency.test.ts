import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { centsToDecimal } from "../../app/domain/money";
import { onServer } from "../helpers/pg";
import {
  auditVerifies,
  databaseEnv,
  demoDatabase,
  ensureBuild,
  integrityOk,
  isPostgresRef,
  login,
  queryRows,
  queryValue,
  recordFigures,
  ROOT,
  runCli,
  startServer,
  tempDir,
  type ServerHandle,
} from "../reliability/harness";
import { extractForms } from "../reliability/forms";

/**
 * 16 concurrent clients against the production server for a bounded time: editing the
 * same assessment rows and budget lines, and reading pages. No request may fail with a 5xx or
 * SQLITE_BUSY; every accepted edit must be in the audit trail with a version chain that has no gaps
 * or repeats (no lost update), the final state must be the last accepted edit, refused conflicts
 * are counted, and a backup taken during the load must restore to a database passing both checks.
 */

const CLIENTS = 16;
const DURATION_MS = 10_000;
const MAX_REQUESTS_PER_CLIENT = 80;
const DATA = "routes%2Fcenters.%24code.assessments.%24fy";
const PAGE = "/centers/VA/assessments/2025";
const HOT_ROWS = 5;
const HOT_LINES = 3;

let dir: string;
let dbFile: string;
let server: ServerHandle | undefined;

beforeAll(async () => {
  ensureBuild({ fresh: true });
  dir = tempDir("baseline-load-");
  dbFile = await demoDatabase(path.join(dir, "baseline.sqlite"));
}, 300_000);

afterAll(async () => {
  await server?.kill9();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Accepted {
  entity: "assessment" | "budget_line";
  key: string;
  token: string;
  sentVersion: number;
  amountCents?: number;
}

function prng(seed: number) {
  let x = seed | 0 || 1;
  return () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 2 ** 32);
}

/** A pg_dump restored into a new database on the same server (psql, stopping at the first error): its URL. */
async function restoreDump(file: string): Promise<string> {
  const target = new URL(dbFile);
  const name = `${target.pathname.slice(1)}_restored`;
  await onServer(process.env.BASELINE_TEST_PG_SERVER!, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `CREATE DATABASE ${name}`);
  target.pathname = `/${name}`;
  const r = spawnSync("psql", ["-q", "-v", "ON_ERROR_STOP=1", "-f", file, target.toString()], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return target.toString();
}

describe("16 concurrent clients editing and reading", () => {
  it("no 5xx or SQLITE_BUSY, no lost update, conflicts refused and counted, backup under load restores", async () => {
    // Lines with room to move their amount without touching the award total or the spending.
    const [award] = await queryRows<{ award_number: string; id: number }>(
      dbFile,
      `select a.award_number, a.id from awards a join centers c on c.id = a.center_id
         where c.code = 'VA' and a.voided_at is null
           and (select count(*) from budget_lines b where b.award_id = a.id and b.voided_at is null and b.amount_cents - b.spent_cents >= 200) >= ${HOT_LINES}
         order by a.fiscal_year desc, a.award_number limit 1`,
    );
    const lines = await queryRows<{ line_id: string; amount_cents: number; version: number }>(
      dbFile,
      `select line_id, amount_cents, version from budget_lines where award_id = ? and voided_at is null and amount_cents - spent_cents >= 200 order by id limit ${HOT_LINES}`,
      award.id,
    );
    expect(lines.length).toBe(HOT_LINES);
    const awardPath = `/awards/${encodeURIComponent(award.award_number)}`;

    server = await startServer({ databaseFile: dbFile });
    const url = server.url;
    const cookies: string[] = [];
    for (let i = 0; i < CLIENTS; i++) cookies.push(await login(url, i % 2 === 0 ? "demo-director" : "demo-admin"));

    const initialRows = (await (await fetch(`${url}${PAGE}?_data=${DATA}`, { headers: { cookie: cookies[0] } })).json()).page.rows as Array<{ capability_id: string; status: string; version: number }>;
    const hotRows = initialRows.slice(0, HOT_ROWS);
    const initialVersion = new Map<string, number>([...hotRows.map((r) => [`assessment:${r.capability_id}`, r.version] as const), ...lines.map((l) => [`budget_line:${l.line_id}`, l.version] as const)]);

    const tally = { requests: 0, reads: 0, edits: 0, accepted: 0, refusedConflicts: 0, refusedOther: 0, serverErrors: 0, busy: 0, networkErrors: 0 };
    const failures: string[] = [];
    const accepted: Accepted[] = [];
    const deadline = Date.now() + DURATION_MS;

    async function send(client: number, pathname: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
      tally.requests++;
      try {
        const res = await fetch(`${url}${pathname}`, { ...init, headers: { cookie: cookies[client], ...(init.headers ?? {}) }, redirect: "manual" });
        const text = await res.text();
        if (res.status >= 500) {
          tally.serverErrors++;
          failures.push(`${init.method ?? "GET"} ${pathname} → ${res.status}: ${text.slice(0, 200)}`);
        }
        if (/SQLITE_BUSY|database is locked|deadlock detected|could not serialize access/i.test(text)) {
          tally.busy++;
          failures.push(`${pathname}: busy`);
        }
        return { status: res.status, text };
      } catch (error) {
        tally.networkErrors++;
        failures.push(`${pathname}: ${(error as Error).message}`);
        return { status: 0, text: "" };
      }
    }

    async function editAssessment(client: number, rnd: () => number, n: number) {
      const page = await send(client, `${PAGE}?_data=${DATA}`);
      if (page.status !== 200) return;
      const rows = JSON.parse(page.text).page.rows as Array<{ capability_id: string; status: string; version: number }>;
      const want = hotRows[Math.floor(rnd() * HOT_ROWS)].capability_id;
      const row = rows.find((r) => r.capability_id === want);
      if (!row) {
        failures.push(`row ${want} missing from the page (${rows.length} rows: ${rows.map((r) => r.capability_id).join(" ")})`);
        return;
      }
      // Thinking time between loading the form and saving it: where the conflicts come from.
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 30)));
      const token = `load-c${client}-n${n}`;
      const body = new URLSearchParams({
        intent: "save",
        "rows[0].capabilityId": row.capability_id,
        "rows[0].status": ["achieved", "partial", "not_achieved"][Math.floor(rnd() * 3)],
        "rows[0].evidence": token,
        "rows[0].estCost": "",
        "rows[0].version": String(row.version),
      });
      tally.edits++;
      const r = await send(client, PAGE, { method: "POST", body });
      if (r.status === 200) {
        tally.accepted++;
        accepted.push({ entity: "assessment", key: row.capability_id, token, sentVersion: row.version });
      } else if (r.status === 409) {
        tally.refusedConflicts++;
        if (!/changed by someone else/.test(r.text)) failures.push("a conflict without the other person's change");
      } else if (r.status !== 0 && r.status < 500) {
        tally.refusedOther++;
        failures.push(`assessment save answered ${r.status}`);
      }
    }

    async function editLine(client: number, rnd: () => number, n: number) {
      const line = lines[Math.floor(rnd() * HOT_LINES)];
      const page = await send(client, `${awardPath}?line=${encodeURIComponent(line.line_id)}`);
      if (page.status !== 200) return;
      const form = extractForms(page.text, awardPath).find((f) => f.fields.some(([k, v]) => k === "intent" && v === "edit-line") && f.fields.some(([k, v]) => k === "line" && v === line.line_id));
      if (!form) {
        failures.push(`no edit form for line ${line.line_id}`);
        return;
      }
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 30)));
      const token = `load-c${client}-n${n}`;
      const amountCents = line.amount_cents - Math.floor(rnd() * 100);
      const fields = new Map(form.fields);
      fields.set("description", token);
      fields.set("amount", centsToDecimal(amountCents));
      const sentVersion = Number(fields.get("version"));
      tally.edits++;
      const r = await send(client, awardPath, { method: "POST", body: new URLSearchParams([...fields]) });
      if (r.status === 303) {
        tally.accepted++;
        accepted.push({ entity: "budget_line", key: line.line_id, token, sentVersion, amountCents });
      } else if (r.status === 409) {
        tally.refusedConflicts++;
      } else if (r.status !== 0 && r.status < 500) {
        tally.refusedOther++;
        failures.push(`line edit answered ${r.status}: ${r.text.slice(0, 200)}`);
      }
    }

    const READS = [`${PAGE}?_data=${DATA}`, "/centers/VA", "/dashboard", awardPath, "/centers/VA/assessments", "/awards"];
    async function client(i: number) {
      const rnd = prng(1000 + i);
      let n = 0;
      while (Date.now() < deadline && tally.requests < CLIENTS * MAX_REQUESTS_PER_CLIENT && n < MAX_REQUESTS_PER_CLIENT / 2) {
        n++;
        const r = rnd();
        if (r < 0.35) {
          const res = await send(i, READS[Math.floor(rnd() * READS.length)]);
          tally.reads++;
          if (res.status !== 200) failures.push(`read answered ${res.status}`);
        } else if (r < 0.7) await editAssessment(i, rnd, n);
        else await editLine(i, rnd, n);
      }
    }

    // A backup by a separate process while the clients write: `baseline backup` of the SQLite file, or
    // pg_dump on PostgreSQL (docs/decisions/025-postgresql-engine.md: backups are the server's tools).
    const onPostgres = isPostgresRef(dbFile);
    const backupFile = path.join(dir, onPostgres ? "under-load.sql" : "under-load.sqlite");
    const backup = new Promise<{ code: number | null; out: string }>((resolve) => {
      setTimeout(() => {
        const child = onPostgres
          ? spawn("pg_dump", ["--no-owner", "--file", backupFile, dbFile])
          : spawn(process.execPath, ["--import", "tsx", "cli/index.ts", "backup", backupFile], { cwd: ROOT, env: { ...process.env, ...databaseEnv(dbFile) } });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("exit", (code) => resolve({ code, out }));
      }, DURATION_MS / 3);
    });

    const started = Date.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    const durationMs = Date.now() - started;
    const backupResult = await backup;
    if (failures.length > 0) console.log(`server log:\n${server.output().slice(-6000)}`);
    expect(await server.stop()).toBe(0);
    server = undefined;

    // ---- Checks on the file the server left behind ----
    expect(failures).toEqual([]);
    expect(await integrityOk(dbFile)).toBe(true);
    const audit = await auditVerifies(dbFile);
    expect(audit.ok, audit.reason).toBe(true);

    let rowsLost = 0;
    {
      const auditRows = await queryRows<{ entity: string; after_json: string }>(
        dbFile,
        "select entity, after_json from audit_log where entity in ('assessment', 'budget_line') and after_json like '%load-c%' order by id",
      );
      const tokenOf = (json: string, entity: string) => {
        const after = JSON.parse(json);
        return String(entity === "assessment" ? after.evidence : after.description);
      };
      const audited = new Set(auditRows.map((r) => tokenOf(r.after_json, r.entity)));
      for (const a of accepted) if (!audited.has(a.token)) rowsLost++;
      // Nothing the clients were refused got in either.
      expect(audited.size).toBe(accepted.length);

      for (const key of initialVersion.keys()) {
        const [entity, id] = key.split(":");
        const mine = accepted.filter((a) => a.entity === entity && a.key === id);
        // Accepted edits of one record were each based on the version the previous one produced.
        const sent = mine.map((a) => a.sentVersion).sort((x, y) => x - y);
        expect(sent).toEqual(sent.map((_, k) => initialVersion.get(key)! + k));
        const [final] = await queryRows<{ token: string; version: number; amount_cents?: number }>(
          dbFile,
          entity === "assessment"
            ? "select a.evidence as token, a.version from assessments a join centers c on c.id = a.center_id where c.code = 'VA' and a.fiscal_year = 2025 and a.capability_id = ?"
            : "select description as token, version, amount_cents from budget_lines where line_id = ?",
          id,
        );
        expect(final.version).toBe(initialVersion.get(key)! + mine.length);
        if (mine.length > 0) {
          const last = mine.find((a) => a.sentVersion === final.version - 1)!;
          expect(final.token).toBe(last.token);
          if (entity === "budget_line") expect(final.amount_cents).toBe(last.amountCents);
        }
      }
      // The trigger-kept totals still add up after all the amount edits.
      const off = await queryValue(
        dbFile,
        "select count(*) from awards a where a.budgeted_cents != (select coalesce(sum(amount_cents), 0) from budget_lines b where b.award_id = a.id and b.voided_at is null)",
      );
      expect(off).toBe(0);
    }
    expect(rowsLost).toBe(0);

    // ---- The backup taken under load ----
    expect(backupResult.code, backupResult.out).toBe(0);
    const restored = onPostgres ? await restoreDump(backupFile) : path.join(dir, "restored", "baseline.sqlite");
    if (!onPostgres) {
      fs.mkdirSync(path.dirname(restored));
      const restore = await runCli(["restore", backupFile], restored);
      expect(restore.code, restore.err).toBe(0);
    }
    expect(await integrityOk(restored)).toBe(true);
    const restoredAudit = await auditVerifies(restored);
    expect(restoredAudit.ok).toBe(true);

    const figures = {
      clients: CLIENTS,
      durationMs,
      requests: tally.requests,
      reads: tally.reads,
      editsSent: tally.edits,
      editsAccepted: tally.accepted,
      conflictsRefused: tally.refusedConflicts,
      otherRefusals: tally.refusedOther,
      serverErrors: tally.serverErrors,
      busyErrors: tally.busy,
      networkErrors: tally.networkErrors,
      rowsLost,
      backupUnderLoad: { restoredAuditRows: restoredAudit.rows, finalAuditRows: audit.rows, bytes: fs.statSync(backupFile).size },
    };
    console.log(
      `[fault] ${CLIENTS} concurrent clients for ${(durationMs / 1000).toFixed(1)} s: ${tally.requests} requests (${tally.reads} reads), ` +
        `${tally.edits} edits: ${tally.accepted} accepted, ${tally.refusedConflicts} conflicts refused; ` +
        `5xx ${tally.serverErrors}, busy ${tally.busy}, rows lost ${rowsLost}; backup under load restored with ${restoredAudit.rows} audit rows verified`,
    );
    recordFigures("concurrentClients", figures);
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.refusedConflicts).toBeGreaterThan(0);
  });
});
