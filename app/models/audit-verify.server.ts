import type Sqlite from "better-sqlite3";
import { sql, type Kysely } from "kysely";
import { headMacValid, readHeadFile, type SignedHead } from "../../db/audit-seal";
import { engineOf, sqliteHandle } from "../../db/client";
import type { Database } from "../../db/schema";
import { formatAuditValue } from "../domain/audit-diff";
import { walkAuditChain, type ChainResult } from "./audit.server";

/**
 * `audit verify` beyond the chain (docs/decisions/017-audit-key-and-head.md): the head recorded
 * outside the database must be on the chain (else rows were cut or rewritten), and every audited
 * record must hold the values of its latest after-image in the log (else it was edited behind
 * the application's back).
 */

/**
 * The records whose after-images the log holds. Adding an audited table is one entry here.
 * `key`: the column the audit rows' entity_id names (default id). `label`: the column users know the
 * record by. `ignore`: columns that legitimately move without an audit row of their own (totals
 * kept by triggers). `batched`: the table has import_batch_id (imports audit a batch, not rows).
 */
export interface AuditedTable {
  entity: string;
  table: string;
  key?: string;
  label?: string;
  ignore?: string[];
  batched?: boolean;
}

export const AUDITED_TABLES: AuditedTable[] = [
  { entity: "award", table: "awards", label: "award_number", ignore: ["budgeted_cents", "spent_cents"], batched: true },
  { entity: "budget_line", table: "budget_lines", label: "line_id", ignore: ["spent_cents"], batched: true },
  { entity: "spending", table: "spending", label: "spend_id", batched: true },
  { entity: "assessment", table: "assessments", batched: true },
  { entity: "assessment_review", table: "assessment_reviews" },
  { entity: "finding_response", table: "finding_responses" },
  { entity: "match_contribution", table: "match_contributions" },
  { entity: "closed_period", table: "closed_periods" },
  { entity: "amendment", table: "amendments" },
  // Periods and due dates follow the award's dates (the award's change is the audited one); the log attests submissions.
  { entity: "reporting_obligation", table: "reporting_obligations", ignore: ["period_start", "period_end", "due"] },
  { entity: "program", table: "programs", key: "code", label: "code" },
  { entity: "user", table: "users", label: "username" },
  { entity: "plan", table: "plans" },
  { entity: "prime_award", table: "prime_awards", label: "award_number" },
];

/** The optimistic-lock counter is bookkeeping, not data: some audited writes bump it without naming it. */
const ALWAYS_IGNORED = new Set(["version"]);

export interface RecordMismatch {
  entity: string;
  /** What users call the record, e.g. "award 2024-VA-SHSP-001". */
  record: string;
  auditId: number;
  message: string;
}

