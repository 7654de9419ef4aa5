/**
 * `audit verify` against someone who can write the database directly (docs/decisions/017; on
 * PostgreSQL a superuser, 026): a direct edit of a record, rows cut from the end of the log, and a
 * log rewritten with its chain recomputed are each named and exit 1; a clean database, a backup and
 * a restore verify. SQLite keeps the log's head in a file beside the database; PostgreSQL keeps
 * none, and refuses DELETE and TRUNCATE of audit rows instead.
 */
import { sql } from "kysely";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { auditKey, headFilePath, KEYED_FROM_SETTING, readHeadFile } from "../db/audit-seal";
import { open } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { auditHash, GENESIS_HASH, plainAuditHash, recordAudit } from "~/models/audit.server";
import { AUDITED_TABLES } from "~/models/audit-verify.server";
import { createAward } from "~/models/awards.server";
import { addBudgetLine, addSpending, editSpending } from "~/models/budget.server";
import { freshDatabase } from "./helpers/db";
import { testingPostgres } from "./helpers/pg";
import { tamper } from "./helpers/tamper";
import { runCli } from "./reliability/harness";

const onPostgres = testingPostgres();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A database with one award, one line and one payment, all made through the models (audited). */
async function scenario() {
  const t = freshDatabase();
  cleanups.push(t.close);
  const center = await t.db.insertInto("centers").values({ code: "VA", name: "Virginia Fusion Center", state: "VA", kind: "state", created_at: "2024-01-01" }).returning("id").executeTakeFirstOrThrow();
  const award = await createAward(t.db, 1, {
    awardNumber: "2024-VA-SHSP-001",
    centerId: center.id,
    programCode: "SHSP",
    fiscalYear: 2024,
    amountCents: 500_000_00,
    popStart: "2023-10-01",
    popEnd: "2026-09-30",
  });
  if (!award.ok) throw new Error(JSON.stringify(award));
  const line = await addBudgetLine(t.db, 1, award.value.id, { capabilityId: null, poete: "equipment", costCategory: "equipment", amountCents: 100_000_00, description: "Radios" });
  if (!line.ok) throw new Error(JSON.stringify(line));
  const pay = await addSpending(t.db, 1, award.value.id, line.value.line_id, { date: "2024-02-01", amountCents: 12_500_00, description: "Radios, first lot" });
  if (!pay.ok) throw new Error(JSON.stringify(pay));
  const edited = await editSpending(t.db, 1, award.value.id, pay.value.spend_id, pay.value.version, { date: "2024-02-01", amountCents: 12_600_00, description: "Radios, first lot" });
  if (!edited.ok) throw new Error(JSON.stringify(edited));
  return { ...t, award: award.value, line: line.value, payment: pay.value };
}

const verify = (file: string) => runCli(["audit", "verify"], file);

