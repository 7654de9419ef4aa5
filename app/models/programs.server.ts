import type { Kysely } from "kysely";
import type { Database, Program, Q } from "../../db/schema";
import { recordAudit } from "./audit.server";

/**
 * Grant programs and their rule parameters. Seeded by migrations/0002 from docs/domain.md §3 (HSGP 36-month
 * period and 5% M&A cap §3.1, JAG 48 months §3.3, COPS 25% match §3.4); an administrator may change them.
 */
export async function listPrograms(db: Q): Promise<Program[]> {
  return db.selectFrom("programs").selectAll().orderBy("sort_order").orderBy("code").execute();
}

export async function getProgram(db: Q, code: string): Promise<Program | undefined> {
  return db.selectFrom("programs").selectAll().where("code", "=", code).executeTakeFirst();
}

export interface ProgramChanges {
  name: string;
  pop_months: number | null;
  ma_cap_pct: number | null;
  personnel_cap_pct: number | null;
  match_pct: number | null;
  reports: string;
}

export type ProgramUpdate =
  | { ok: true; before: Program; after: Program }
  | { ok: false; reason: "missing" }
  | { ok: false; reason: "conflict"; current: Program };

/**
 * Optimistic update keyed by code (programs have no numeric id, so updateVersioned does not apply);
 * audited as entity "program" in the same transaction.
 */
export async function updateProgram(db: Kysely<Database>, userId: number, code: string, expectedVersion: number, changes: ProgramChanges): Promise<ProgramUpdate> {
  return db.transaction().execute(async (trx) => {
    const before = await getProgram(trx, code);
    if (!before) return { ok: false, reason: "missing" } as const;
    if (before.version !== expectedVersion) {
      return { ok: false, reason: "conflict", current: before } as const;
    }
    const result = await trx
      .updateTable("programs")
      .set({ ...changes, version: expectedVersion + 1 })
      .where("code", "=", code)
      .where("version", "=", expectedVersion)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      const current = (await getProgram(trx, code))!;
      return { ok: false, reason: "conflict", current } as const;
    }
    const after = (await getProgram(trx, code))!;
    await recordAudit(trx, { userId, action: "update", entity: "program", entityId: code, before, after });
    return { ok: true, before, after } as const;
  });
}
