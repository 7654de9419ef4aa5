import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditVerifies,
  demoDatabase,
  ensureBuild,
  FAULT_HOOK,
  fingerprint,
  integrityOk,
  latestAward,
  login,
  queryValue,
  recordFigures,
  setFault,
  startServer,
  tempDir,
  type ServerHandle,
} from "../reliability/harness";
import { extractForms } from "../reliability/forms";

/**
 * The database turns read-only, or the disk fills half-way through a change, under the
 * running production server. Simulated inside the server process with PRAGMA query_only
 * (tests/reliability/fault-hook.ts): SQLite answers SQLITE_READONLY exactly as for a
 * read-only file or mount. (chmod 0444 proves nothing when the tests run as root, and an open file
 * keeps its write access; a real full disk cannot be made without root and a tmpfs. The disk-full
 * path itself, SQLITE_FULL, is tested with max_page_count in tests/reliability/storage-errors.test.ts.)
 */

const DATA = "routes%2Fcenters.%24code.assessments.%24fy";
const PAGE = "/centers/VA/assessments/2025";
const MESSAGE = "The database cannot be written right now (disk full or read-only). Nothing was saved.";
let dir: string;
let dbFile: string;
let faultFile: string;
let server: ServerHandle;
let director: string;

beforeAll(async () => {
  ensureBuild({ fresh: true });
  dir = tempDir("baseline-ro-");
  dbFile = await demoDatabase(path.join(dir, "baseline.sqlite"));
  faultFile = path.join(dir, "fault");
  fs.writeFileSync(faultFile, "");
  server = await startServer({ databaseFile: dbFile, preload: [FAULT_HOOK], env: { BASELINE_FAULT_FILE: faultFile } });
  director = await login(server.url, "demo-director");
}, 300_000);

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function saveBody(token: string): Promise<URLSearchParams> {
  const res = await fetch(`${server.url}${PAGE}?_data=${DATA}`, { headers: { cookie: director } });
  const rows = (await res.json()).page.rows as Array<{ capability_id: string; status: string; version: number }>;
  const body = new URLSearchParams({ intent: "save" });
  rows.forEach((r, i) => {
    body.set(`rows[${i}].capabilityId`, r.capability_id);
    body.set(`rows[${i}].status`, r.status);
    body.set(`rows[${i}].evidence`, `${token} ${i}`);
    body.set(`rows[${i}].estCost`, "");
    body.set(`rows[${i}].version`, String(r.version));
  });
  return body;
}

function tokenRows(token: string): Promise<number> {
  return queryValue(dbFile, "select count(*) from assessments where evidence like ?", `${token} %`);
}

describe("read-only database and a disk that fills mid-change, under the production server", () => {
  it("shows a clear page for every write, keeps serving reads, and writes nothing partial", async () => {
    const figures = { faultsInjected: 0, writesRefused: 0, readsServed: 0, partialWrites: 0 };
    const before = await fingerprint(dbFile);
    const awardNumber = await latestAward(dbFile);
    const awardPath = `/awards/${encodeURIComponent(awardNumber)}`;
    const awardHtml = await (await fetch(`${server.url}${awardPath}`, { headers: { cookie: director } })).text();
    const addLine = extractForms(awardHtml, awardPath).find((f) => f.fields.some(([k, v]) => k === "intent" && v === "add-line"));
    expect(addLine).toBeDefined();

    // 1. Read-only from the start of each request.
    await setFault(faultFile, "readonly");
    figures.faultsInjected++;
    const expectRefused = async (res: Response) => {
      expect(res.status).toBe(503);
      const html = await res.text();
      expect(html).toContain("Nothing was saved");
      expect(html).toContain(MESSAGE);
      expect(html).toContain(`Reference: ${res.headers.get("x-request-id")}`);
      expect(html).not.toMatch(/SQLITE_|\n\s+at /);
      figures.writesRefused++;
    };
    await expectRefused(await fetch(`${server.url}${PAGE}`, { method: "POST", body: await saveBody("ro-save"), headers: { cookie: director } }));
    const line = new URLSearchParams(addLine!.fields);
    line.set("amount", "12.34");
    line.set("description", "ro-line");
    await expectRefused(await fetch(`${server.url}${awardPath}`, { method: "POST", body: line, headers: { cookie: director }, redirect: "manual" }));
    await expectRefused(await fetch(`${server.url}/login`, { method: "POST", body: new URLSearchParams({ username: "demo-admin", password: "not the password" }) }));
    for (const page of [PAGE, "/centers/VA", "/dashboard", awardPath, "/awards", "/healthz"]) {
      const res = await fetch(`${server.url}${page}`, { headers: { cookie: director } });
      expect(res.status, page).toBe(200);
      figures.readsServed++;
    }
    expect(await fingerprint(dbFile)).toBe(before);

    // 2. The disk "fills" at the 7th write inside the bulk save's transaction: all of it is rolled back.
    await setFault(faultFile, "readonly-after:7");
    figures.faultsInjected++;
    await expectRefused(await fetch(`${server.url}${PAGE}`, { method: "POST", body: await saveBody("half-save"), headers: { cookie: director } }));
    expect(Number(fs.readFileSync(`${faultFile}.writes`, "utf8"))).toBe(7);
    const partial = await tokenRows("half-save");
    if (partial > 0) figures.partialWrites++;
    expect(partial).toBe(0);
    expect(await fingerprint(dbFile)).toBe(before);

    // 3. Space again: the same save goes through without a restart, and both checks pass.
    await setFault(faultFile, "");
    const ok = await fetch(`${server.url}${PAGE}`, { method: "POST", body: await saveBody("after-fault"), headers: { cookie: director } });
    expect(ok.status).toBe(200);
    expect(await tokenRows("after-fault")).toBeGreaterThan(0);
    expect(await integrityOk(dbFile)).toBe(true);
    expect((await auditVerifies(dbFile)).ok).toBe(true);

    console.log(
      `[fault] read-only / disk full: ${figures.faultsInjected} faults injected, ${figures.writesRefused} writes refused with the clear page, ` +
        `${figures.readsServed} reads served meanwhile, ${figures.partialWrites} partial writes, rows lost 0`,
    );
    recordFigures("readOnlyAndDiskFull", { ...figures, rowsLost: 0 });
  });
});
