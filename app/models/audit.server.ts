import { createHash } from "node:crypto";
import type { Kysely, SelectQueryBuilder, Transaction } from "kysely";
import { hmacHex, KEYED_FROM_SETTING } from "../../db/audit-seal";
import type { AuditRow, Database } from "../../db/schema";

/**
 * Tamper-evident audit trail: one row per change, written in the same transaction as the change;
 * hash = HMAC-SHA256(key, previous row's hash + canonical JSON of this row), with the key kept
 * outside the database (docs/decisions/017-audit-key-and-head.md). Rows written before the chain
 * was keyed keep plain SHA-256 links. Triggers in migrations/0003 refuse UPDATE and DELETE.
 */
export const GENESIS_HASH = "0".repeat(64);

export type AuditAction = "create" | "update" | "void" | "import" | "delete" | "login" | "submit" | "validate" | "reopen" | "close";

export interface AuditEntry {
  userId: number | null;
  action: AuditAction | string;
  entity: string;
  entityId: string | number;
  before?: unknown;
  after?: unknown;
}

/** JSON with object keys sorted at every level, so the same row always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
}

type HashedFields = Omit<AuditRow, "hash" | "prev_hash">;

function hashedBody(row: HashedFields): string {
  return canonicalJson({
    id: row.id,
    at: row.at,
    user_id: row.user_id,
    action: row.action,
    entity: row.entity,
    entity_id: row.entity_id,
    before_json: row.before_json,
    after_json: row.after_json,
  });
}

/** The link of a keyed row (every row written since migrations/0014). */
export function auditHash(prevHash: string, row: HashedFields): string {
  return hmacHex(prevHash + hashedBody(row));
}

/** The link of a row written before the chain was keyed. */
export function plainAuditHash(prevHash: string, row: HashedFields): string {
  return createHash("sha256").update(prevHash + hashedBody(row)).digest("hex");
}

function toJson(value: unknown): string | null {
  return value === undefined || value === null ? null : canonicalJson(value);
}

/** Appends audit rows. Call inside the transaction that makes the change. */
export async function recordAudit(trx: Transaction<Database> | Kysely<Database>, ...entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  // All rows of one call commit together, and the head file moves after that commit (db/sqlite-dialect.ts).
  if (!trx.isTransaction) return trx.transaction().execute((t) => recordAudit(t, ...entries));
  const last = await trx.selectFrom("audit_log").select(["id", "hash"]).orderBy("id", "desc").limit(1).executeTakeFirst();
  let prevHash = last?.hash ?? GENESIS_HASH;
  let id = (last?.id ?? 0) + 1;
  const at = new Date().toISOString();
  const rows: AuditRow[] = [];
  for (const e of entries) {
    const fields: HashedFields = {
      id,
      at,
      user_id: e.userId,
      action: e.action,
      entity: e.entity,
      entity_id: String(e.entityId),
      before_json: toJson(e.before),
      after_json: toJson(e.after),
    };
    const hash = auditHash(prevHash, fields);
    rows.push({ ...fields, prev_hash: prevHash, hash });
    prevHash = hash;
    id++;
  }
  // SQLite caps bound parameters per statement; 10 columns × 500 rows stays well below it.
  for (let i = 0; i < rows.length; i += 500) await trx.insertInto("audit_log").values(rows.slice(i, i + 500)).execute();
}

export type VerifyResult = { ok: true; rows: number } | { ok: false; rows: number; brokenId: number; reason: string };

export interface ChainResult {
  result: VerifyResult;
  /** The last row's id and hash (0 and the genesis hash for an empty log). */
  lastId: number;
  lastHash: string;
  keyedFrom: number;
  /** Hash of the row with id `watchId`, when asked for and present. */
  watched?: string;
}

/** First keyed row: app_settings `audit_keyed_from`; a database from before migrations/0014 has none and is plain throughout. */
export async function keyedFrom(db: Kysely<Database>): Promise<number> {
  const setting = await db.selectFrom("app_settings").select("value").where("key", "=", KEYED_FROM_SETTING).executeTakeFirst();
  if (setting) return Number(setting.value);
  const migrated = await db.selectFrom("schema_migrations" as never).select("name" as never).where("name" as never, "=", "0014_audit_keyed_chain" as never).executeTakeFirst();
  // Once the chain is keyed, a missing setting must not turn verification back to plain hashes.
  return migrated ? 1 : Number.MAX_SAFE_INTEGER;
}