describe("audit verify catches tampering the chain alone did not", () => {
  it("passes a clean database and says what it compared", async () => {
    const s = await scenario();
    const r = await verify(s.file);
    expect(r.code).toBe(0);
    const rows = Number((await s.db.selectFrom("audit_log").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
    const head = onPostgres ? `none kept on PostgreSQL (no head file); the log ends at row ${rows}` : `row ${rows} as recorded in ${s.file}.audit-head`;
    expect(r.out).toBe(
      `ok ${rows} rows\n  head: ${head}\n  records: 3 match their latest after-image, 0 the seal of the batch that wrote them; 0 last written by an import from before seals (not compared); totals match their rows\n`,
    );
  });

  it("names the award whose amount was edited in the database file", async () => {
    const s = await scenario();
    await tamper(s.file, ({ db }) => sql`update awards set amount_cents = 900000000 where id = ${s.award.id}`.execute(db));
    const r = await verify(s.file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^award 2024-VA-SHSP-001 \(awards id \d+\) amount_cents is \$9,000,000\.00 in the database but \$500,000\.00 in audit row \d+\n$/);
  });

  it("names the payment whose amount was edited in the database file", async () => {
    const s = await scenario();
    await tamper(s.file, ({ db }) => sql`update spending set amount_cents = 100 where id = ${s.payment.id}`.execute(db));
    const r = await verify(s.file);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`spending ${s.payment.spend_id} (spending id ${s.payment.id}) amount_cents is $1.00 in the database but $12,600.00 in audit row`);
  });

  it("notices a payment deleted from the database file", async () => {
    const s = await scenario();
    await tamper(s.file, async ({ db, bypassTriggers }) => {
      await bypassTriggers("spending");
      await sql`delete from spending where id = ${s.payment.id}`.execute(db);
    });
    const r = await verify(s.file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`^spending ${s.payment.id} \\(spending\\) is missing from the database`));
  });

  it.skipIf(onPostgres)("notices rows cut from the end of the log (SQLite: head file beside the database)", async () => {
    const s = await scenario();
    const last = (await s.db.selectFrom("audit_log").select("id").orderBy("id", "desc").executeTakeFirstOrThrow()).id;
    await tamper(s.file, async ({ db, dropTrigger }) => {
      await dropTrigger("audit_log", "audit_log_no_delete");
      await sql`delete from audit_log where id >= ${last - 1}`.execute(db);
    });
    const r = await verify(s.file);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`the log ends at row ${last - 2} but the head in ${s.file}.audit-head records row ${last}: rows were cut from the end\n`);
  });

  it.runIf(onPostgres)("refuses rows cut from the end of the log, by DELETE or TRUNCATE (PostgreSQL: no head file; the database refuses instead)", async () => {
    const s = await scenario();
    const last = (await s.db.selectFrom("audit_log").select("id").orderBy("id", "desc").executeTakeFirstOrThrow()).id;
    await expect(sql`delete from audit_log where id >= ${last - 1}`.execute(s.db)).rejects.toThrow(/audit_log is append-only/);
    await expect(sql`truncate audit_log`.execute(s.db)).rejects.toThrow(/audit_log is append-only/);
    const r = await verify(s.file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok \d+ rows\n/);
    expect(r.out).toContain(`\n  head: none kept on PostgreSQL (no head file); the log ends at row ${last}\n`);
  });

  it.skipIf(onPostgres)("notices rows cut from the end even after the server wrote new rows on the shortened log (SQLite: head file beside the database)", async () => {
    const s = await scenario();
    const last = (await s.db.selectFrom("audit_log").select("id").orderBy("id", "desc").executeTakeFirstOrThrow()).id;
    await tamper(s.file, async ({ db, dropTrigger }) => {
      await dropTrigger("audit_log", "audit_log_no_delete");
      await sql`delete from audit_log where id >= ${last - 1}`.execute(db);
    });
    // The application appends on the cut log: the head file keeps the evidence instead of following it.
    await s.db.transaction().execute((trx) => recordAudit(trx, { userId: 1, action: "login", entity: "session", entityId: 1 }));
    await s.db.transaction().execute((trx) => recordAudit(trx, { userId: 1, action: "login", entity: "session", entityId: 2 }));
    expect(readHeadFile(s.file)).toMatchObject({ kind: "ok", head: { last_id: last } });
    const r = await verify(s.file);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`row ${last} does not have the hash recorded in ${s.file}.audit-head: the log was rewritten\n`);
  });

  it("notices log rows rewritten with the chain recomputed the old, unkeyed way", async () => {
    const s = await scenario();
    const rows = await s.db.selectFrom("audit_log").selectAll().orderBy("id").execute();
    const target = rows.find((r) => r.entity === "award")!;
    await tamper(s.file, async ({ db, dropTrigger }) => {
      await dropTrigger("audit_log", "audit_log_no_update");
      // Change the logged amount and relink every row from there with SHA-256, as the old verify accepted.
      let prev = target.prev_hash;
      for (const row of rows.filter((r) => r.id >= target.id)) {
        const changed = row.id === target.id ? { ...row, after_json: row.after_json!.replace('"amount_cents":50000000', '"amount_cents":90000000') } : row;
        const hash = plainAuditHash(prev, changed);
        await sql`update audit_log set after_json = ${changed.after_json}, prev_hash = ${prev}, hash = ${hash} where id = ${row.id}`.execute(db);
        prev = hash;
      }
      await sql`update awards set amount_cents = 90000000 where id = ${s.award.id}`.execute(db);
    });
    const r = await verify(s.file);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`broken at row ${target.id}: hash does not match the row's contents\n`);
  });

  it("notices the keyed-from row moved so that a rewritten log would pass as an old, unkeyed one", async () => {
    const s = await scenario();
    const rows = await s.db.selectFrom("audit_log").selectAll().orderBy("id").execute();
    await tamper(s.file, async ({ db, dropTrigger }) => {
      await dropTrigger("audit_log", "audit_log_no_update");
      let prev = GENESIS_HASH;
      for (const row of rows) {
        const hash = plainAuditHash(prev, row);
        await sql`update audit_log set prev_hash = ${prev}, hash = ${hash} where id = ${row.id}`.execute(db);
        prev = hash;
      }
      await sql`update app_settings set value = ${String(rows.length + 1)} where key = ${KEYED_FROM_SETTING}`.execute(db);
    });
    const r = await verify(s.file);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      onPostgres
        ? `the log says keyed rows start at ${rows.length + 1} but no seal made with this audit key records it\n`
        : `the log says keyed rows start at ${rows.length + 1} but the head in ${s.file}.audit-head says 1\n`,
    );
  });

  it.skipIf(onPostgres)("refuses a head file that was written without the key (SQLite: head file beside the database)", async () => {
    const s = await scenario();
    const head = JSON.parse(fs.readFileSync(headFilePath(s.file), "utf8"));
    fs.writeFileSync(headFilePath(s.file), JSON.stringify({ ...head, last_id: head.last_id - 1, hash: "f".repeat(64) }));
    const r = await verify(s.file);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`the audit head in ${s.file}.audit-head was not written with this audit key\n`);
  });

  it("the after-image check covers each audited table in one entry", () => {
    expect(AUDITED_TABLES.map((t) => t.table)).toEqual(expect.arrayContaining(["awards", "budget_lines", "spending", "assessments", "users"]));
  });
});

