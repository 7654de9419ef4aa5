/**
 * Finding responses: a director's corrective-action response and an auditor's
 * disposition, keyed by the finding's stable key (rule, center, award, year, capability) so they
 * survive recomputation. Who may write which field is checked by the route (respond / audit);
 * this module keeps versions, writes the audit row in the same transaction, and never deletes.
 */
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Database, Disposition, FindingResponsesTable, Q } from "../../db/schema";
import type { FindingKeyParts } from "../domain/compliance";
import { recordAudit } from "./audit.server";
import { describeChanges, updateVersioned } from "./versioning.server";
import { isUniqueViolation } from "../../db/errors";

type Row = Selectable<FindingResponsesTable>;

export const AUDIT_ENTITY = "finding_response";

export interface StoredResponse extends Row {
  updated_by_name: string | null;
}

/** What a page shows of a response. */
export interface ResponseInfo {
  id: number;
  response: string;
  disposition: Disposition;
  auditorNote: string;
  updatedBy: string | null;
  updatedAt: string;
  version: number;
}

const RESPONSE_COLUMNS = [
  "finding_responses.id",
  "finding_responses.rule",
  "finding_responses.center_code",
  "finding_responses.award_number",
  "finding_responses.fiscal_year",
  "finding_responses.capability_id",
  "finding_responses.response",
  "finding_responses.disposition",
  "finding_responses.auditor_note",
  "finding_responses.updated_by",
  "finding_responses.updated_at",
  "finding_responses.version",
] as const satisfies ReadonlyArray<`finding_responses.${keyof FindingResponsesTable}`>;

export async function listResponses(db: Q, filter: { fiscalYear?: number; centerCodes?: readonly string[] } = {}): Promise<StoredResponse[]> {
  if (filter.centerCodes && filter.centerCodes.length === 0) return [];
  let q = db
    .selectFrom("finding_responses")
    .leftJoin("users", "users.id", "finding_responses.updated_by")
    // Columns named, not `finding_responses.*`: PostgreSQL then keeps the statement prepared (db/postgres-dialect.ts);
    // every dashboard and findings page sends it after a write.
    .select(RESPONSE_COLUMNS)
    .select("users.username as updated_by_name");
  if (filter.fiscalYear !== undefined) q = q.where("finding_responses.fiscal_year", "=", filter.fiscalYear);
  if (filter.centerCodes) q = q.where("finding_responses.center_code", "in", [...filter.centerCodes]);
  return q.orderBy("finding_responses.id").execute();
}

export async function getResponse(db: Q, key: FindingKeyParts): Promise<Row | undefined> {
  return db
    .selectFrom("finding_responses")
    .selectAll()
    .where("rule", "=", key.rule)
    .where("center_code", "=", key.center_code)
    .where("award_number", "=", key.award_number)
    .where("fiscal_year", "=", key.fiscal_year)
    .where("capability_id", "=", key.capability_id)
    .executeTakeFirst();
}

export type SaveResult =
  | { ok: true; row: Row }
  | { ok: false; reason: "conflict"; current: Row; changes: string[] }
  /** No stored row, and the finding does not fire: there is nothing to answer. */
  | { ok: false; reason: "not-firing" };

const BLANK = { response: "", disposition: "open", auditor_note: "" } as const;

/** The fields people edit: a conflict message names changes to these only. */
function editable(row: Record<string, unknown> | Row): Record<string, unknown> {
  const r = row as Record<string, unknown>;
  return { response: r.response ?? BLANK.response, disposition: r.disposition ?? BLANK.disposition, auditor_note: r.auditor_note ?? BLANK.auditor_note };
}

/** What the user's form was loaded with (their version), from the audit trail, for the conflict message. */
async function seenVersion(trx: Transaction<Database>, current: Row, version: number): Promise<Record<string, unknown>> {
  if (version === 0) return { ...BLANK };
  const rows = await trx
    .selectFrom("audit_log")
    .select("after_json")
    .where("entity", "=", AUDIT_ENTITY)
    .where("entity_id", "=", String(current.id))
    .orderBy("id", "desc")
    .execute();
  for (const r of rows) {
    const after = r.after_json ? (JSON.parse(r.after_json) as Record<string, unknown>) : null;
    if (after?.version === version) return after;
  }
  return { ...BLANK };
}

async function save(
  db: Kysely<Database>,
  userId: number,
  key: FindingKeyParts,
  expectedVersion: number,
  changes: Partial<Pick<Row, "response" | "disposition" | "auditor_note">>,
  firesNow: boolean,
  via?: "api",
): Promise<SaveResult> {
  // An API write says so in its after-image (audit verify compares table columns only).
  const image = (row: Row) => (via ? { ...row, via } : row);
  return db.transaction().execute(async (trx): Promise<SaveResult> => {
    const existing = await getResponse(trx, key);
    const at = new Date().toISOString();
    const conflict = async (current: Row): Promise<SaveResult> => ({
      ok: false,
      reason: "conflict",
      current,
      changes: describeChanges(editable(await seenVersion(trx, current, expectedVersion)), editable(current)),
    });
    if (!existing) {
      if (expectedVersion !== 0) return { ok: false, reason: "not-firing" };
      if (!firesNow) return { ok: false, reason: "not-firing" };
      const inserted = await trx
        .insertInto("finding_responses")
        .values({ ...key, ...changes, updated_by: userId, updated_at: at })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx, { userId, action: "create", entity: AUDIT_ENTITY, entityId: inserted.id, after: image(inserted) });
      return { ok: true, row: inserted };
    }
    if (existing.version !== expectedVersion) return conflict(existing);
    const result = await updateVersioned<Row>(trx, "finding_responses", existing.id, expectedVersion, {
      ...changes,
      updated_by: userId,
      updated_at: at,
    });
    if (!result.ok) return result.reason === "conflict" ? conflict(result.current) : { ok: false, reason: "not-firing" };
    await recordAudit(trx, { userId, action: "update", entity: AUDIT_ENTITY, entityId: existing.id, before: result.before, after: image(result.after) });
    return { ok: true, row: result.after };
  });
}

/** Any conflict from the unique key (two first answers at once) is reported as a version conflict. */
async function withRaceGuard(db: Kysely<Database>, key: FindingKeyParts, run: () => Promise<SaveResult>): Promise<SaveResult> {
  try {
    return await run();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const current = await getResponse(db, key);
    if (!current) throw error;
    return { ok: false, reason: "conflict", current, changes: describeChanges({ ...BLANK }, editable(current)) };
  }
}

/**
 * A director's (or admin's) corrective-action response. The caller has checked `respond` on the
 * finding's center. `firesNow`: whether the finding fires at the page's report date (a first
 * response needs a live finding; an existing one may be edited after it stopped applying).
 */
export async function saveResponse(
  db: Kysely<Database>,
  userId: number,
  input: { key: FindingKeyParts; version: number; response: string; firesNow: boolean; via?: "api" },
): Promise<SaveResult> {
  return withRaceGuard(db, input.key, () => save(db, userId, input.key, input.version, { response: input.response }, input.firesNow, input.via));
}

/** An auditor's (or admin's) disposition and note. The caller has checked `audit`. */
export async function saveDisposition(
  db: Kysely<Database>,
  userId: number,
  input: { key: FindingKeyParts; version: number; disposition: Disposition; note: string; firesNow: boolean; via?: "api" },
): Promise<SaveResult> {
  return withRaceGuard(db, input.key, () =>
    save(db, userId, input.key, input.version, { disposition: input.disposition, auditor_note: input.note }, input.firesNow, input.via),
  );
}
