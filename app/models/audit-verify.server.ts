import type Sqlite from "better-sqlite3";
import { timingSafeEqual } from "node:crypto";
import { sql, type Kysely } from "kysely";
import { auditKey, headMacValid, KEYED_FROM_MAC_SETTING, keyedFromMac, readHeadFile, type SignedHead } from "../../db/audit-seal";
import { engineOf, sqliteHandle } from "../../db/client";
import type { Database } from "../../db/schema";
import { formatAuditValue } from "../domain/audit-diff";
import { walkAuditChain, type ChainResult } from "./audit.server";
import { ALWAYS_IGNORED, AUDITED_TABLES, SEEDED_PROGRAMS, sealDisagreement, type AuditedTable, type SealManifest } from "./audit-seals.server";

/**
 * `audit verify` beyond the chain (docs/decisions/017-audit-key-and-head.md): the head recorded
 * outside the database must be on the chain (else rows were cut or rewritten), and every audited
 * record must hold the values of its latest after-image in the log (else it was edited behind
 * the application's back).
 */

export { AUDITED_TABLES, type AuditedTable } from "./audit-seals.server";

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
  /** Records compared with the seal of the batch that last wrote them (docs/decisions/022-audit-seals.md). */
  sealed: number;
  /** Records last written by an import batch from before seals (the log holds the batch, not row images). */
  byBatch: number;
  mismatches: number;
  first: RecordMismatch | null;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

type Image = { id: number; action: string; after_json: string | null };
type LogImage = Image & { entity_id: string };
type SealRow = { entity_id: string; audit_id: number; tags: string };
type Seal = { audit_id: number; tags: string };

/** What the record check reads: the log's images, the seals and the audited tables' rows. */
export interface RecordSource {
  batchAudit(): Iterable<{ entity_id: string; id: number }>;
  /** Audit rows of the batches that may seal rows (imports, the demo load). */
  sealingBatches(): Iterable<{ id: number; after_json: string | null }>;
  /** One entity's images, ordered by entity_id then id. */
  images(entity: string): Iterable<LogImage>;
  /** One entity's seals, ordered by entity_id then audit_id (the same order as the images). */
  seals(entity: string): Iterable<SealRow>;
  sealCounts(): Iterable<{ audit_id: number; entity: string; n: number }>;
  tableExists(table: string): boolean;
  row(table: string, key: string, value: string | number): Record<string, unknown> | undefined;
  count(table: string): number;
  rows(table: string): Iterable<Record<string, unknown>>;
  /** The record has an after-image or a seal. */
  traced(entity: string, entityId: string): boolean;
}

/** SQLite: streamed from the file, one record's images and seals in memory at a time. */
export function sqliteRecordSource(sqlite: Sqlite.Database): RecordSource {
  const exists = (table: string) => sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(table) !== undefined;
  const sealsTable = exists("audit_seals");
  const images = sqlite.prepare("select id, action, entity_id, after_json from audit_log where entity = ? order by entity_id, id");
  const seals = sealsTable ? sqlite.prepare("select entity_id, audit_id, tags from audit_seals where entity = ? order by entity_id, audit_id") : null;
  const logged = sqlite.prepare("select 1 from audit_log where entity = ? and entity_id = ? limit 1").pluck();
  const sealed = sealsTable ? sqlite.prepare("select 1 from audit_seals where entity = ? and entity_id = ? limit 1").pluck() : null;
  const byKey = new Map<string, Sqlite.Statement>();
  return {
    batchAudit: () => sqlite.prepare("select entity_id, id from audit_log where entity = 'import_batch'").iterate() as Iterable<{ entity_id: string; id: number }>,
    sealingBatches: () => sqlite.prepare("select id, after_json from audit_log where entity in ('import_batch', 'demo') and after_json like '%\"sealed\"%'").iterate() as Iterable<{ id: number; after_json: string }>,
    images: (entity) => images.iterate(entity) as Iterable<LogImage>,
    seals: (entity) => (seals ? (seals.iterate(entity) as Iterable<SealRow>) : []),
    sealCounts: () => (sealsTable ? (sqlite.prepare("select audit_id, entity, count(*) as n from audit_seals group by audit_id, entity").iterate() as Iterable<{ audit_id: number; entity: string; n: number }>) : []),
    tableExists: exists,
    row: (table, key, value) => {
      const k = `${table}.${key}`;
      let stmt = byKey.get(k);
      if (!stmt) byKey.set(k, (stmt = sqlite.prepare(`select * from ${q(table)} where ${q(key)} = ?`)));
      return stmt.get(value) as Record<string, unknown> | undefined;
    },
    count: (table) => Number(sqlite.prepare(`select count(*) from ${q(table)}`).pluck().get()),
    rows: (table) => sqlite.prepare(`select * from ${q(table)}`).iterate() as Iterable<Record<string, unknown>>,
    traced: (entity, entityId) => logged.get(entity, entityId) !== undefined || sealed?.get(entity, entityId) !== undefined,
  };
}

