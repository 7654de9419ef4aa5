import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import type Sqlite from "better-sqlite3";
import { CompiledQuery, type Transaction } from "kysely";
import { auditKey } from "../../db/audit-seal";
import { engineOf, sqliteHandle, type DB } from "../../db/client";
import type { Database } from "../../db/schema";
import { canonicalJson, recordAudit, type AuditEntry } from "./audit.server";

/**
 * Seals of rows written in bulk (docs/decisions/022-audit-seals.md). The demo load and imports write
 * thousands of rows with one audit row for the batch; in the same transaction each of those rows gets
 * a seal: an HMAC (audit key) of the batch's audit id, the record and its audited values, and a short
 * hash per column that only serves to name the column that moved. The batch's audit row records how
 * many rows of each table it sealed and which columns, so seals added or removed by hand are noticed
 * by their count, and a seal cannot be moved to another batch or record (its MAC names both).
 * `audit verify` (audit-verify.server.ts) checks every record whose latest trace is a seal.
 */

/**
 * The records whose after-images the log holds. Adding an audited table is one entry here.
 * `key`: the column the audit rows' entity_id names (default id). `label`: the column users know the
 * record by. `ignore`: columns that legitimately move without an audit row of their own (totals
 * kept by triggers, checked by recomputation instead). `batched`: the table has import_batch_id.
 * `derived`: rows are generated from other records (their creation is not audited row by row),
 * so a row with no trace is not reported.
 */
export interface AuditedTable {
  entity: string;
  table: string;
  key?: string;
  label?: string;
  ignore?: string[];
  batched?: boolean;
  derived?: boolean;
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
  // Generated from the award's dates (the award's change is the audited one); the log attests submissions.
  { entity: "reporting_obligation", table: "reporting_obligations", ignore: ["period_start", "period_end", "due"], derived: true },
  { entity: "program", table: "programs", key: "code", label: "code" },
  { entity: "user", table: "users", label: "username" },
  { entity: "plan", table: "plans" },
  { entity: "prime_award", table: "prime_awards", label: "award_number", batched: true },
];

/** Programs the migrations insert (migrations/0002, 0015): no audit row creates them. */
export const SEEDED_PROGRAMS: ReadonlySet<string> = new Set(["SHSP", "UASI", "JAG", "COPS", "OTHER_FED", "STATE", "LOCAL", "OPSG"]);

/** The optimistic-lock counter is bookkeeping, not data: some audited writes bump it without naming it. */
export const ALWAYS_IGNORED: ReadonlySet<string> = new Set(["version"]);

export function auditedTable(entity: string): AuditedTable {
  const spec = AUDITED_TABLES.find((t) => t.entity === entity);
  if (!spec) throw new Error(`${entity} is not an audited table`);
  return spec;
}

/** What a batch's audit row says it sealed, per entity (in its after-image, under `sealed`). */
export type SealManifest = Record<string, { rows: number; columns: string[] }>;

/** The columns a seal covers: all but the key, the ignored ones and the version counter, sorted. */
export function sealedColumns(spec: AuditedTable, row: Record<string, unknown>): string[] {
  const skip = new Set([spec.key ?? "id", ...ALWAYS_IGNORED, ...(spec.ignore ?? [])]);
  return Object.keys(row)
    .filter((c) => !skip.has(c))
    .sort();
}

/** 16-bit FNV-1a of a value's text: names a column that moved; the MAC, not this, is the evidence. */
function locator(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return ((h ^ (h >>> 16)) & 0xffff).toString(16).padStart(4, "0");
}

export const MAC_CHARS = 32;

/** A row's seal under one batch: MAC (32 hex) then a 4-hex locator per column, in `columns` order. */
export function sealTags(key: Buffer | KeyObject, auditId: number, entity: string, entityId: string, columns: readonly string[], row: Record<string, unknown>): string {
  return sealOf(key, auditId, entity, entityId, columns.map((c) => row[c]), 0);
}

/** The seal of values already in `columns` order (from `values[from]` on). */
function sealOf(key: Buffer | KeyObject, auditId: number, entity: string, entityId: string, values: readonly unknown[], from: number): string {
  // One update of the whole message: the same bytes as an update per column, a fraction of the calls into C++.
  let message = `baseline-seal\u0000${auditId}\u0000${entity}\u0000${entityId}`;
  let locators = "";
  for (let i = from; i < values.length; i++) {
    const text = canonicalJson(values[i]);
    message += `\u0000${text}`;
    locators += locator(text);
  }
  return createHmac("sha256", key).update(message).digest("hex").slice(0, MAC_CHARS) + locators;
}

/**
 * Compares a record's current row with its seal: null when they agree, else the first column whose
 * locator differs (or "" when the MAC differs but no locator does).
 */
export function sealDisagreement(key: Buffer, auditId: number, entity: string, entityId: string, columns: readonly string[], row: Record<string, unknown>, tags: string): string | null {
  const now = sealTags(key, auditId, entity, entityId, columns, row);
  if (now === tags) return null;
  for (let i = 0; i < columns.length; i++) {
    const at = MAC_CHARS + 4 * i;
    if (now.slice(at, at + 4) !== tags.slice(at, at + 4)) return columns[i];
  }
  return "";
}

/** Rows to seal: every row of a table, or those one import batch wrote. */
export interface SealSource {
  entity: string;
  importBatchId?: number;
}

const PAGE = 2000;
const INSERT_ROWS = 1000;
const SEAL_COLUMNS = 4;
const insertTexts = new Map<string, string>();

