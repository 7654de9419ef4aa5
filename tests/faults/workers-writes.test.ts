import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { centsToDecimal } from "../../app/domain/money";
import { auditVerifies, demoDatabase, ensureBuild, login, queryRows, queryValue, recordFigures, startServer, tempDir, type ServerHandle } from "../reliability/harness";
import { extractForms } from "../reliability/forms";

/**
 * Two worker processes (WEB_CONCURRENCY=2) and two clients, each on its own connection, writing the
 * same budget line through its edit form (docs/decisions/028-workers.md): every write is accepted or
 * refused as a conflict, none fails with a 5xx or SQLITE_BUSY, every accepted write moved the line's
 * version by one (no lost update), and the audit chain verifies.
 */

const WRITES = 300;
let dir: string;
let dbFile: string;
let server: ServerHandle | undefined;

beforeAll(async () => {
  ensureBuild({ fresh: true });
  dir = tempDir("baseline-workers-writes-");
  dbFile = await demoDatabase(path.join(dir, "baseline.sqlite"));
}, 300_000);

afterAll(async () => {
  await server?.kill9();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function line(): Promise<{ award: string; lineId: string; amountCents: number; version: number }> {
  const [row] = await queryRows<{ award: string; lineId: string; amountCents: number; version: number }>(
    dbFile,
    `select a.award_number as award, b.line_id as "lineId", b.amount_cents as "amountCents", b.version from budget_lines b join awards a on a.id = b.award_id
        where b.voided_at is null and a.voided_at is null and b.amount_cents - b.spent_cents >= 200 order by b.id limit 1`,
  );
  return row;
}

describe("two workers writing one budget line", () => {
  it("loses no update, answers no 5xx, and leaves an audit chain that verifies", async () => {
    const target = await line();
    const awardPath = `/awards/${encodeURIComponent(target.award)}`;
    server = await startServer({ databaseFile: dbFile, env: { WEB_CONCURRENCY: "2" } });
    const url = server.url;
    const cookies = [await login(url, "demo-admin"), await login(url, "demo-admin")];
    const tally = { attempts: 0, accepted: 0, conflicts: 0, serverErrors: 0, other: 0 };
    const failures: string[] = [];

    async function writer(client: number) {
      for (let i = 0; i < WRITES / 2; i++) {
        const page = await fetch(`${url}${awardPath}?line=${encodeURIComponent(target.lineId)}`, { headers: { cookie: cookies[client] } });
        const html = await page.text();
        const form = extractForms(html, awardPath).find((f) => f.fields.some(([k, v]) => k === "intent" && v === "edit-line") && f.fields.some(([k, v]) => k === "line" && v === target.lineId));
        if (!form) {
          failures.push(`no edit form (${page.status})`);
          continue;
        }
        const fields = new Map(form.fields);
        fields.set("description", `worker write c${client} n${i}`);
        fields.set("amount", centsToDecimal(target.amountCents - (i % 100)));
        tally.attempts++;
        const res = await fetch(`${url}${awardPath}`, { method: "POST", body: new URLSearchParams([...fields]), headers: { cookie: cookies[client] }, redirect: "manual" });
        const text = await res.text();
        if (res.status === 303) tally.accepted++;
        else if (res.status === 409) tally.conflicts++;
        else if (res.status >= 500) {
          tally.serverErrors++;
          failures.push(`${res.status}: ${text.slice(0, 200)}`);
        } else {
          tally.other++;
          failures.push(`${res.status}: ${text.slice(0, 200)}`);
        }
        if (/SQLITE_BUSY|database is locked/i.test(text)) failures.push("busy");
      }
    }
    await Promise.all([writer(0), writer(1)]);
    expect(await server.stop()).toBe(0);
    server = undefined;

    const after = await line();
    const audited = await queryValue(dbFile, "select count(*) from audit_log where entity = 'budget_line' and after_json like ?", `%worker write c%`);
    recordFigures("workersSameLine", { ...tally, versionMoved: after.version - target.version, audited });
    expect(failures).toEqual([]);
    expect(tally.attempts).toBe(WRITES);
    expect(tally.accepted).toBeGreaterThan(0);
    expect(after.version - target.version).toBe(tally.accepted);
    expect(audited).toBe(tally.accepted);
    expect((await auditVerifies(dbFile)).ok).toBe(true);
  }, 300_000);
});
