import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentHead, readHeadFile } from "../../db/audit-seal";
import { open } from "../../db/client";
import { auditVerifies, demoDatabase, tempDir } from "./harness";
import { spawnAuditWriter } from "./spawn-audit-writer";

/**
 * Two processes committing audited changes to one database at once, as the workers of `npm start`
 * do (docs/decisions/028-workers.md): every write succeeds (no SQLITE_BUSY), the audit head file
 * beside the database only ever moves forward and is never half-written, and it ends at the head
 * of the log.
 */

let dir: string;
let dbFile: string;

beforeAll(async () => {
  dir = tempDir("baseline-head-");
  dbFile = await demoDatabase(path.join(dir, "baseline.sqlite"));
}, 120_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the audit head file with two writing processes", () => {
  it("moves only forward, is never torn, and ends at the log's head", async () => {
    const { db, sqlite } = open(dbFile, { check: false });
    const start = currentHead(sqlite)!.last_id;
    await db.destroy();
    const seen: number[] = [];
    const problems: string[] = [];
    let running = true;
    const watch = (async () => {
      while (running) {
        const state = readHeadFile(dbFile);
        if (state.kind === "ok") seen.push(state.head.last_id);
        else if (state.kind === "unreadable") problems.push(state.message);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const results = await Promise.all([spawnAuditWriter(dbFile, 250), spawnAuditWriter(dbFile, 250)]);
    running = false;
    await watch;

    for (const r of results) expect(r, r.err).toEqual({ code: 0, err: "" });
    expect(problems).toEqual([]);
    const backwards = seen.filter((id, i) => i > 0 && id < seen[i - 1]);
    expect(backwards).toEqual([]);
    const after = open(dbFile, { check: false });
    const head = currentHead(after.sqlite)!;
    await after.db.destroy();
    expect(head.last_id).toBe(start + 500);
    const file = readHeadFile(dbFile);
    expect(file.kind === "ok" && { last_id: file.head.last_id, hash: file.head.hash }).toEqual({ last_id: head.last_id, hash: head.hash });
    expect((await auditVerifies(dbFile)).ok).toBe(true);
    expect(fs.existsSync(`${dbFile}.audit-head.lock`)).toBe(false);
  }, 120_000);
});