/**
 * The INSERT of `rows` seals as one statement text per engine and row count. Built by the query
 * builder, 1,000 seals took longer to compile than to write (a third of a national import's time went
 * to sealing); one text per size is also one prepared statement on SQLite (db/sqlite-dialect.ts).
 */
function insertSeals(postgres: boolean, rows: number): string {
  const id = `${postgres ? "pg" : "sqlite"}:${rows}`;
  let text = insertTexts.get(id);
  if (text === undefined) {
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) {
      const n = r * SEAL_COLUMNS;
      tuples.push(postgres ? `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4})` : "(?, ?, ?, ?)");
    }
    text = `insert into audit_seals (entity, entity_id, audit_id, tags) values ${tuples.join(", ")}`;
    if (insertTexts.size < 64) insertTexts.set(id, text);
  }
  return text;
}

/**
 * How the seal pass reads a page of rows (as arrays, in select order) and writes seals. SQLite: the
 * better-sqlite3 statements of the connection the transaction holds, prepared once per pass (no
 * row objects, no promise per statement: a national import re-reads 1.7 million rows here).
 * PostgreSQL: the transaction's own connection.
 */
interface SealIo {
  postgres: boolean;
  rows(text: string, params: unknown[]): unknown[][] | Promise<unknown[][]>;
  write(text: string, params: unknown[]): unknown;
}

function sealIo(db: DB, trx: Transaction<Database>): SealIo {
  if (engineOf(db) === "postgres") {
    return {
      postgres: true,
      rows: async (text, params) => (await trx.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, params))).rows.map((r) => Object.values(r)),
      write: (text, params) => trx.executeQuery(CompiledQuery.raw(text, params)),
    };
  }
  const sqlite = sqliteHandle(db);
  const prepared = new Map<string, Sqlite.Statement>();
  const statement = (text: string) => {
    let s = prepared.get(text);
    if (!s) prepared.set(text, (s = sqlite.prepare(text)));
    return s;
  };
  return {
    postgres: false,
    rows: (text, params) => statement(text).raw(true).all(...params) as unknown[][],
    write: (text, params) => statement(text).run(...params),
  };
}

/** A page of the rows to seal, key first then the sealed columns, in key order after `after` (when given). */
function pageText(io: SealIo, spec: AuditedTable, columns: readonly string[], batched: boolean, after: boolean): string {
  const key = spec.key ?? "id";
  const conditions: string[] = [];
  let n = 0;
  const param = () => (io.postgres ? `$${++n}` : "?");
  if (batched) conditions.push(`"import_batch_id" = ${param()}`);
  if (after) conditions.push(`"${key}" > ${param()}`);
  const where = conditions.length > 0 ? ` where ${conditions.join(" and ")}` : "";
  return `select ${[key, ...columns].map((c) => `"${c}"`).join(", ")} from "${spec.table}"${where} order by "${key}" limit ${PAGE}`;
}

/**
 * Records `entry` (the batch's audit row) with what it sealed, and seals each source's rows under
 * it. Call inside the batch's transaction, after its rows are written: the seals name the audit
 * row, which the transaction's write lock keeps next in line (docs/decisions/022-audit-seals.md).
 */
export async function recordSealedBatch(db: DB, trx: Transaction<Database>, entry: AuditEntry, sources: SealSource[]): Promise<number> {
  const sealed: SealManifest = {};
  const plans: Array<{ spec: AuditedTable; source: SealSource; columns: string[] }> = [];
  for (const source of sources) {
    const spec = auditedTable(source.entity);
    const key = spec.key ?? "id";
    let first = trx.selectFrom(spec.table as "awards").selectAll();
    let count = trx.selectFrom(spec.table as "awards").select((eb) => eb.fn.countAll<number>().as("n"));
    if (source.importBatchId !== undefined) {
      first = first.where("import_batch_id", "=", source.importBatchId);
      count = count.where("import_batch_id", "=", source.importBatchId);
    }
    const sample = await first.orderBy(key as "id").limit(1).executeTakeFirst();
    if (!sample) continue;
    const columns = sealedColumns(spec, sample);
    sealed[spec.entity] = { rows: Number((await count.executeTakeFirstOrThrow()).n), columns };
    plans.push({ spec, source, columns });
  }
  const [auditId] = await recordAudit(trx, { ...entry, after: { ...(entry.after as object), sealed } });
  const mac = createSecretKey(auditKey());
  const io = sealIo(db, trx);
  for (const { spec, source, columns } of plans) {
    const batched = source.importBatchId !== undefined;
    const first = pageText(io, spec, columns, batched, false);
    const next = pageText(io, spec, columns, batched, true);
    let after: unknown = null;
    let written = 0;
    for (;;) {
      const params: unknown[] = batched ? [source.importBatchId] : [];
      if (after !== null) params.push(after);
      const page = await io.rows(after === null ? first : next, params);
      if (page.length === 0) break;
      const values: unknown[] = [];
      for (const row of page) {
        const entityId = String(row[0]);
        values.push(spec.entity, entityId, auditId, sealOf(mac, auditId, spec.entity, entityId, row, 1));
      }
      for (let i = 0; i < values.length; i += INSERT_ROWS * SEAL_COLUMNS) {
        const chunk = values.slice(i, i + INSERT_ROWS * SEAL_COLUMNS);
        await io.write(insertSeals(io.postgres, chunk.length / SEAL_COLUMNS), chunk);
      }
      written += page.length;
      after = page[page.length - 1][0];
    }
    // The count recorded above and the rows sealed come from the same transaction; a difference is a bug.
    if (written !== sealed[spec.entity].rows) throw new Error(`sealed ${written} ${spec.table} rows but counted ${sealed[spec.entity].rows}`);
  }
  return auditId;
}