describe("a chain written before it was keyed", () => {
  /** A SQLite file whose first two rows were linked the old, plain way, and a third written keyed. */
  async function legacyChain(): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baseline-audit-legacy-"));
    const file = path.join(dir, "old.sqlite");
    const { db } = open(file);
    cleanups.push(async () => {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    // The schema as it was before the keyed chain, with two rows linked the old way.
    await migrateToLatest(db);
    await db.deleteFrom("app_settings").where("key", "=", KEYED_FROM_SETTING).execute();
    await db.deleteFrom("schema_migrations" as never).where("name" as never, "=", "0014_audit_keyed_chain" as never).execute();
    let prev = GENESIS_HASH;
    for (const id of [1, 2]) {
      const row = { id, at: "2024-01-01T00:00:00.000Z", user_id: null, action: "create", entity: "note", entity_id: String(id), before_json: null, after_json: `{"n":${id}}` };
      const hash = plainAuditHash(prev, row);
      await db.insertInto("audit_log").values({ ...row, prev_hash: prev, hash }).execute();
      prev = hash;
    }
    fs.rmSync(headFilePath(file), { force: true });

    await migrateToLatest(db);
    await db.transaction().execute((trx) => recordAudit(trx, { userId: null, action: "create", entity: "note", entityId: 3, after: { n: 3 } }));
    const rows = await db.selectFrom("audit_log").selectAll().orderBy("id").execute();
    expect(rows[0].hash).toBe(plainAuditHash(GENESIS_HASH, rows[0]));
    expect(rows[2].hash).toBe(auditHash(rows[1].hash, rows[2]));
    expect(rows[2].hash).not.toBe(plainAuditHash(rows[1].hash, rows[2]));
    return file;
  }

  it.skipIf(onPostgres)("keeps its plain links up to the recorded row and is keyed from there on (SQLite: a file from before the keyed chain)", async () => {
    const file = await legacyChain();
    expect(readHeadFile(file)).toMatchObject({ kind: "ok", head: { last_id: 3, keyed_from: 3 } });
    const r = await runCli(["audit", "verify"], file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok 3 rows\n/);
  });

  it.runIf(onPostgres)("copied to PostgreSQL, verifies with its plain links, and moving its keyed-from row is caught (PostgreSQL: no head file, the setting carries its own MAC)", async () => {
    const file = await legacyChain();
    const s = freshDatabase();
    cleanups.push(s.close);
    const copied = await runCli(["copy", "--from", `sqlite:${file}`, "--to", s.file], s.file);
    expect(copied.err).toBe("");
    expect(copied.code).toBe(0);
    const r = await verify(s.file);
    expect(r.out).toMatch(/^ok 3 rows\n/);
    expect(r.code).toBe(0);

    // The keyed row rewritten the plain way, and the key said to start after it.
    const rows = await s.db.selectFrom("audit_log").selectAll().orderBy("id").execute();
    await tamper(s.file, async ({ db, dropTrigger }) => {
      await dropTrigger("audit_log", "audit_log_no_update");
      await sql`update audit_log set hash = ${plainAuditHash(rows[1].hash, rows[2])} where id = 3`.execute(db);
      await sql`update app_settings set value = '4' where key = ${KEYED_FROM_SETTING}`.execute(db);
    });
    const moved = await verify(s.file);
    expect(moved.out).toBe("the log says keyed rows start at 4 but no seal made with this audit key records it\n");
    expect(moved.code).toBe(1);
  });
});

describe("the audit key", () => {
  it("without AUDIT_KEY, is generated once beside the database, readable only by its owner", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "baseline-audit-key-"));
    const saved = { key: process.env.AUDIT_KEY, db: process.env.DATABASE_PATH };
    cleanups.push(() => {
      process.env.AUDIT_KEY = saved.key;
      if (saved.db === undefined) delete process.env.DATABASE_PATH;
      else process.env.DATABASE_PATH = saved.db;
      fs.rmSync(dir, { recursive: true, force: true });
    });
    delete process.env.AUDIT_KEY;
    process.env.DATABASE_PATH = path.join(dir, "baseline.sqlite");
    const key = auditKey();
    const file = path.join(dir, ".audit-key");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(key).toHaveLength(32);
    expect(auditKey().equals(key)).toBe(true);
    expect(fs.readFileSync(file, "utf8")).toBe(key.toString("hex"));
  });
});