/**
 * Recomputes the chain in id order, in pages, and reports the first row that does not match:
 * plain SHA-256 links before `audit_keyed_from`, HMAC links from it on.
 */
export async function walkAuditChain(db: Kysely<Database>, watchId?: number): Promise<ChainResult> {
  const keyed = await keyedFrom(db);
  let prevHash = GENESIS_HASH;
  let expectedId: number | null = null;
  let count = 0;
  let after = 0;
  let watched: string | undefined;
  const fail = (id: number, reason: string): ChainResult => ({
    result: { ok: false, rows: count, brokenId: id, reason },
    lastId: expectedId === null ? 0 : expectedId - 1,
    lastHash: prevHash,
    keyedFrom: keyed,
    watched,
  });
  for (;;) {
    const page = await db.selectFrom("audit_log").selectAll().where("id", ">", after).orderBy("id").limit(5000).execute();
    if (page.length === 0) break;
    for (const row of page) {
      if (expectedId !== null && row.id !== expectedId) return fail(row.id, `row ${expectedId} is missing (found ${row.id} next)`);
      if (row.prev_hash !== prevHash) return fail(row.id, "prev_hash does not match the previous row's hash");
      const expected = row.id >= keyed ? auditHash(prevHash, row) : plainAuditHash(prevHash, row);
      // For a keyed row this also means "not made with this audit key".
      if (expected !== row.hash) return fail(row.id, "hash does not match the row's contents");
      if (row.id === watchId) watched = row.hash;
      prevHash = row.hash;
      expectedId = row.id + 1;
      count++;
    }
    after = page[page.length - 1].id;
  }
  return { result: { ok: true, rows: count }, lastId: expectedId === null ? 0 : expectedId - 1, lastHash: prevHash, keyedFrom: keyed, watched };
}

/** The chain alone (links, ids, key); `verifyAudit` (audit-verify.server.ts) adds the head and the records. */
export async function verifyAuditChain(db: Kysely<Database>): Promise<VerifyResult> {
  return (await walkAuditChain(db)).result;
}

export interface AuditFilter {
  entity?: string;
  entityId?: string;
  userId?: number;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

export async function listAudit(db: Kysely<Database>, filter: AuditFilter = {}) {
  let q = db
    .selectFrom("audit_log")
    .leftJoin("users", "users.id", "audit_log.user_id")
    .select([
      "audit_log.id",
      "audit_log.at",
      "audit_log.user_id",
      "users.username",
      "audit_log.action",
      "audit_log.entity",
      "audit_log.entity_id",
      "audit_log.before_json",
      "audit_log.after_json",
      "audit_log.hash",
    ]);
  if (filter.entity) q = q.where("audit_log.entity", "=", filter.entity);
  if (filter.entityId) q = q.where("audit_log.entity_id", "=", filter.entityId);
  if (filter.userId) q = q.where("audit_log.user_id", "=", filter.userId);
  if (filter.from) q = q.where("audit_log.at", ">=", filter.from);
  if (filter.to) q = q.where("audit_log.at", "<", `${filter.to}T99`);
  return q
    .orderBy("audit_log.id", "desc")
    .limit(filter.limit ?? 200)
    .offset(filter.offset ?? 0)
    .execute();
}

/** History of one record (award, budget line, assessment …), newest first. */
export async function historyOf(
  db: Kysely<Database>,
  entity: string,
  entityIds: Array<string | number> | SelectQueryBuilder<Database, any, { id: string }>,
) {
  if (Array.isArray(entityIds) && entityIds.length === 0) return [];
  return db
    .selectFrom("audit_log")
    .leftJoin("users", "users.id", "audit_log.user_id")
    .select(["audit_log.id", "audit_log.at", "users.username", "audit_log.action", "audit_log.entity", "audit_log.entity_id", "audit_log.before_json", "audit_log.after_json"])
    .where("audit_log.entity", "=", entity)
    .where("audit_log.entity_id", "in", Array.isArray(entityIds) ? entityIds.map(String) : entityIds)
    .orderBy("audit_log.id", "desc")
    .limit(500)
    .execute();
}
