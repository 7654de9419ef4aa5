/**
 * The tamper-evident audit trail: rows written in the same transaction as the change,
 * append-only triggers, and `audit verify` catching a row altered directly in the database (the
 * SQLite file, or by a PostgreSQL superuser).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditHash, GENESIS_HASH, recordAudit, verifyAuditChain } from "~/models/audit.server";
import { createUser } from "~/models/users.server";
import { runCli } from "./helpers/cli";
import { useTestDatabase } from "./helpers/db";
import { testingPostgres } from "./helpers/pg";
import { tamper } from "./helpers/tamper";

const t = useTestDatabase();
const savedPath = process.env.DATABASE_PATH;

beforeAll(() => {
  process.env.DATABASE_PATH = t.file;
});
afterAll(() => {
  if (savedPath === undefined) delete process.env.DATABASE_PATH;
  else process.env.DATABASE_PATH = savedPath;
});

async function auditCount(): Promise<number> {
  const r = await t.db.selectFrom("audit_log").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(r.n);
}

const cli = runCli;

describe("audit rows and transactions", () => {
  it("a change that fails after its audit row was written leaves neither the change nor the audit row", async () => {
    const before = await auditCount();
    await expect(
      t.db.transaction().execute(async (trx) => {
        await createUser(trx, null, { username: "half-made", role: "auditor", password: "half-made-password" });
        throw new Error("something failed after the audit row");
      }),
    ).rejects.toThrow("something failed after the audit row");
    expect(await auditCount()).toBe(before);
    expect(await t.db.selectFrom("users").select("id").where("username", "=", "half-made").executeTakeFirst()).toBeUndefined();
  });

  it("a change that commits writes exactly one row, chained to the one before", async () => {
    const before = await auditCount();
    const id = await t.db.transaction().execute((trx) => createUser(trx, null, { username: "kept", role: "auditor", password: "kept-password-12" }));
    expect(await auditCount()).toBe(before + 1);
    const rows = await t.db.selectFrom("audit_log").selectAll().orderBy("id", "desc").limit(2).execute();
    const [row, prev] = rows;
    expect(row).toMatchObject({ action: "create", entity: "user", entity_id: String(id), user_id: null, before_json: null });
    expect(JSON.parse(row.after_json!)).toEqual({ username: "kept", display_name: "", role: "auditor", center_id: null, states: "", active: 1 });
    expect(row.after_json).not.toContain("scrypt");
    expect(row.prev_hash).toBe(prev?.hash ?? GENESIS_HASH);
    expect(row.hash).toBe(auditHash(row.prev_hash, row));
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("the database refuses UPDATE and DELETE on audit_log", async () => {
    await expect(sql`update audit_log set action = 'nothing' where id = 1`.execute(t.db)).rejects.toThrow(/audit_log is append-only/);
    await expect(sql`delete from audit_log where id = 1`.execute(t.db)).rejects.toThrow(/audit_log is append-only/);
    await expect(sql`delete from audit_log`.execute(t.db)).rejects.toThrow(/audit_log is append-only/);
  });
});

describe("audit verify", () => {
  beforeAll(async () => {
    // A few more rows so the tampered row is in the middle of the chain (entities with no table of
    // their own: verify's record check has nothing to compare them with).
    await t.db.transaction().execute((trx) =>
      recordAudit(
        trx,
        { userId: null, action: "update", entity: "test_award", entityId: 7, before: { amount_cents: 120000 }, after: { amount_cents: 150000 } },
        { userId: null, action: "void", entity: "test_spending", entityId: 9, after: { void_reason: "duplicate" } },
      ),
    );
  });

  it("prints `ok N rows` and exits 0 on an intact chain", async () => {
    const n = await auditCount();
    expect(n).toBeGreaterThanOrEqual(3);
    expect(await verifyAuditChain(t.db)).toEqual({ ok: true, rows: n });
    const r = await cli(["audit", "verify"]);
    // PostgreSQL keeps no head file (docs/decisions/026-postgresql-writers.md).
    const head = testingPostgres() ? `none kept on PostgreSQL (no head file); the log ends at row ${n}` : `row ${n} as recorded in ${t.file}.audit-head`;
    expect(r).toEqual({
      code: 0,
      out: `ok ${n} rows\n  head: ${head}\n  records: 1 match their latest after-image, 0 the seal of the batch that wrote them; 0 last written by an import from before seals (not compared); totals match their rows\n`,
      err: "",
    });
  });

  it("catches a row altered directly in the database file: `broken at row ID`, exit 1", async () => {
    const target = await t.db.selectFrom("audit_log").select(["id", "after_json"]).where("entity", "=", "test_award").executeTakeFirstOrThrow();
    expect(JSON.parse(target.after_json!)).toEqual({ amount_cents: 150000 });

    // Someone with direct access: drop the guard trigger and rewrite the amount.
    await tamper(t.file, async ({ db, dropTrigger }) => {
      await dropTrigger("audit_log", "audit_log_no_update");
      await sql`UPDATE audit_log SET after_json = ${'{"amount_cents":1500000}'} WHERE id = ${target.id}`.execute(db);
    });

    expect(await verifyAuditChain(t.db)).toEqual({
      ok: false,
      rows: target.id - 1,
      brokenId: target.id,
      reason: "hash does not match the row's contents",
    });
    const r = await cli(["audit", "verify"]);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`broken at row ${target.id}: hash does not match the row's contents\n`);
  });

  it("catches a deleted row and a recomputed hash that no longer links to the next row", async () => {
    // Rewriting the altered row's own hash does not help: the next row's prev_hash still names the old one.
    const target = await t.db.selectFrom("audit_log").selectAll().where("entity", "=", "test_award").executeTakeFirstOrThrow();
    await tamper(t.file, ({ db }) => sql`UPDATE audit_log SET hash = ${auditHash(target.prev_hash, target)} WHERE id = ${target.id}`.execute(db));
    const relinked = await verifyAuditChain(t.db);
    expect(relinked).toMatchObject({ ok: false, brokenId: target.id + 1, reason: "prev_hash does not match the previous row's hash" });

    await tamper(t.file, async ({ db, dropTrigger }) => {
      await dropTrigger("audit_log", "audit_log_no_delete");
      await sql`DELETE FROM audit_log WHERE id = ${target.id}`.execute(db);
    });
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: false, brokenId: target.id + 1, reason: `row ${target.id} is missing (found ${target.id + 1} next)` });
  });
});