/**
 * PostgreSQL: read ahead in a few queries (a query per record would cost a round trip each); the
 * audited tables, the log's images and the seals are held in memory for the check. The ORDER BY
 * must give the text order the merge compares with (the C collation, docs/decisions/025).
 */
export async function postgresRecordSource(db: Kysely<Database>, tables: AuditedTable[] = AUDITED_TABLES): Promise<RecordSource> {
  const log = await sql<LogImage & { entity: string }>`select id, action, entity, entity_id, after_json from audit_log order by entity, entity_id, id`.execute(db);
  const byEntity = new Map<string, Array<LogImage & { entity: string }>>();
  for (const r of log.rows) {
    let list = byEntity.get(r.entity);
    if (!list) byEntity.set(r.entity, (list = []));
    list.push(r);
  }
  const sealRows = await sql<SealRow & { entity: string }>`select entity, entity_id, audit_id, tags from audit_seals order by entity, entity_id, audit_id`.execute(db);
  const sealsBy = new Map<string, SealRow[]>();
  const counts = new Map<string, { audit_id: number; entity: string; n: number }>();
  for (const r of sealRows.rows) {
    const s = { entity_id: r.entity_id, audit_id: Number(r.audit_id), tags: r.tags };
    let list = sealsBy.get(r.entity);
    if (!list) sealsBy.set(r.entity, (list = []));
    list.push(s);
    const k = `${s.audit_id}:${r.entity}`;
    const c = counts.get(k) ?? { audit_id: s.audit_id, entity: r.entity, n: 0 };
    c.n++;
    counts.set(k, c);
  }
  const traced = new Set<string>();
  for (const r of log.rows) traced.add(`${r.entity}:${r.entity_id}`);
  for (const [entity, list] of sealsBy) for (const s of list) traced.add(`${entity}:${s.entity_id}`);
  const rows = new Map<string, Map<string, Record<string, unknown>>>();
  for (const spec of tables) {
    const key = spec.key ?? "id";
    const r = await sql<Record<string, unknown>>`select * from ${sql.table(spec.table)}`.execute(db);
    rows.set(spec.table, new Map(r.rows.map((row) => [String(row[key]), row])));
  }
  return {
    batchAudit: () => (byEntity.get("import_batch") ?? []).map((r) => ({ entity_id: r.entity_id, id: r.id })),
    sealingBatches: () => [...(byEntity.get("import_batch") ?? []), ...(byEntity.get("demo") ?? [])].filter((r) => r.after_json?.includes('"sealed"')),
    images: (entity) => byEntity.get(entity) ?? [],
    seals: (entity) => sealsBy.get(entity) ?? [],
    sealCounts: () => counts.values(),
    tableExists: (table) => rows.has(table),
    row: (table, _key, value) => rows.get(table)?.get(String(value)),
    count: (table) => rows.get(table)?.size ?? 0,
    rows: (table) => rows.get(table)?.values() ?? [],
    traced: (entity, entityId) => traced.has(`${entity}:${entityId}`),
  };
}

/**
 * Streams the log's after-images and the seals once per audited entity, both grouped by record (their
 * indexes give that order), and compares each record's latest trace with its current row: the fold of
 * the after-images written after its last seal (or import batch), else that seal. Then every row of
 * the table must have been met (a row inserted behind the application has no trace). Memory holds
 * one record's traces at a time.
 */
