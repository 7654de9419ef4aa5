import { sql } from "kysely";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DB } from "../../db/client";
import { auditVerifies, demoDatabase, ensureBuild, login, startServer, tempDir, withDatabase, type ServerHandle } from "./harness";

/**
 * Two server processes over one database file, as the workers of `npm start` or two machines behind
 * a load balancer run (docs/decisions/027-shared-state-and-job-leases.md): a file checked through one
 * is confirmed through the other, its job is polled from either, and a job whose process is gone
 * does not hang.
 */

const DATA = "?_data=routes%2Fimport";
let dir: string;
let dbFile: string;
let a: ServerHandle;
let b: ServerHandle;
let cookie: string;
let csv: string;
let rows: number;

beforeAll(async () => {
  ensureBuild({ fresh: true });
  dir = tempDir("baseline-stateless-");
  dbFile = await demoDatabase(path.join(dir, "baseline.sqlite"));
  const [centers, caps] = await withDatabase(dbFile, async (db) => [
    (await db.selectFrom("centers").select("code").orderBy("code").limit(3).execute()).map((r) => r.code),
    (await db.selectFrom("assessments").select("capability_id").distinct().orderBy("capability_id").limit(4).execute()).map((r) => r.capability_id),
  ]);
  const lines = ["center,fiscal_year,capability,status,evidence"];
  for (const c of centers) for (const cap of caps) lines.push(`${c},2091,${cap},partial,checked on one process and imported on another`);
  rows = lines.length - 1;
  csv = lines.join("\n") + "\n";
  [a, b] = await Promise.all([startServer({ databaseFile: dbFile }), startServer({ databaseFile: dbFile })]);
  cookie = await login(a.url, "demo-admin");
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.kill9(), b?.kill9()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

type JobView = { id: string; status: string; failure: string | null; result: { ok: boolean; committed: boolean; added: number } | null };

async function upload(url: string): Promise<{ token: string; job: JobView }> {
  const form = new FormData();
  form.append("js", "1");
  form.append("type", "assessments");
  form.append("file", new Blob([csv], { type: "text/csv" }), "two-processes.csv");
  const res = await fetch(`${url}/import${DATA}`, { method: "POST", body: form, headers: { cookie } });
  expect(res.status).toBe(200);
  return (await res.json()) as { token: string; job: JobView };
}

async function poll(url: string, id: string): Promise<JobView> {
  const res = await fetch(`${url}/import/jobs/${id}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return (await res.json()) as JobView;
}

async function until(url: string, id: string, done: (j: JobView) => boolean): Promise<JobView> {
  const end = Date.now() + 60_000;
  for (;;) {
    const job = await poll(url, id);
    if (done(job) || Date.now() > end) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const finished = (j: JobView) => j.status === "done" || j.status === "failed";

function importedRows(): Promise<number> {
  return withDatabase(dbFile, async (db) =>
    Number((await db.selectFrom("assessments").select((eb) => eb.fn.countAll<number>().as("n")).where("fiscal_year", "=", 2091).executeTakeFirstOrThrow()).n),
  );
}

const adminId = (db: DB) => db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow().then((r) => r.id);

/** A pid that no process has any more. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("two server processes over one database", () => {
  it("a file checked through one process is confirmed through the other, and its job is polled from either", async () => {
    const checked = await upload(a.url);
    const dry = await until(b.url, checked.job.id, finished);
    expect(dry).toMatchObject({ status: "done", result: { ok: true, committed: false, added: rows } });
    expect(checked.token).toBeTruthy();

    const res = await fetch(`${b.url}/import${DATA}`, { method: "POST", body: new URLSearchParams({ intent: "confirm", token: checked.token, js: "1" }), headers: { cookie } });
    expect(res.status).toBe(200);
    const confirmed = (await res.json()) as { job: JobView };
    const done = await until(a.url, confirmed.job.id, finished);
    expect(done).toMatchObject({ status: "done", result: { ok: true, committed: true, added: rows } });
    expect(await poll(b.url, confirmed.job.id)).toMatchObject({ status: "done" });
    expect(await importedRows()).toBe(rows);
    expect((await auditVerifies(dbFile)).ok).toBe(true);
  }, 120_000);

  it("a job whose process was killed is reported as failed, with nothing written, instead of running forever", async () => {
    const checked = await upload(a.url);
    await until(a.url, checked.job.id, finished);
    // A confirmation claimed by a process that has since gone (kill -9 mid-import: its transaction never committed).
    const now = Date.now();
    await withDatabase(dbFile, async (db) => {
      const userId = await adminId(db);
      await sql`insert into import_jobs (id, user_id, token, dry_run, file_name, status, total_bytes, created_at_ms, started_at_ms, errors_path, expires_at_ms, claimed_by, lease_until_ms)
        values ('killed-job-000000000000', ${userId}, ${checked.token}, 0, 'two-processes.csv', 'running', 100, ${now}, ${now}, ${path.join(dir, "none.csv")},
                ${now + 60_000}, ${`${os.hostname()}:${deadPid()}:gone`}, ${now + 60_000})`.execute(db);
      await sql`update import_uploads set commit_job_id = 'killed-job-000000000000' where token = ${checked.token}`.execute(db);
    });
    const before = await importedRows();

    const job = await poll(b.url, "killed-job-000000000000");
    expect(job.status).toBe("failed");
    expect(job.failure).toMatch(/stopped before it finished; nothing was written/);
    expect(await importedRows()).toBe(before);
  }, 60_000);

  it("a job left queued by a process that ended is run by the process that is asked about it", async () => {
    const checked = await upload(b.url);
    await until(b.url, checked.job.id, finished);
    const now = Date.now();
    await withDatabase(dbFile, async (db) => {
      const userId = await adminId(db);
      await sql`insert into import_jobs (id, user_id, token, dry_run, file_name, status, total_bytes, created_at_ms, errors_path, expires_at_ms)
        values ('queued-job-000000000000', ${userId}, ${checked.token}, 1, 'two-processes.csv', 'queued', 100, ${now}, ${path.join(dir, "queued-errors.csv")}, ${now + 60_000})`.execute(db);
    });
    const job = await until(a.url, "queued-job-000000000000", finished);
    expect(job).toMatchObject({ status: "done", result: { ok: true, committed: false } });
  }, 60_000);
});
