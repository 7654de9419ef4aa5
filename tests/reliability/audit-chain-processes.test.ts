import { describe, expect, it } from "vitest";
import { freshDatabase } from "../helpers/db";
import { auditVerifies } from "./harness";
import { spawnAuditWriter } from "./spawn-audit-writer";

/**
 * Two processes appending to the audit log at once, as the workers of `npm start` do on one SQLite
 * file, or several application servers on one PostgreSQL database, where every transaction first
 * takes the one writer lock (docs/decisions/026-postgresql-writers.md, 028-workers.md): every write
 * succeeds, none is lost, and the log stays one chain that verifies.
 */

describe("the audit chain with two writing processes", () => {
  it("keeps every row of both, in one chain that verifies", async () => {
    const t = freshDatabase();
    try {
      const before = Number((await t.db.selectFrom("audit_log").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
      const results = await Promise.all([spawnAuditWriter(t.file, 250), spawnAuditWriter(t.file, 250)]);
      for (const r of results) expect(r, r.err).toEqual({ code: 0, err: "" });

      const rows = await t.db.selectFrom("audit_log").select(["id", "after_json"]).where("entity", "=", "process_test").orderBy("id").execute();
      const byWriter = new Map<number, number[]>();
      for (const row of rows) {
        const { pid, i } = JSON.parse(row.after_json!) as { pid: number; i: number };
        byWriter.set(pid, [...(byWriter.get(pid) ?? []), i]);
      }
      // Each writer's 250 rows, in the order it wrote them.
      expect([...byWriter.values()]).toEqual([Array.from({ length: 250 }, (_, i) => i), Array.from({ length: 250 }, (_, i) => i)]);
      expect(await auditVerifies(t.file)).toEqual({ ok: true, rows: before + 500 });
    } finally {
      await t.close();
    }
  }, 120_000);
});