export function checkRecordsAgainstLog(source: RecordSource, tables: AuditedTable[] = AUDITED_TABLES): RecordCheck {
  const out: RecordCheck = { checked: 0, sealed: 0, byBatch: 0, mismatches: 0, first: null };
  const report = (m: RecordMismatch) => {
    out.mismatches++;
    out.first ??= m;
  };
  const batchAudit = new Map<string, number>();
  for (const r of source.batchAudit()) batchAudit.set(r.entity_id, r.id);
  // What each sealing batch says it sealed, and the seals found per batch: added or removed seals change the count.
  const manifests = new Map<number, SealManifest>();
  for (const r of source.sealingBatches()) {
    try {
      const sealed = (JSON.parse(r.after_json ?? "null") as { sealed?: SealManifest }).sealed;
      if (sealed && typeof sealed === "object") manifests.set(r.id, sealed);
    } catch {
      // Not JSON: the chain check has already vouched for the row, so this is an old row of another shape.
    }
  }
  const key = auditKey();
  for (const spec of tables) {
    if (!source.tableExists(spec.table)) continue;
    const keyColumn = spec.key ?? "id";
    const current = { get: (value: string | number) => source.row(spec.table, keyColumn, value) };
    const ignore = new Set([...ALWAYS_IGNORED, ...(spec.ignore ?? [])]);
    const name = (row: Record<string, unknown> | undefined, entityId: string) => {
      const label = row && spec.label ? row[spec.label] : undefined;
      return label !== undefined && label !== null && String(label) !== entityId
        ? `${spec.entity} ${String(label)} (${spec.table} ${keyColumn} ${entityId})`
        : `${spec.entity} ${entityId} (${spec.table})`;
    };
    let present = 0;

    const finish = (entityId: string, group: Image[], seal: Seal | null) => {
      const row = current.get(keyColumn === "id" ? Number(entityId) : entityId) as Record<string, unknown> | undefined;
      if (row) present++;
      let since = seal?.audit_id ?? 0;
      if (!seal && row && spec.batched && row.import_batch_id !== null && row.import_batch_id !== undefined) {
        const batch = batchAudit.get(String(row.import_batch_id));
        if (batch === undefined) {
          report({ entity: spec.entity, record: name(row, entityId), auditId: group.at(-1)?.id ?? 0, message: `names import batch ${String(row.import_batch_id)}, which the audit log does not record` });
          return;
        }
        if (manifests.get(batch)?.[spec.entity]) {
          report({ entity: spec.entity, record: name(row, entityId), auditId: batch, message: `was written by import batch ${String(row.import_batch_id)}, which sealed its rows, but has no seal` });
          return;
        }
        since = batch;
      }
      // Fold the images written after the record's last seal or import batch: later fields override earlier ones.
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
      if (folded === null && seal) {
        out.sealed++;
        const columns = manifests.get(seal.audit_id)?.[spec.entity]?.columns;
        if (!columns) {
          report({ entity: spec.entity, record: name(row, entityId), auditId: seal.audit_id, message: `has a seal under audit row ${seal.audit_id}, which records no such seals` });
          return;
        }
        if (!row) {
          report({ entity: spec.entity, record: name(undefined, entityId), auditId: seal.audit_id, message: `is missing from the database (sealed by audit row ${seal.audit_id})` });
          return;
        }
        const field = sealDisagreement(key, seal.audit_id, spec.entity, entityId, columns, row, seal.tags);
        if (field === null) return;
        report({
          entity: spec.entity,
          record: name(row, entityId),
          auditId: seal.audit_id,
          message: field
            ? `${field} is ${formatAuditValue(field, row[field])} in the database, not the value sealed by audit row ${seal.audit_id}`
            : `does not hold the values sealed by audit row ${seal.audit_id}`,
        });
        return;
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

    // Merge the two streams, both in entity_id order (the same text order in each index).
    const imageIt = source.images(spec.entity)[Symbol.iterator]();
    const sealIt = source.seals(spec.entity)[Symbol.iterator]();
    let img = imageIt.next();
    let sl = sealIt.next();
    while (!img.done || !sl.done) {
      const entityId = img.done ? sl.value!.entity_id : sl.done ? img.value.entity_id : img.value.entity_id < sl.value.entity_id ? img.value.entity_id : sl.value.entity_id;
      const group: Image[] = [];
      while (!img.done && img.value.entity_id === entityId) {
        group.push({ id: img.value.id, action: img.value.action, after_json: img.value.after_json });
        img = imageIt.next();
      }
      let seal: Seal | null = null;
      while (!sl.done && sl.value.entity_id === entityId) {
        seal = { audit_id: sl.value.audit_id, tags: sl.value.tags };
        sl = sealIt.next();
      }
      finish(entityId, group, seal);
    }

    // Every row of the table must have been met above; one that was not has no trace in the log.
    if (source.count(spec.table) > present && !spec.derived) findUntraced(source, spec, batchAudit, manifests, out, report, name);
  }
  // Seals added or removed by hand change the count per batch (a record without its seal is named above).
  {
    const found = new Set<string>();
    for (const c of source.sealCounts()) {
      found.add(`${c.audit_id}:${c.entity}`);
      const expected = manifests.get(c.audit_id)?.[c.entity]?.rows ?? 0;
      if (c.n !== expected) report({ entity: c.entity, record: `the ${c.entity} seals of audit row ${c.audit_id}`, auditId: c.audit_id, message: `number ${c.n} but that row records ${expected}: seals were added or removed` });
    }
    for (const [id, m] of manifests) {
      for (const [entity, e] of Object.entries(m)) {
        if (e.rows > 0 && !found.has(`${id}:${entity}`)) report({ entity, record: `the ${entity} seals of audit row ${id}`, auditId: id, message: `are gone but that row records ${e.rows}` });
      }
    }
  }
  return out;
}

/** The slow path, run only when a table holds more rows than the log and the seals account for. */
function findUntraced(
  source: RecordSource,
  spec: AuditedTable,
  batchAudit: Map<string, number>,
  manifests: Map<number, SealManifest>,
  out: RecordCheck,
  report: (m: RecordMismatch) => void,
  name: (row: Record<string, unknown> | undefined, entityId: string) => string,
) {
  const keyColumn = spec.key ?? "id";
  for (const row of source.rows(spec.table)) {
    const entityId = String(row[keyColumn]);
    if (source.traced(spec.entity, entityId)) continue;
    // Written by an import from before seals: the batch is in the log, the row is not compared.
    const batch = spec.batched && row.import_batch_id !== null && row.import_batch_id !== undefined ? batchAudit.get(String(row.import_batch_id)) : undefined;
    if (batch !== undefined && manifests.get(batch)?.[spec.entity]) {
      report({ entity: spec.entity, record: name(row, entityId), auditId: batch, message: `was written by import batch ${String(row.import_batch_id)}, which sealed its rows, but has no seal` });
      return;
    }
    if (batch !== undefined) {
      out.byBatch++;
      continue;
    }
    if (spec.entity === "program" && SEEDED_PROGRAMS.has(entityId)) continue;
    report({ entity: spec.entity, record: name(row, entityId), auditId: 0, message: "is in the database but no audit row or seal accounts for it (inserted behind the application?)" });
    return;
  }
}

/**
 * The totals triggers keep (docs/decisions/003-summary-columns.md) are not sealed: they move with
 * every payment. They are recomputed from the rows they sum, which the log and the seals vouch for.
 * Returns the first total that disagrees, or null.
 */
export async function checkSummaryColumns(db: Kysely<Database>): Promise<string | null> {
  const money = (cents: unknown) => formatAuditValue("amount_cents", Number(cents ?? 0));
  const lineSpent = db
    .selectFrom("spending")
    .select(["budget_line_id", (eb) => eb.fn.sum<number>("amount_cents").as("spent")])
    .where("voided_at", "is", null)
    .groupBy("budget_line_id")
    .as("s");
  const line = await db
    .selectFrom("budget_lines as l")
    .leftJoin(lineSpent, "s.budget_line_id", "l.id")
    .select(["l.id", "l.line_id", "l.spent_cents", "s.spent"])
    .where((eb) => eb("l.spent_cents", "<>", eb.fn.coalesce("s.spent", eb.val(0))))
    .limit(1)
    .executeTakeFirst();
  if (line) return `budget line ${line.line_id} (budget_lines id ${line.id}) spent_cents is ${money(line.spent_cents)} but its payments add up to ${money(line.spent)}`;

  const budgeted = db
    .selectFrom("budget_lines")
    .select(["award_id", (eb) => eb.fn.sum<number>("amount_cents").as("total")])
    .where("voided_at", "is", null)
    .groupBy("award_id")
    .as("b");
  const awardSpent = db
    .selectFrom("spending")
    .innerJoin("budget_lines", "budget_lines.id", "spending.budget_line_id")
    .select(["budget_lines.award_id", (eb) => eb.fn.sum<number>("spending.amount_cents").as("total")])
    .where("spending.voided_at", "is", null)
    .groupBy("budget_lines.award_id")
    .as("p");
  const award = await db
    .selectFrom("awards as a")
    .leftJoin(budgeted, "b.award_id", "a.id")
    .leftJoin(awardSpent, "p.award_id", "a.id")
    .select(["a.id", "a.award_number", "a.budgeted_cents", "a.spent_cents", "b.total as budgeted", "p.total as spent"])
    .where((eb) => eb.or([eb("a.budgeted_cents", "<>", eb.fn.coalesce("b.total", eb.val(0))), eb("a.spent_cents", "<>", eb.fn.coalesce("p.total", eb.val(0)))]))
    .limit(1)
    .executeTakeFirst();
  if (!award) return null;
  const [field, now, sum, what] =
    Number(award.budgeted_cents) !== Number(award.budgeted ?? 0)
      ? ["budgeted_cents", award.budgeted_cents, award.budgeted, "its live budget lines"]
      : ["spent_cents", award.spent_cents, award.spent, "its payments"];
  return `award ${award.award_number} (awards id ${award.id}) ${field} is ${money(now)} but ${what} add up to ${money(sum)}`;
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

/**
 * Without a head outside the database (PostgreSQL), the keyed-from row must carry its own MAC unless
 * it is row 1 (db/audit-seal.ts KEYED_FROM_MAC_SETTING); null when it does.
 */
export async function checkKeyedFromSeal(db: Kysely<Database>, chain: ChainResult): Promise<string | null> {
  if (chain.keyedFrom === 1) return null;
  const mac = await db.selectFrom("app_settings").select("value").where("key", "=", KEYED_FROM_MAC_SETTING).executeTakeFirst();
  const before = await db.selectFrom("audit_log").select("hash").where("id", "=", chain.keyedFrom - 1).executeTakeFirst();
  if (mac && before) {
    const expected = Buffer.from(keyedFromMac(chain.keyedFrom, before.hash), "hex");
    const given = Buffer.from(mac.value, "hex");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return null;
  }
  return `the log says keyed rows start at ${chain.keyedFrom} but no seal made with this audit key records it`;
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
  options: {
    head: SignedHead | null;
    where: string;
    exact?: boolean;
    requireHead?: boolean;
    /** No head is kept outside the database (PostgreSQL): the keyed-from row must carry its own MAC. */
    sealedKeyedFrom?: boolean;
    sqlite?: Sqlite.Database;
  },
): Promise<AuditVerification> {
  const chain = await walkAuditChain(db, options.head?.last_id);
  const rows = chain.result.rows;
  if (!chain.result.ok) return { ok: false, rows, problem: `broken at row ${chain.result.brokenId}: ${chain.result.reason}`, chain };
  const head = checkHead(options.head, chain, options.where, options.exact, options.requireHead ?? true);
  if (!head.ok) return { ok: false, rows, problem: head.reason, chain };
  const keyedFrom = options.sealedKeyedFrom ? await checkKeyedFromSeal(db, chain) : null;
  if (keyedFrom) return { ok: false, rows, problem: keyedFrom, chain };
  const source = engineOf(db) === "postgres" ? await postgresRecordSource(db) : sqliteRecordSource(options.sqlite ?? sqliteHandle(db));
  const records = checkRecordsAgainstLog(source);
  if (records.first) {
    const more = records.mismatches > 1 ? ` (${records.mismatches - 1} more records disagree)` : "";
    return { ok: false, rows, problem: `${records.first.record} ${records.first.message}${more}`, chain };
  }
  const totals = await checkSummaryColumns(db);
  if (totals) return { ok: false, rows, problem: totals, chain };
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
