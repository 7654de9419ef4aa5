import { createHash } from "node:crypto";
import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from "kysely";
import { hmacHex, KEYED_FROM_SETTING } from "../../db/audit-seal";
import type { AuditRow, Database } from "../../db/schema";
import { describeAuditChange, entityLabel, type AuditNames, type FieldChange } from "../domain/audit-diff";

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
  // A finite number's JSON is its string (ECMA-262 SerializeJSONProperty); the shortcut matters to sealing, once per value.
  if (typeof value === "number" && Number.isFinite(value)) return `${value}`;
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

/** Appends audit rows and returns their ids. Call inside the transaction that makes the change. */
export async function recordAudit(trx: Transaction<Database> | Kysely<Database>, ...entries: AuditEntry[]): Promise<number[]> {
  if (entries.length === 0) return [];
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
  return rows.map((r) => r.id);
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
  action?: string;
  /** Records of this center (its awards, their lines and payments, its assessments, plans, findings …). */
  centerId?: number;
  /** Records of this award (the award, its lines, payments, amendments, match, periods, obligations). */
  awardId?: number;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

/**
 * How each kind of audited record reaches its center and its award, for the log's filters: FROM
 * clause (the record as `t`), its id, and the center and award id expressions. One entry per
 * audited table (app/models/audit-verify.server.ts lists the same tables for verify).
 */
const RECORD_LINKS: Record<string, { from: string; id?: string; center?: string; award?: string; name: string }> = {
  award: { from: "awards t", center: "t.center_id", award: "t.id", name: "'Award ' || t.award_number" },
  budget_line: {
    from: "budget_lines t join awards a on a.id = t.award_id",
    center: "a.center_id",
    award: "t.award_id",
    name: "'Budget line ' || t.line_id || case when t.description <> '' then ' (' || t.description || ')' else '' end || ', award ' || a.award_number",
  },
  spending: {
    from: "spending t join budget_lines l on l.id = t.budget_line_id join awards a on a.id = l.award_id",
    center: "a.center_id",
    award: "l.award_id",
    name: "'Payment ' || t.spend_id || ' on line ' || l.line_id || ', award ' || a.award_number",
  },
  assessment: { from: "assessments t join centers c on c.id = t.center_id", center: "t.center_id", name: "'Assessment ' || c.code || ' FY' || t.fiscal_year || ', ' || t.capability_id" },
  assessment_review: { from: "assessment_reviews t join centers c on c.id = t.center_id", center: "t.center_id", name: "'Assessment sign-off ' || c.code || ' FY' || t.fiscal_year" },
  plan: { from: "plans t join centers c on c.id = t.center_id", center: "t.center_id", name: "'Plan ' || c.code || ' FY' || t.fiscal_year" },
  finding_response: {
    from: "finding_responses t join centers c on c.code = t.center_code left join awards a on a.award_number = t.award_number",
    center: "c.id",
    award: "a.id",
    name: "'Finding ' || t.rule || ', ' || t.center_code || case when t.award_number <> '' then ', award ' || t.award_number else '' end || ' FY' || t.fiscal_year",
  },
  match_contribution: { from: "match_contributions t join awards a on a.id = t.award_id", center: "a.center_id", award: "t.award_id", name: "'Match contribution of ' || t.date || ', award ' || a.award_number" },
  closed_period: {
    from: "closed_periods t join awards a on a.id = t.award_id",
    center: "a.center_id",
    award: "t.award_id",
    name: "'Closed period ' || t.period_start || ' to ' || t.period_end || ', award ' || a.award_number",
  },
  amendment: { from: "amendments t join awards a on a.id = t.award_id", center: "a.center_id", award: "t.award_id", name: "'Amendment ' || t.number || ' of award ' || a.award_number" },
  reporting_obligation: {
    from: "reporting_obligations t join awards a on a.id = t.award_id",
    center: "a.center_id",
    award: "t.award_id",
    name: "t.report || ' report due ' || t.due || ', award ' || a.award_number",
  },
  user: { from: "users t", center: "t.center_id", name: "'User ' || t.username" },
  program: { from: "programs t", id: "t.code", name: "'Program ' || t.code" },
  import_batch: { from: "import_batches t", name: "'Import of ' || t.file_name" },
  prime_award: { from: "prime_awards t", name: "'Prime award ' || t.award_number" },
};

/** audit_log rows of records that belong to a center (or an award), as one OR of indexed lookups. */
function linkedTo(kind: "center" | "award", id: number) {
  const parts = Object.entries(RECORD_LINKS)
    .filter(([, link]) => link[kind])
    .map(
      ([entity, link]) =>
        sql`(audit_log.entity = ${entity} and audit_log.entity_id in (select cast(${sql.raw(link.id ?? "t.id")} as text) from ${sql.raw(link.from)} where ${sql.raw(link[kind]!)} = ${id}))`,
    );
  return sql<boolean>`(${sql.join(parts, sql` or `)})`;
}

function auditQuery(db: Kysely<Database>, filter: AuditFilter) {
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
  if (filter.action) q = q.where("audit_log.action", "=", filter.action);
  if (filter.centerId !== undefined) q = q.where(linkedTo("center", filter.centerId));
  if (filter.awardId !== undefined) q = q.where(linkedTo("award", filter.awardId));
  if (filter.from) q = q.where("audit_log.at", ">=", filter.from);
  if (filter.to) q = q.where("audit_log.at", "<", `${filter.to}T99`);
  return q.orderBy("audit_log.id", "desc");
}

type RawAuditRow = { id: number; entity: string; entity_id: string; action: string; before_json: string | null; after_json: string | null };
export type DescribedRow<R extends RawAuditRow> = R & { record: string; changes: FieldChange[] };

const REFERENCE_FIELDS = { centers: ["center_id"], awards: ["award_id"], lines: ["budget_line_id"] } as const;

/**
 * Adds to each row the record as users know it ("Award 2024-VA-SHSP-001", "Payment S-12 on line …")
 * and its changed fields with labels and readable values (app/domain/audit-diff.ts), ids in the
 * values named (center_id 46 → "VA"). Two small queries per kind of record on the page.
 */
export async function describeAuditRows<R extends RawAuditRow>(db: Kysely<Database>, rows: R[]): Promise<DescribedRow<R>[]> {
  const byEntity = new Map<string, Set<string>>();
  const refs = { centers: new Set<number>(), awards: new Set<number>(), lines: new Set<number>(), users: new Set<number>() };
  for (const r of rows) {
    if (!byEntity.has(r.entity)) byEntity.set(r.entity, new Set());
    byEntity.get(r.entity)!.add(r.entity_id);
    for (const json of [r.before_json, r.after_json]) {
      if (!json || json[0] !== "{") continue;
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(json);
      } catch {
        continue;
      }
      for (const [field, v] of Object.entries(value)) {
        if (typeof v !== "number") continue;
        if (REFERENCE_FIELDS.centers.includes(field as never)) refs.centers.add(v);
        else if (REFERENCE_FIELDS.awards.includes(field as never)) refs.awards.add(v);
        else if (REFERENCE_FIELDS.lines.includes(field as never)) refs.lines.add(v);
        else if (field === "user_id" || field.endsWith("_by")) refs.users.add(v);
      }
    }
  }
  const recordNames = new Map<string, string>();
  for (const [entity, ids] of byEntity) {
    const link = RECORD_LINKS[entity];
    if (!link) continue;
    const found = await sql<{ id: string; name: string }>`select cast(${sql.raw(link.id ?? "t.id")} as text) as id, ${sql.raw(link.name)} as name from ${sql.raw(link.from)} where ${sql.raw(link.id ?? "t.id")} in (${sql.join(link.id ? [...ids] : [...ids].map(Number))})`.execute(db);
    for (const f of found.rows) recordNames.set(`${entity}:${f.id}`, f.name);
  }
  const lookup = async (table: string, column: string, ids: Set<number>) => {
    if (ids.size === 0) return {};
    const found = await sql<{ id: number; name: string }>`select id, ${sql.ref(column)} as name from ${sql.table(table)} where id in (${sql.join([...ids])})`.execute(db);
    return Object.fromEntries(found.rows.map((f) => [String(f.id), f.name]));
  };
  const names: AuditNames = {
    centers: await lookup("centers", "code", refs.centers),
    awards: await lookup("awards", "award_number", refs.awards),
    lines: await lookup("budget_lines", "line_id", refs.lines),
    users: await lookup("users", "username", refs.users),
  };
  return rows.map((r) => ({
    ...r,
    record: recordNames.get(`${r.entity}:${r.entity_id}`) ?? `${entityLabel(r.entity)} ${r.entity_id}`,
    changes: describeAuditChange(r.before_json, r.after_json, names),
  }));
}