export interface RecordCheck {
  /** Records compared with their latest after-image. */
  checked: number;
  /** Records last written by an import batch (the log holds the batch, not row images). */
  byBatch: number;
  mismatches: number;
  first: RecordMismatch | null;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

type Image = { id: number; action: string; entity_id: string; after_json: string | null };

/** What the record check reads: the log's images and the audited tables' rows. */
export interface RecordSource {
  batchAudit(): Iterable<{ entity_id: string; id: number }>;
  /** One entity's images, ordered by entity_id then id. */
  images(entity: string): Iterable<Image>;
  tableExists(table: string): boolean;
  row(table: string, key: string, value: string | number): Record<string, unknown> | undefined;
}

/** SQLite: streamed from the file, one record's images in memory at a time. */
export function sqliteRecordSource(sqlite: Sqlite.Database): RecordSource {
  const images = sqlite.prepare("select id, action, entity_id, after_json from audit_log where entity = ? order by entity_id, id");
  return {
    batchAudit: () => sqlite.prepare("select entity_id, id from audit_log where entity = 'import_batch'").iterate() as Iterable<{ entity_id: string; id: number }>,
    images: (entity) => images.iterate(entity) as Iterable<Image>,
    tableExists: (table) => sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(table) !== undefined,
    row: (table, key, value) => sqlite.prepare(`select * from ${q(table)} where ${q(key)} = ?`).get(value) as Record<string, unknown> | undefined,
  };
}

/**
 * PostgreSQL: read ahead in a few queries (a query per record would cost a round trip each); the
 * audited tables and the log's images are held in memory for the check.
 */
export async function postgresRecordSource(db: Kysely<Database>, tables: AuditedTable[] = AUDITED_TABLES): Promise<RecordSource> {
  const log = await sql<Image>`select id, action, entity, entity_id, after_json from audit_log order by entity, entity_id, id`.execute(db);
  const byEntity = new Map<string, Image[]>();
  for (const r of log.rows as Array<Image & { entity: string }>) {
    let list = byEntity.get(r.entity);
    if (!list) byEntity.set(r.entity, (list = []));
    list.push(r);
  }
  const rows = new Map<string, Map<string, Record<string, unknown>>>();
  for (const spec of tables) {
    const key = spec.key ?? "id";
    const r = await sql<Record<string, unknown>>`select * from ${sql.table(spec.table)}`.execute(db);
    rows.set(spec.table, new Map(r.rows.map((row) => [String(row[key]), row])));
  }
  return {
    batchAudit: () => (byEntity.get("import_batch") ?? []).map((r) => ({ entity_id: r.entity_id, id: r.id })),
    images: (entity) => byEntity.get(entity) ?? [],
    tableExists: (table) => rows.has(table),
    row: (table, _key, value) => rows.get(table)?.get(String(value)),
  };
}

/**
 * Streams the log once per audited entity, grouped by record (the audit_log_entity index gives that
 * order), folds each record's after-images from its last import batch on, and compares the fold with
 * the record's current row. Memory holds one record's images at a time.
 */
export function checkRecordsAgainstLog(source: RecordSource, tables: AuditedTable[] = AUDITED_TABLES): RecordCheck {
  const out: RecordCheck = { checked: 0, byBatch: 0, mismatches: 0, first: null };
  const batchAudit = new Map<string, number>();
  for (const r of source.batchAudit()) batchAudit.set(r.entity_id, r.id);
  for (const spec of tables) {
    if (!source.tableExists(spec.table)) continue;
    const key = spec.key ?? "id";
    const current = { get: (value: string | number) => source.row(spec.table, key, value) };
    const ignore = new Set([...ALWAYS_IGNORED, ...(spec.ignore ?? [])]);
    const name = (row: Record<string, unknown> | undefined, entityId: string) => {
      const label = row && spec.label ? row[spec.label] : undefined;
      return label !== undefined && label !== null && String(label) !== entityId
        ? `${spec.entity} ${String(label)} (${spec.table} ${key} ${entityId})`
        : `${spec.entity} ${entityId} (${spec.table})`;
    };
    const report = (m: RecordMismatch) => {
      out.mismatches++;
      out.first ??= m;
    };

    const finish = (entityId: string, group: Array<{ id: number; action: string; after_json: string | null }>) => {
      const row = current.get(key === "id" ? Number(entityId) : entityId) as Record<string, unknown> | undefined;
      let since = 0;
      if (row && spec.batched && row.import_batch_id !== null && row.import_batch_id !== undefined) {
        const batch = batchAudit.get(String(row.import_batch_id));
        if (batch === undefined) {
          report({ entity: spec.entity, record: name(row, entityId), auditId: group[group.length - 1].id, message: `names import batch ${String(row.import_batch_id)}, which the audit log does not record` });
          return;
        }
        since = batch;
      }
      // Fold the images written after the record's last import batch: later fields override earlier ones.
      let folded: Record<string, unknown> | "deleted" | null = null;
      let lastId = 0;
      for (const g of group) {
        if (g.id <= since) continue;
        lastId = g.id;
        if (g.after_json === null) {
          if (g.action === "delete") folded = "deleted";
          continue;
        }
        let image: unknown;
        try {
          image = JSON.parse(g.after_json);
        } catch {
          continue;
        }
        if (typeof image !== "object" || image === null || Array.isArray(image)) continue;
        folded = { ...(folded === null || folded === "deleted" ? {} : folded), ...(image as Record<string, unknown>) };
      }
      if (folded === null) {
        if (since > 0) out.byBatch++;
        return;
      }
      out.checked++;
      if (folded === "deleted") {
        if (row) report({ entity: spec.entity, record: name(row, entityId), auditId: lastId, message: `was deleted in audit row ${lastId} but is still in the database` });
        return;
      }
      if (!row) {
        report({ entity: spec.entity, record: name(undefined, entityId), auditId: lastId, message: `is missing from the database (its latest after-image is audit row ${lastId})` });
        return;
      }
      for (const [field, logged] of Object.entries(folded)) {
        if (ignore.has(field) || !(field in row)) continue;
        const now = row[field];
        if (JSON.stringify(now ?? null) === JSON.stringify(logged ?? null)) continue;
        report({
          entity: spec.entity,
          record: name(row, entityId),
          auditId: lastId,
          message: `${field} is ${formatAuditValue(field, now)} in the database but ${formatAuditValue(field, logged)} in audit row ${lastId}`,
        });
        return;
      }
    };

    let group: Array<{ id: number; action: string; after_json: string | null }> = [];
    let groupId: string | null = null;
    for (const r of source.images(spec.entity)) {
      if (r.entity_id !== groupId) {
        if (groupId !== null) finish(groupId, group);
        groupId = r.entity_id;
        group = [];
      }
      group.push({ id: r.id, action: r.action, after_json: r.after_json });
    }
    if (groupId !== null) finish(groupId, group);
  }
  return out;
}

export type HeadSource = { kind: "file"; path: string } | { kind: "manifest"; path: string };

export type HeadCheck =
  | { ok: true; head: SignedHead | null; /** Rows written after the recorded head (a process stopped before recording it). */ ahead: number }
  | { ok: false; reason: string };

/** Compares a recorded head with the chain. `exact`: a backup's manifest must name its last row. */
export function checkHead(head: SignedHead | null, chain: ChainResult, where: string, exact = false, required = true): HeadCheck {
  if (!head) {
    if (chain.lastId === 0 || !required) return { ok: true, head: null, ahead: 0 };
    return { ok: false, reason: `there is no audit head in ${where}, so rows cut from the end of the log would go unnoticed` };
  }
  if (!headMacValid(head)) return { ok: false, reason: `the audit head in ${where} was not written with this audit key` };
  if (head.keyed_from !== chain.keyedFrom) {
    return { ok: false, reason: `the log says keyed rows start at ${chain.keyedFrom} but the head in ${where} says ${head.keyed_from}` };
  }
  if (head.last_id > chain.lastId) {
    return { ok: false, reason: `the log ends at row ${chain.lastId} but the head in ${where} records row ${head.last_id}: rows were cut from the end` };
  }
  if (head.last_id > 0 && chain.watched !== head.hash) {
    return { ok: false, reason: `row ${head.last_id} does not have the hash recorded in ${where}: the log was rewritten` };
  }
  if (exact && head.last_id !== chain.lastId) {
    return { ok: false, reason: `the log goes on to row ${chain.lastId} past the head in ${where} (row ${head.last_id})` };
  }
  return { ok: true, head, ahead: chain.lastId - head.last_id };
}

export type AuditVerification =
  | { ok: true; rows: number; head: SignedHead | null; ahead: number; records: RecordCheck; chain: ChainResult }
  | { ok: false; rows: number; problem: string; chain: ChainResult };

/**
 * Chain, head and records, in that order; the first failure is the answer. `head` is the head
 * recorded outside this database file (the file beside it, or a backup's manifest).
 */
export async function verifyAudit(
  db: Kysely<Database>,
  options: { head: SignedHead | null; where: string; exact?: boolean; requireHead?: boolean; sqlite?: Sqlite.Database },
): Promise<AuditVerification> {
  const chain = await walkAuditChain(db, options.head?.last_id);
  const rows = chain.result.rows;
  if (!chain.result.ok) return { ok: false, rows, problem: `broken at row ${chain.result.brokenId}: ${chain.result.reason}`, chain };
  const head = checkHead(options.head, chain, options.where, options.exact, options.requireHead ?? true);
  if (!head.ok) return { ok: false, rows, problem: head.reason, chain };
  const source = engineOf(db) === "postgres" ? await postgresRecordSource(db) : sqliteRecordSource(options.sqlite ?? sqliteHandle(db));
  const records = checkRecordsAgainstLog(source);
  if (records.first) {
    const more = records.mismatches > 1 ? ` (${records.mismatches - 1} more records disagree)` : "";
    return { ok: false, rows, problem: `${records.first.record} ${records.first.message}${more}`, chain };
  }
  return { ok: true, rows, head: head.head, ahead: head.ahead, records, chain };
}

/** The head file beside a database, for `verifyAudit`; a damaged file is reported as the problem. */
export function headBeside(databaseFile: string): { head: SignedHead | null; where: string; problem?: string } {
  const state = readHeadFile(databaseFile);
  const where = `${databaseFile}.audit-head`;
  if (state.kind === "ok") return { head: state.head, where };
  if (state.kind === "missing") return { head: null, where };
  return { head: null, where, problem: `the audit head file ${where} cannot be read (${state.message})` };
}
