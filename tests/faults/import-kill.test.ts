import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditVerifies,
  databaseEnv,
  demoDatabase,
  ensureBuild,
  FAULT_HOOK,
  integrityOk,
  login,
  queryRows,
  queryValue,
  recordFigures,
  ROOT,
  setFault,
  startServer,
  tempDir,
  type ServerHandle,
} from "../reliability/harness";
import { testingPostgres } from "../helpers/pg";

/**
 * kill -9 in the middle of a large import, through both real import paths: the
 * server's upload page (/import: upload, dry run, confirm) and `cli import`. An import is one
 * transaction; after each kill the database passes integrity_check and the audit verify, and the
 * file's rows are all there (with their batch and audit row) or none of them are.
 */

const DATA = "?_data=routes%2Fimport";
const FIRST_FY = 2060;
// PostgreSQL writes an assessment row per statement and round trip (decision 029): a smaller file keeps
// each kill-and-restart round, dry run included, within the test's time.
const YEARS = testingPostgres() ? 4 : 20;
const CLI_LAST_FY = testingPostgres() ? 2052 : 2100;
let dir: string;
let dbFile: string;
let faultFile: string;
let csv: string;
let rowsInFile = 0;
let centers: string[] = [];
let caps: string[] = [];

beforeAll(async () => {
  ensureBuild({ fresh: true });
  dir = tempDir("baseline-import-kill-");
  dbFile = await demoDatabase(path.join(dir, "baseline.sqlite"));
  faultFile = path.join(dir, "fault");
  // Every center × 20 future fiscal years × every assessable capability: all new rows.
  centers = (await queryRows<{ code: string }>(dbFile, "select code from centers order by code")).map((r) => r.code);
  caps = (await queryRows<{ id: string }>(dbFile, "select distinct capability_id as id from assessments order by capability_id")).map((r) => r.id);
  const lines = ["center,fiscal_year,capability,status,evidence"];
  for (let fy = FIRST_FY; fy < FIRST_FY + YEARS; fy++) {
    for (const c of centers) for (const cap of caps) lines.push(`${c},${fy},${cap},partial,imported for the kill test ${fy} ${c} ${cap}`);
  }
  rowsInFile = lines.length - 1;
  csv = lines.join("\n") + "\n";
}, 300_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What a restarted process finds: rows of the file, import batches, import audit rows. */
async function counts(file = dbFile): Promise<{ rows: number; batches: number; importAudits: number }> {
  const [c] = await queryRows<{ rows: number; batches: number; importAudits: number }>(
    file,
    `select (select count(*) from assessments where fiscal_year >= ?) as rows, (select count(*) from import_batches) as batches,
            (select count(*) from audit_log where action = 'import') as "importAudits"`,
    FIRST_FY,
  );
  return c;
}

async function start(): Promise<ServerHandle> {
  fs.writeFileSync(faultFile, "");
  return startServer({ databaseFile: dbFile, preload: [FAULT_HOOK], env: { BASELINE_FAULT_FILE: faultFile } });
}

/** Uploads the file and waits for its dry run; returns the token that confirms it. */
async function upload(url: string, cookie: string): Promise<string> {
  const form = new FormData();
  form.append("type", "assessments");
  form.append("file", new Blob([csv], { type: "text/csv" }), "big-assessments.csv");
  const res = await fetch(`${url}/import${DATA}`, { method: "POST", body: form, headers: { cookie } });
  expect(res.status).toBe(200);
  const data = await res.json();
  expect(data.job.result?.ok, JSON.stringify(data.job.result?.errors?.slice(0, 3) ?? data)).toBe(true);
  expect(data.job.result.added).toBe(rowsInFile);
  return data.token;
}

function confirm(url: string, cookie: string, token: string): Promise<number> {
  // js=1: the server answers within 1.5 s and keeps importing in the background.
  return fetch(`${url}/import${DATA}`, { method: "POST", body: new URLSearchParams({ intent: "confirm", token, js: "1" }), headers: { cookie } }).then(
    (r) => r.status,
    () => -1,
  );
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe("kill -9 during a large import", () => {
  it("leaves the import wholly present or wholly absent, and the database sound", async () => {
    const base = await counts();
    expect(base.rows).toBe(0);
    const figures = { rowsInFile, kills: 0, midTransactionKills: 0, wholeAfterKill: 0, absentAfterKill: 0, partialImports: 0, rowsLost: 0 };
    const check = async () => {
      expect(await integrityOk(dbFile)).toBe(true);
      const audit = await auditVerifies(dbFile);
      expect(audit.ok, audit.reason).toBe(true);
      const c = await counts();
      const whole = c.rows === rowsInFile && c.batches === base.batches + 1 && c.importAudits === base.importAudits + 1;
      const absent = c.rows === 0 && c.batches === base.batches && c.importAudits === base.importAudits;
      if (!whole && !absent) figures.partialImports++;
      expect(whole || absent, JSON.stringify(c)).toBe(true);
      return whole ? "whole" : "absent";
    };

    // 1. Certainly mid-transaction: writes slowed to 1 ms; kill after 2,000 of the ~rows written.
    let server = await start();
    let cookie = await login(server.url, "demo-admin");
    let token = await upload(server.url, cookie);
    await setFault(faultFile, "slow-writes:1");
    const pending = confirm(server.url, cookie, token);
    await waitFor(() => Number(fs.readFileSync(`${faultFile}.writes`, "utf8") || 0) >= 2000, 120_000);
    await server.kill9();
    await pending;
    figures.kills++;
    figures.midTransactionKills++;
    expect(await check()).toBe("absent");
    figures.absentAfterKill++;

    // 2. Kills at spread-out moments of a full-speed import.
    for (const delay of [50, 300, 1000, 3000]) {
      server = await start();
      cookie = await login(server.url, "demo-admin");
      token = await upload(server.url, cookie);
      void confirm(server.url, cookie, token);
      await new Promise((r) => setTimeout(r, delay));
      await server.kill9();
      figures.kills++;
      const outcome = await check();
      if (outcome === "whole") {
        figures.wholeAfterKill++;
        break; // Imported: a second import of the same rows would only report them unchanged.
      }
      figures.absentAfterKill++;
    }

    // 3. Finally an import that is left to finish: all rows, one batch, one audit row.
    if ((await counts()).rows === 0) {
      server = await start();
      try {
        cookie = await login(server.url, "demo-admin");
        token = await upload(server.url, cookie);
        await confirm(server.url, cookie, token);
        await waitFor(async () => (await counts()).batches === base.batches + 1, 120_000);
      } finally {
        await server.stop();
      }
      expect(await check()).toBe("whole");
    }
    expect((await counts()).rows).toBe(rowsInFile);
    expect(figures.partialImports).toBe(0);
    console.log(
      `[fault] kill -9 during a ${rowsInFile.toLocaleString("en-US")}-row import: ${figures.kills} kills (${figures.midTransactionKills} certainly mid-transaction), ` +
        `${figures.wholeAfterKill} whole / ${figures.absentAfterKill} absent after restart, ${figures.partialImports} partial, rows lost ${figures.rowsLost}`,
    );
    recordFigures("killDuringImport", figures);
  });
});

describe("kill -9 during a large `cli import`", () => {
  it("leaves the import wholly present or wholly absent, killed right after its progress line and at spread-out moments", async () => {
    // A bigger file for the command line: every center × fiscal years 2040–2100 (2040–2052 on PostgreSQL) × every capability.
    const file = path.join(dir, "cli-big.csv");
    const lines = ["center,fiscal_year,capability,status,evidence"];
    for (let fy = 2040; fy <= CLI_LAST_FY; fy++) for (const c of centers) for (const cap of caps) lines.push(`${c},${fy},${cap},achieved,cli import ${fy} ${c} ${cap}`);
    fs.writeFileSync(file, lines.join("\n") + "\n");
    const rows = lines.length - 1;
    const db = await demoDatabase(path.join(dir, "cli", "baseline.sqlite"));
    const before = await counts(db);
    const figures = { rowsInFile: rows, kills: 0, killedAfterProgressLine: 0, wholeAfterKill: 0, absentAfterKill: 0, partialImports: 0, rowsLost: 0 };

    const check = async () => {
      expect(await integrityOk(db)).toBe(true);
      const audit = await auditVerifies(db);
      expect(audit.ok, audit.reason).toBe(true);
      const n = await queryValue(db, "select count(*) from assessments where evidence like 'cli import %'");
      const c = await counts(db);
      const whole = n === rows && c.batches === before.batches + 1 && c.importAudits === before.importAudits + 1;
      const absent = n === 0 && c.batches === before.batches && c.importAudits === before.importAudits;
      if (!whole && !absent) figures.partialImports++;
      expect(whole || absent, JSON.stringify({ n, ...c })).toBe(true);
      if (whole) figures.wholeAfterKill++;
      else figures.absentAfterKill++;
      return whole ? "whole" : "absent";
    };

    /** Runs the real command and SIGKILLs it after its first progress line, or after `killAt` ms. */
    const runImport = (killAt: "progress" | number) =>
      new Promise<{ killed: boolean; code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", "cli/index.ts", "import", file, "--type", "assessments"], {
          cwd: ROOT,
          env: { ...process.env, ...databaseEnv(db) },
        });
        let stderr = "";
        let killed = false;
        const kill = () => {
          if (child.exitCode === null && !killed) killed = child.kill("SIGKILL");
        };
        child.stderr.on("data", (d) => {
          stderr += d;
          // The progress line comes every 10,000 rows read inside the import's transaction.
          if (killAt === "progress" && /rows read/.test(stderr)) kill();
        });
        child.stdout.resume();
        let timer: NodeJS.Timeout | undefined;
        if (typeof killAt === "number") timer = setTimeout(kill, killAt);
        child.on("exit", (code) => {
          clearTimeout(timer);
          resolve({ killed, code, stderr });
        });
      });

    // 1. Killed right after the first progress line: certainly inside the transaction.
    const first = await runImport("progress");
    expect(first.killed, first.stderr).toBe(true);
    figures.kills++;
    figures.killedAfterProgressLine++;
    expect(await check()).toBe("absent");

    // 2. Kills at spread-out moments (tsx start-up included), until one lands after the commit.
    for (const delay of [1500, 3000, 5000, 8000, 12000]) {
      const r = await runImport(delay);
      if (!r.killed) {
        expect(r.code, r.stderr).toBe(0);
        expect(await check()).toBe("whole");
        break;
      }
      figures.kills++;
      if ((await check()) === "whole") break;
    }

    // 3. Left to finish: every row, one batch, one audit row.
    if ((await counts(db)).batches === before.batches) {
      const done = await runImport(600_000);
      expect(done.code, done.stderr).toBe(0);
      expect(await check()).toBe("whole");
    }
    expect(figures.partialImports).toBe(0);
    console.log(
      `[fault] kill -9 during a ${rows.toLocaleString("en-US")}-row cli import: ${figures.kills} kills (${figures.killedAfterProgressLine} right after a progress line, mid-transaction), ` +
        `${figures.wholeAfterKill} whole / ${figures.absentAfterKill} absent afterwards, ${figures.partialImports} partial, rows lost ${figures.rowsLost}`,
    );
    recordFigures("killDuringCliImport", figures);
  });
});
