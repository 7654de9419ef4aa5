import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditVerifies, demoDatabase, ensureBuild, FAULT_HOOK, integrityOk, login, queryValue, recordFigures, setFault, startServer, tempDir, type ServerHandle } from "../reliability/harness";

/**
 * kill -9 in the middle of a bulk assessment save. After each kill the database is
 * opened as a restarted server would: PRAGMA integrity_check is ok, the audit chain verifies, and
 * the interrupted save is wholly present or wholly absent. A save the server answered before the
 * kill is always present (synchronous=FULL).
 */

const DATA = "routes%2Fcenters.%24code.assessments.%24fy";
const PAGE = "/centers/VA/assessments/2025";
let dir: string;
let dbFile: string;
let faultFile: string;

interface Row {
  capability_id: string;
  status: string;
  version: number;
}

beforeAll(async () => {
  ensureBuild({ fresh: true });
  dir = tempDir("baseline-faults-");
  dbFile = await demoDatabase(path.join(dir, "baseline.sqlite"));
  faultFile = path.join(dir, "fault");
}, 300_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function start(): Promise<ServerHandle> {
  fs.writeFileSync(faultFile, "");
  return startServer({ databaseFile: dbFile, preload: [FAULT_HOOK], env: { BASELINE_FAULT_FILE: faultFile } });
}

async function rows(url: string, cookie: string): Promise<Row[]> {
  const res = await fetch(`${url}${PAGE}?_data=${DATA}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return (await res.json()).page.rows;
}

/** The whole year's form saved at once: every row gets new evidence carrying `token`. */
function bulkSave(url: string, cookie: string, current: Row[], token: string): Promise<number> {
  const body = new URLSearchParams({ intent: "save" });
  current.forEach((r, i) => {
    body.set(`rows[${i}].capabilityId`, r.capability_id);
    body.set(`rows[${i}].status`, r.status);
    body.set(`rows[${i}].evidence`, `${token} row ${i} ${"evidence text ".repeat(40)}`);
    body.set(`rows[${i}].estCost`, "");
    body.set(`rows[${i}].version`, String(r.version));
  });
  return fetch(`${url}${PAGE}`, { method: "POST", body, headers: { cookie }, redirect: "manual" }).then(
    (res) => res.status,
    () => -1,
  );
}

/** Rows and audit entries carrying the token, counted in the file as a restarted server sees it. */
async function countToken(token: string): Promise<{ rows: number; audit: number }> {
  const like = `%${token} row %`;
  return {
    rows: await queryValue(dbFile, "select count(*) from assessments where evidence like ?", like),
    audit: await queryValue(dbFile, "select count(*) from audit_log where entity = 'assessment' and after_json like ?", like),
  };
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe("kill -9 during a bulk assessment save", () => {
  it("leaves each interrupted save wholly present or wholly absent, and loses nothing acknowledged", async () => {
    const figures = { kills: 0, requests: 0, midTransactionKills: 0, wholeAfterKill: 0, absentAfterKill: 0, acknowledgedThenKilled: 0, partialSaves: 0, rowsLost: 0 };
    const check = async (token: string, expected: "absent" | "acknowledged" | "either", size: number) => {
      expect(await integrityOk(dbFile)).toBe(true);
      const audit = await auditVerifies(dbFile);
      expect(audit.ok, audit.reason).toBe(true);
      const n = await countToken(token);
      // Each updated row has exactly one audit row: both counts move together.
      expect(n.rows).toBe(n.audit);
      if (n.rows !== 0 && n.rows !== size) figures.partialSaves++;
      expect([0, size]).toContain(n.rows);
      if (expected === "absent") expect(n.rows).toBe(0);
      if (expected === "acknowledged" && n.rows !== size) figures.rowsLost += size - n.rows;
      if (n.rows === size) figures.wholeAfterKill++;
      else figures.absentAfterKill++;
    };

    // 1. Certainly mid-transaction: each write is slowed to 30 ms; kill once 6 writes of the save are done.
    let server = await start();
    let cookie = await login(server.url, "demo-director");
    let current = await rows(server.url, cookie);
    expect(current.length).toBeGreaterThanOrEqual(10);
    // How long one save takes here, to spread the later kills before, across and after it.
    const started = Date.now();
    expect(await bulkSave(server.url, cookie, current, "warm-up")).toBe(200);
    const saveMs = Math.max(5, Date.now() - started);
    figures.requests++;
    current = await rows(server.url, cookie);
    await setFault(faultFile, "slow-writes:30");
    const pending = bulkSave(server.url, cookie, current, "kill-mid");
    figures.requests++;
    await waitFor(() => Number(fs.readFileSync(`${faultFile}.writes`, "utf8") || 0) >= 6, 20_000);
    await server.kill9();
    figures.kills++;
    figures.midTransactionKills++;
    expect(await pending).toBe(-1);
    await check("kill-mid", "absent", current.length);

    // 2. Kills at spread-out moments, no slowdown: before, during or after the save.
    const delays = [0, 0.3, 0.6, 0.8, 1, 1.2, 2].map((f) => Math.round(f * saveMs));
    for (const [k, delay] of delays.entries()) {
      server = await start();
      cookie = await login(server.url, "demo-director");
      current = await rows(server.url, cookie);
      const token = `kill-at-${k}`;
      let answered = 0;
      const save = bulkSave(server.url, cookie, current, token).then((s) => (answered = s));
      figures.requests++;
      await new Promise((r) => setTimeout(r, delay));
      const acknowledged = answered === 200;
      await server.kill9();
      figures.kills++;
      await save;
      if (acknowledged) figures.acknowledgedThenKilled++;
      await check(token, acknowledged ? "acknowledged" : "either", current.length);
    }

    // 3. A restart after all that serves the page and saves normally.
    server = await start();
    try {
      cookie = await login(server.url, "demo-director");
      current = await rows(server.url, cookie);
      expect(await bulkSave(server.url, cookie, current, "after-restart")).toBe(200);
      figures.requests++;
    } finally {
      await server.stop();
    }
    await check("after-restart", "acknowledged", current.length);

    expect(figures.rowsLost).toBe(0);
    expect(figures.partialSaves).toBe(0);
    console.log(
      `[fault] kill -9 during bulk assessment save: ${figures.kills} kills (${figures.midTransactionKills} certainly mid-transaction), ` +
        `${figures.requests} saves sent, ${figures.wholeAfterKill} whole / ${figures.absentAfterKill} absent after restart, ` +
        `${figures.acknowledgedThenKilled} acknowledged before the kill, ${figures.partialSaves} partial, rows lost ${figures.rowsLost} (one save ≈ ${saveMs} ms)`,
    );
    recordFigures("killDuringAssessmentSave", { ...figures, rowsPerSave: current.length, saveMs });
  });
});