describe.skipIf(onPostgres)("backups carry the head (SQLite: backup copies the file; PostgreSQL: pg_dump, no head file)", () => {
  it("writes the head into the backup's manifest, restores, and the restored database verifies", async () => {
    const s = await scenario();
    await s.db.destroy();
    const dir = path.dirname(s.file);
    const backup = path.join(dir, "copy.sqlite");
    const b = await runCli(["backup", backup], s.file);
    expect(b.code).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(`${backup}.manifest.json`, "utf8"));
    const live = readHeadFile(s.file);
    expect(live.kind).toBe("ok");
    expect(manifest.audit_head).toEqual((live as { head: unknown }).head);
    expect(manifest.tables.awards).toBe(1);

    const target = path.join(dir, "restored.sqlite");
    const restored = await runCli(["restore", backup], target);
    expect(restored.code).toBe(0);
    expect(readHeadFile(target)).toEqual(live);
    const r = await runCli(["audit", "verify"], target);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/records: 3 match/);
  });

  it("refuses to restore a backup whose log was cut short after its manifest was written", async () => {
    const s = await scenario();
    await s.db.destroy();
    const dir = path.dirname(s.file);
    const backup = path.join(dir, "copy.sqlite");
    expect((await runCli(["backup", backup], s.file)).code).toBe(0);
    await tamper(backup, async ({ db, dropTrigger }) => {
      await dropTrigger("audit_log", "audit_log_no_delete");
      await sql`delete from audit_log where id = (select max(id) from audit_log)`.execute(db);
    });
    const target = path.join(dir, "restored.sqlite");
    const r = await runCli(["restore", backup], target);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the log ends at row \d+ but the head in its manifest records row \d+: rows were cut from the end/);
    expect(fs.existsSync(target)).toBe(false);
  });
});
