import Sqlite from "better-sqlite3";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { open, type OpenedDatabase } from "../../db/client";
import { onlineBackup, serverPidFile } from "../../db/backup";
import { recordAudit } from "../../app/models/audit.server";
import { checkDatabaseCopy } from "../../cli/commands/backup";
import { auditVerifies, demoDatabase, ensureBuild, fingerprint, integrityOk, ROOT, runCli, startServer, tempDir, type ServerHandle } from "./harness";

/**
 * `backup` and `restore`: a backup taken while another connection writes is a
 * consistent snapshot; restore checks everything before it replaces anything and refuses while
 * the database is in use.
 */

let dir: string;
let live: string;

beforeAll(async () => {
  dir = tempDir();
  live = await demoDatabase(path.join(dir, "live.sqlite"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** One audited edit of an assessment's evidence, as the assessment form would save it. */
async function editEvidence(opened: OpenedDatabase, assessmentId: number, evidence: string): Promise<void> {
  await opened.db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom("assessments").select(["evidence", "version"]).where("id", "=", assessmentId).executeTakeFirstOrThrow();
    await trx.updateTable("assessments").set({ evidence, version: before.version + 1 }).where("id", "=", assessmentId).execute();
    await recordAudit(trx, { userId: null, action: "update", entity: "assessment", entityId: assessmentId, before, after: { evidence, version: before.version + 1 } });
  });
}

async function sha(file: string): Promise<string> {
  return fingerprint(file, new Set());
}

/** Files in `folder` other than the ones expected: a refused restore must leave no temp copies behind. */
function leftovers(folder: string, expected: string[]): string[] {
  return fs.readdirSync(folder).filter((f) => !expected.includes(f));
}

describe("backup while another connection writes", () => {
  it("copies a consistent snapshot: checks pass and every copied row matches its audit entry", async () => {
    const writer = open(live);
    const source = open(live);
    const ids = (await writer.db.selectFrom("assessments").select("id").orderBy("id").limit(20).execute()).map((r) => r.id);
    let stop = false;
    let commits = 0;
    // Bounded: at most 3,000 edits, one per event-loop turn, interleaved with the backup's steps.
    const writing = (async () => {
      while (!stop && commits < 3000) {
        await editEvidence(writer, ids[commits % ids.length], `edit ${commits}`);
        commits++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const file = path.join(dir, "during-writes.sqlite");
    // Small steps so the copy spans many writes and SQLite has to restart it.
    const result = await onlineBackup(source.sqlite, file, { stepPages: 16 });
    stop = true;
    await writing;
    await source.db.destroy();
    await writer.db.destroy();

    expect(commits).toBeGreaterThan(0);
    expect(result.restarts).toBeGreaterThanOrEqual(1);
    const check = await checkDatabaseCopy(file);
    expect(check.problems).toEqual([]);

    // The backup's audit trail is a prefix of the live one, and each edited row holds the value
    // its last audit entry in the backup says: data and audit were copied from one moment.
    const copy = new Sqlite(file, { readonly: true });
    const liveDb = new Sqlite(live, { readonly: true });
    try {
      const copied = copy.prepare("select id, hash from audit_log order by id").all() as Array<{ id: number; hash: string }>;
      const liveHashes = new Map((liveDb.prepare("select id, hash from audit_log").all() as Array<{ id: number; hash: string }>).map((r) => [r.id, r.hash]));
      expect(copied.length).toBeLessThanOrEqual(liveHashes.size);
      for (const r of copied) expect(liveHashes.get(r.id)).toBe(r.hash);
      for (const id of ids) {
        const last = copy
          .prepare("select after_json from audit_log where entity = 'assessment' and entity_id = ? order by id desc limit 1")
          .pluck()
          .get(String(id)) as string | undefined;
        const row = copy.prepare("select evidence from assessments where id = ?").get(id) as { evidence: string };
        if (last) expect(row.evidence).toBe(JSON.parse(last).evidence);
      }
    } finally {
      copy.close();
      liveDb.close();
    }
  });
});

describe("cli backup", () => {
  it("prints the size and row counts, and refuses to overwrite a file unless --force", async () => {
    const file = path.join(dir, "nightly.sqlite");
    const first = await runCli(["backup", file], live);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/Backed up .* to .*nightly\.sqlite: \d+(\.\d)? (MB|KB)/);
    expect(first.out).toMatch(/[\d,]+ rows in \d+ tables \(centers 80, awards [\d,]+/);
    expect(first.out).toMatch(/integrity ok, audit trail verified/);

    const before = await sha(file);
    const again = await runCli(["backup", file], live);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists; choose another name or add --force/);
    expect(await sha(file)).toBe(before);

    const forced = await runCli(["backup", file, "--force"], live);
    expect(forced.code).toBe(0);
    expect(await integrityOk(file)).toBe(true);
  });

  it("refuses a missing argument with the usage (exit 2)", async () => {
    const r = await runCli(["backup"], live);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Usage: npm run -s cli -- backup FILE/);
  });
});

describe("cli restore", () => {
  let backupFile: string;
  beforeAll(async () => {
    backupFile = path.join(dir, "good-backup.sqlite");
    expect((await runCli(["backup", backupFile], live)).code).toBe(0);
  });

  it("replaces the database with the backup, which passes both checks, and keeps the old file", async () => {
    const target = await demoDatabase(path.join(dir, "restore-target", "baseline.sqlite"));
    // The target moves on after the backup: restore must bring back exactly the backup's data.
    const t = open(target);
    await editEvidence(t, 1, "written after the backup");
    await t.db.destroy();
    const targetBefore = await fingerprint(target);

    const r = await runCli(["restore", backupFile], target);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Restored .*baseline\.sqlite from .*good-backup\.sqlite/);
    expect(r.out).toMatch(/was kept as .*baseline\.sqlite\.replaced-\d{8}-\d{6}/);
    expect(await fingerprint(target)).toBe(await fingerprint(backupFile));
    expect(await integrityOk(target)).toBe(true);
    expect((await auditVerifies(target)).ok).toBe(true);

    const kept = fs.readdirSync(path.dirname(target)).find((f) => f.includes(".replaced-") && !f.endsWith("-wal"))!;
    expect(await fingerprint(path.join(path.dirname(target), kept))).toBe(targetBefore);
  });

  async function refusedWithoutChange(badBackup: string, message: RegExp) {
    const folder = path.join(dir, `target-${path.basename(badBackup)}`);
    const target = await demoDatabase(path.join(folder, "baseline.sqlite"));
    const before = await sha(target);
    const r = await runCli(["restore", badBackup], target);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/Nothing was replaced/);
    expect(await sha(target)).toBe(before);
    expect(leftovers(folder, ["baseline.sqlite"])).toEqual([]);
  }

  it("refuses a file that is not a database", async () => {
    const bad = path.join(dir, "notes.sqlite");
    fs.writeFileSync(bad, "this is a spreadsheet export, not a database\n".repeat(100));
    await refusedWithoutChange(bad, /not a readable SQLite database/);
  });

  it("refuses a backup whose pages are damaged (integrity check)", async () => {
    const bad = path.join(dir, "damaged.sqlite");
    fs.copyFileSync(backupFile, bad);
    // Overwrite 64 KB in the middle of the file: table and index pages no longer agree.
    const fd = fs.openSync(bad, "r+");
    const size = fs.fstatSync(fd).size;
    fs.writeSync(fd, Buffer.alloc(64 * 1024, 0x5a), 0, 64 * 1024, Math.floor(size / 2 / 4096) * 4096);
    fs.closeSync(fd);
    await refusedWithoutChange(bad, /fails its checks|not a readable SQLite database/);
  });

  it("refuses a truncated backup", async () => {
    const bad = path.join(dir, "truncated.sqlite");
    fs.copyFileSync(backupFile, bad);
    fs.truncateSync(bad, Math.floor(fs.statSync(bad).size / 3));
    await refusedWithoutChange(bad, /fails its checks|not a readable SQLite database/);
  });

  it("refuses a backup whose audit trail was altered", async () => {
    const bad = path.join(dir, "tampered.sqlite");
    fs.copyFileSync(backupFile, bad);
    const s = new Sqlite(bad);
    // Someone with file access removes the append-only triggers and rewrites history.
    s.exec("DROP TRIGGER audit_log_no_update");
    s.prepare("update audit_log set after_json = '{\"amount\":1}' where id = (select min(id) from audit_log)").run();
    s.close();
    expect(await integrityOk(bad)).toBe(true);
    await refusedWithoutChange(bad, /audit trail does not verify: row 1: hash does not match/);
  });

  it("refuses a backup made by a newer version of Baseline", async () => {
    const bad = path.join(dir, "newer.sqlite");
    fs.copyFileSync(backupFile, bad);
    const s = new Sqlite(bad);
    s.prepare("insert into schema_migrations (name, executed_at) values ('9999_from_the_future', '2030-01-01')").run();
    s.close();
    await refusedWithoutChange(bad, /schema \(9999_from_the_future\) is newer than this version of Baseline/);
  });

  it("refuses while the production server holds the database, and after a kill -9 ignores the stale pid file", async () => {
    ensureBuild();
    const folder = path.join(dir, "served");
    const target = await demoDatabase(path.join(folder, "baseline.sqlite"));
    let server: ServerHandle | undefined;
    try {
      server = await startServer({ databaseFile: target });
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(fs.readFileSync(serverPidFile(target), "utf8").trim()).toBe(String(server.pid));

      // Backup works while it serves.
      const during = path.join(dir, "while-serving.sqlite");
      expect((await runCli(["backup", during], target)).code).toBe(0);

      const before = await sha(target);
      const r = await runCli(["restore", backupFile], target);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`A Baseline server \\(process ${server.pid}\\) is using .*Nothing was replaced`));
      expect(await sha(target)).toBe(before);

      // kill -9 runs no shutdown code: the pid file stays, but names a dead process.
      await server.kill9();
      expect(fs.existsSync(serverPidFile(target))).toBe(true);
      const after = await runCli(["restore", backupFile], target);
      expect(after.err).toBe("");
      expect(after.code).toBe(0);
      expect(await fingerprint(target)).toBe(await fingerprint(backupFile));
    } finally {
      await server?.kill9();
    }
  }, 90_000);

  it("a clean shutdown removes the pid file", async () => {
    ensureBuild();
    const target = await demoDatabase(path.join(dir, "clean-stop", "baseline.sqlite"));
    const server = await startServer({ databaseFile: target });
    expect(fs.existsSync(serverPidFile(target))).toBe(true);
    expect(await server.stop()).toBe(0);
    expect(fs.existsSync(serverPidFile(target))).toBe(false);
  }, 90_000);

  it("refuses while any other program has the database open (no pid file)", async () => {
    const folder = path.join(dir, "held");
    const target = await demoDatabase(path.join(folder, "baseline.sqlite"));
    const holderScript = `
      const Sqlite = require(${JSON.stringify(path.join(ROOT, "node_modules/better-sqlite3"))});
      const db = new Sqlite(process.argv[1]);
      db.pragma("journal_mode = WAL");
      db.prepare("select count(*) from centers").get();
      process.stdout.write("open\\n");
      setInterval(() => {}, 1000);
    `;
    const holder = spawn(process.execPath, ["-e", holderScript, target], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
      const before = await sha(target);
      const r = await runCli(["restore", backupFile], target);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/is open in another program .*Nothing was replaced/);
      expect(await sha(target)).toBe(before);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