/** A page of the log, newest first, each row described for people. */
export async function listAudit(db: Kysely<Database>, filter: AuditFilter = {}) {
  const rows = await auditQuery(db, filter)
    .limit(filter.limit ?? 200)
    .offset(filter.offset ?? 0)
    .execute();
  return describeAuditRows(db, rows);
}

/** Rows for the CSV export, in pages, so a large export never holds the raw and described rows twice. */
export async function* auditExportRows(db: Kysely<Database>, filter: AuditFilter, max: number) {
  const PAGE = 1000;
  for (let offset = 0; offset < max; offset += PAGE) {
    const rows = await listAudit(db, { ...filter, limit: Math.min(PAGE, max - offset), offset });
    yield* rows;
    if (rows.length < PAGE) return;
  }
}

/** How many rows match, up to `cap` (the export refuses more than it can write). */
export async function countAudit(db: Kysely<Database>, filter: AuditFilter, cap: number): Promise<number> {
  const r = await db
    .selectFrom(auditQuery(db, filter).clearSelect().clearOrderBy().select("audit_log.id").limit(cap + 1).as("m"))
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Choices of the log's filters: record types and actions present, users and centers. */
export async function auditFilterOptions(db: Kysely<Database>) {
  const [entities, actions, users, centers] = await Promise.all([
    db.selectFrom("audit_log").select("entity").distinct().orderBy("entity").execute(),
    db.selectFrom("audit_log").select("action").distinct().orderBy("action").execute(),
    db.selectFrom("users").select(["id", "username"]).orderBy("username").execute(),
    db.selectFrom("centers").select(["id", "code", "name"]).orderBy("code").execute(),
  ]);
  return { entities: entities.map((e) => e.entity), actions: actions.map((a) => a.action), users, centers };
}

/** History of one record (award, budget line, assessment …), newest first, described like the log. */
export async function historyOf(
  db: Kysely<Database>,
  entity: string,
  entityIds: Array<string | number> | SelectQueryBuilder<Database, any, { id: string }>,
) {
  if (Array.isArray(entityIds) && entityIds.length === 0) return [];
  const rows = await db
    .selectFrom("audit_log")
    .leftJoin("users", "users.id", "audit_log.user_id")
    .select(["audit_log.id", "audit_log.at", "users.username", "audit_log.action", "audit_log.entity", "audit_log.entity_id", "audit_log.before_json", "audit_log.after_json"])
    .where("audit_log.entity", "=", entity)
    .where("audit_log.entity_id", "in", Array.isArray(entityIds) ? entityIds.map(String) : entityIds)
    .orderBy("audit_log.id", "desc")
    .limit(500)
    .execute();
  return describeAuditRows(db, rows);
}

/**
 * Turns the page's center code and award number into ids; an unknown one is an error next to its
 * field and that filter is left out (the page's rule for every filter field).
 */
export async function resolveAuditFilter(
  db: Kysely<Database>,
  filter: { entity?: string; userId?: number; action?: string; centerCode?: string; awardNumber?: string; from?: string; to?: string },
): Promise<{ filter: AuditFilter; errors: { center?: string; award?: string } }> {
  const { centerCode, awardNumber, ...rest } = filter;
  const out: AuditFilter = { ...rest };
  const errors: { center?: string; award?: string } = {};
  if (centerCode) {
    const center = await db.selectFrom("centers").select("id").where("code", "=", centerCode).executeTakeFirst();
    if (center) out.centerId = center.id;
    else errors.center = `No center has the code ${centerCode}.`;
  }
  if (awardNumber) {
    const award = await db.selectFrom("awards").select("id").where("award_number", "=", awardNumber).executeTakeFirst();
    if (award) out.awardId = award.id;
    else errors.award = `No award is numbered ${awardNumber}.`;
  }
  return { filter: out, errors };
}
