import type { Transaction } from "kysely";
import type { Database } from "../../db/schema";

/**
 * Optimistic locking: every editable record has a `version`. A form carries the version
 * it was loaded with; the update only applies when the row still has it, and bumps it.
 * On conflict the caller shows the other person's change (`current`) and keeps the user's input.
 */
type VersionedTable = {
  [K in keyof Database]: Database[K] extends { version: any; id: any } ? K : never;
}[keyof Database];

export type VersionedUpdate<Row> =
  | { ok: true; before: Row; after: Row }
  | { ok: false; reason: "missing" }
  | { ok: false; reason: "conflict"; current: Row };

export async function updateVersioned<Row extends { version: number }>(
  trx: Transaction<Database>,
  table: VersionedTable,
  id: number,
  expectedVersion: number,
  changes: Record<string, unknown>,
  /** The whole row (`selectAll`) as this transaction already read it, to spare reading it again. */
  known?: Row,
): Promise<VersionedUpdate<Row>> {
  const t = trx as unknown as Transaction<any>;
  const before = known ?? ((await t.selectFrom(table).selectAll().where("id", "=", id).executeTakeFirst()) as Row | undefined);
  if (!before) return { ok: false, reason: "missing" };
  if (before.version !== expectedVersion) return { ok: false, reason: "conflict", current: before };
  // RETURNING is the row as stored: no trigger writes back to the row it fires on (migrations/), and each
  // statement saved is a round trip on PostgreSQL.
  const after = (await t
    .updateTable(table)
    .set({ ...changes, version: expectedVersion + 1 })
    .where("id", "=", id)
    .where("version", "=", expectedVersion)
    .returningAll()
    .executeTakeFirst()) as Row | undefined;
  if (!after) {
    const current = (await t.selectFrom(table).selectAll().where("id", "=", id).executeTakeFirst()) as Row;
    return { ok: false, reason: "conflict", current };
  }
  return { ok: true, before, after };
}

/** Human description of what changed between two versions, for the conflict message. */
export function describeChanges(before: Record<string, unknown>, after: Record<string, unknown>, ignore = ["version", "updated_at", "updated_by"]): string[] {
  return Object.keys(after)
    .filter((k) => !ignore.includes(k) && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => `${k}: ${String(before[k] ?? "—")} → ${String(after[k] ?? "—")}`);
}
