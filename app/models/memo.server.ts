/**
 * Read models remembered per committed state of the data (docs/decisions/009-compliance-memo.md).
 * `data_version` (migrations/0007) goes up inside the transaction of every write to the tables it
 * watches, so a result computed at version N is exactly what a fresh computation gives while the
 * counter reads N. Only results that read nothing but watched tables (and their key) may go
 * through `memoized`.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Kysely } from "kysely";
import { engineOf } from "../../db/client";
import type { Database, Q } from "../../db/schema";
import { onceAcrossWorkers } from "./rebuilds.server";
import { onTransactionBegun } from "../../db/transactions-begun";
import { withGenericPlans } from "../../db/postgres-dialect";

/** Entries per database handle, all kinds together; the least recently used is dropped first. */
export const MEMO_ENTRIES = 48;

interface Memo {
  /** data_version the entries belong to; entries of any other version are dropped, never served. */
  version: number;
  entries: LRUCache<string, Promise<unknown>>;
  /** Kinds with a bound of their own (`opts.entries`), by kind. */
  own: Map<string, LRUCache<string, Promise<unknown>>>;
}

const memos = new WeakMap<object, Memo>();

/** The change counter (migrations/0007): triggers bump it in the same transaction as every write to a watched table. */
export async function dataVersion(db: Q): Promise<number> {
  const row = await db.selectFrom("data_version").select("version").where("id", "=", 1).executeTakeFirstOrThrow();
  return row.version;
}

/**
 * A page request's reading of the change counter, taken with its session in one statement
 * (docs/decisions/036-change-counter-with-the-session.md): `memoized` uses it instead of a statement of its own
 * while the request itself has begun no transaction since (`begun`; another request's write does not
 * count, docs/decisions/043-counter-reading-per-request.md) and the memo holds no newer reading. Only GET and
 * HEAD requests carry one (server.ts); kept on globalThis because the server's entry and the app are bundled apart.
 */
interface ReadRequest {
  known?: { db: object; version: number; begun: number };
  /** Transactions this request has begun. */
  begun?: number;
  once?: Map<string, Promise<unknown>>;
}
const READS = Symbol.for("baseline.readRequests");
const holder = globalThis as { [READS]?: AsyncLocalStorage<ReadRequest> };
const readRequests = (holder[READS] ??= new AsyncLocalStorage<ReadRequest>());
onTransactionBegun("page requests", () => {
  const request = readRequests.getStore();
  if (request) request.begun = (request.begun ?? 0) + 1;
});

/** Runs a page request (GET or HEAD) so that the change counter read with its session serves its memo look-ups. */
export function asReadRequest<T>(fn: () => T): T {
  return readRequests.run({}, fn);
}

/** The change counter as read with the request's session (a no-op outside a page request). */
export function noteDataVersion(db: Q, version: number): void {
  const request = readRequests.getStore();
  if (request && !db.isTransaction) request.known = { db, version, begun: request.begun ?? 0 };
}

/**
 * `compute()` once per page request and key: Remix runs the root's loader and the page's in parallel,
 * each with a Request of its own, and both sign the request in. Outside a page request, every time.
 */
export function oncePerReadRequest<T>(key: string, compute: () => Promise<T>): Promise<T> {
  const request = readRequests.getStore();
  if (!request) return compute();
  request.once ??= new Map();
  let pending = request.once.get(key) as Promise<T> | undefined;
  if (!pending) request.once.set(key, (pending = compute()));
  return pending;
}

function knownVersion(db: Q): number | undefined {
  const request = readRequests.getStore();
  const known = request?.known;
  return known && known.db === db && known.begun === (request.begun ?? 0) ? known.version : undefined;
}

/**
 * `compute()`, or the result it gave for the same kind and key at the same committed state. The
 * version is read before computing, so an entry is never older than its version (a write landing
 * mid-computation makes it newer, and later reads see a higher version anyway). Inside a
 * transaction the counter may count writes that roll back and its number be reused, so
 * transactions neither read nor fill the memo. Results are shared between requests: freeze them or
 * never mutate them. Identical concurrent calls share one computation; a failed one is not kept.
 *
 * `opts.entries` gives the kind a bound of its own instead of a share of MEMO_ENTRIES: a page with
 * one entry per center or per award must not push out the whole-network entries that cost most
 * to compute again. `opts.keep(result)` false drops the entry once computed (a result too large to hold).
 */
export async function memoized<T>(
  db: Q,
  kind: string,
  key: unknown,
  compute: () => Promise<T>,
  opts: { entries?: number; keep?: (result: T) => boolean } = {},
): Promise<T> {
  if (db.isTransaction) return compute();
  let memo = memos.get(db);
  const known = knownVersion(db);
  // A reading older than the memo's (the request began before a commit another request has seen) is taken again.
  const version = known !== undefined && (!memo || known >= memo.version) ? known : await dataVersion(db);
  if (!memo || memo.version !== version) memos.set(db, (memo = { version, entries: new LRUCache({ max: MEMO_ENTRIES }), own: new Map() }));
  let entries = memo.entries;
  if (opts.entries !== undefined) {
    let own = memo.own.get(kind);
    if (!own) memo.own.set(kind, (own = new LRUCache({ max: opts.entries })));
    entries = own;
  }
  const id = `${kind}:${JSON.stringify(key)}`;
  const hit = entries.get(id);
  if (hit) return hit as Promise<T>;
  const pending = compute();
  entries.set(id, pending);
  const drop = () => {
    if (entries.get(id) === pending) entries.delete(id);
  };
  pending.then((result) => {
    if (opts.keep && !opts.keep(result)) drop();
  }, drop);
  return pending;
}

/**
 * A short memo key for table rows drawn once (app/components/StaticRows.tsx): the kind and a
 * SHA-256 of the rows' JSON, so equal rows give the same key and different rows (in practice) never
 * do. Computed once inside a `memoized` result, it spares every request hashing the rows again;
 * `rows` must be everything the rows are drawn from.
 */
export function rowsKey(kind: string, rows: unknown): string {
  return `${kind}:${createHash("sha256").update(JSON.stringify(rows)).digest("base64url")}`;
}

/** Kinds × keys of per-center figures per database handle; each holds at most one entry per center. */
export const PER_CENTER_KEYS = 24;

interface CenterEntry {
  shared: number;
  version: number;
  value: unknown;
}

const perCenterMemos = new WeakMap<object, LRUCache<string, Map<number, CenterEntry>>>();

export interface CenterVersions {
  shared: number | undefined;
  /** Row -1 (migrations/0023): moves on every write to finding_responses and app_settings. */
  responses: number | undefined;
  byCenter: ReadonlyMap<number, number>;
  /** Each center's `core_version` (migrations/0024): as `byCenter`, but unmoved by writes to its budget lines and spending. */
  coreByCenter: ReadonlyMap<number, number>;
}

/** center_versions rows that are not a center's: the shared tables' counter (0019) and the responses and settings' (0023). */
export const SHARED_ROW = 0;
export const RESPONSES_ROW = -1;

/**
 * The per-center counters (migrations/0019): `shared` moves on every write to a table all centers'
 * figures read, a center's own on every write to its rows. Read once per committed state: 0019's
 * triggers watch the tables and columns 0007's do (or fewer), so no transaction moves one of these
 * counters without moving data_version.
 */
export function centerVersions(db: Q): Promise<CenterVersions> {
  return memoized(db, "center-versions", null, () => readCenterVersions(db), { entries: 1 });
}

async function readCenterVersions(db: Q): Promise<CenterVersions> {
  const rows = await db.selectFrom("center_versions").select(["center_id", "version", "core_version"]).execute();
  const byCenter = new Map(rows.map((r) => [Number(r.center_id), Number(r.version)]));
  const coreByCenter = new Map(rows.map((r) => [Number(r.center_id), Number(r.core_version)]));
  return { shared: byCenter.get(SHARED_ROW), responses: byCenter.get(RESPONSES_ROW), byCenter, coreByCenter };
}

/** Kinds × keys of results per counter below (perShared, perResponses), per database handle. */
export const SHARED_KEYS = 64;

type Counter = "shared" | "responses";
const counterMemos: Record<Counter, WeakMap<object, LRUCache<string, { at: number; value: Promise<unknown> }>>> = {
  shared: new WeakMap(),
  responses: new WeakMap(),
};

/**
 * `compute()`, or what it gave for the same kind and key while the shared counter (row 0 of
 * center_versions) read the same: for results that read nothing but the tables every center's
 * figures share (frameworks, capabilities, capability_links, programs, centers). A write to one
 * center's rows moves data_version but not this counter, so a page rebuilt after it reads the
 * catalog, the programs and the list of centers from here instead of sending their statements again.
 * The counter is read before computing; transactions neither read nor fill it. Never mutate a result.
 */
export function perShared<T>(db: Q, kind: string, key: unknown, compute: () => Promise<T>): Promise<T> {
  return underCounter(db, "shared", kind, key, compute);
}

/**
 * The same under the responses and settings' counter (row -1, migrations/0023): for results that read
 * nothing but finding_responses and app_settings (with user names, which never change). A save to a
 * center's rows leaves it alone, so pages rebuilt after one do not read the responses or the demo flag
 * again (docs/decisions/042-responses-and-settings-counter.md).
 */
export function perResponses<T>(db: Q, kind: string, key: unknown, compute: () => Promise<T>): Promise<T> {
  return underCounter(db, "responses", kind, key, compute);
}

async function underCounter<T>(db: Q, counter: Counter, kind: string, key: unknown, compute: () => Promise<T>): Promise<T> {
  if (db.isTransaction) return compute();
  const at = (await centerVersions(db))[counter];
  if (at === undefined) return compute();
  const memos = counterMemos[counter];
  let memo = memos.get(db);
  if (!memo) memos.set(db, (memo = new LRUCache({ max: SHARED_KEYS })));
  const id = `${kind}:${JSON.stringify(key)}`;
  const hit = memo.get(id);
  if (hit && hit.at === at) return hit.value as Promise<T>;
  const pending = compute();
  memo.set(id, { at, value: pending });
  pending.catch(() => {
    if (memo.get(id)?.value === pending) memo.delete(id);
  });
  return pending;
}

/**
 * Figures of each center in `ids`, remembered per center (docs/decisions/030-per-center-memo.md):
 * a center's value is reused while both its counter and the shared counter read what they read when
 * it was computed, so after a write to one center's rows only that center is computed again.
 * `compute(stale)` must give a value for every id it is passed, from nothing but that center's rows
 * and the shared tables. The counters are read before computing, so an entry is never older than its
 * numbers; a center without a counter row is never kept. Transactions neither read nor fill it (as
 * `memoized`). Values are shared between requests: never mutate them.
 *
 * `opts.core`: `compute` reads none of a center's budget lines and spending, so its values are kept against each
 * center's core counter (migrations/0024), which a budget line or a payment saved does not move
 * (docs/decisions/045-figures-without-budget-lines.md).
 */
export async function perCenter<T>(
  db: Q,
  kind: string,
  key: unknown,
  ids: readonly number[],
  compute: (stale: number[]) => Promise<Map<number, T>>,
  opts: { core?: boolean } = {},
): Promise<Map<number, T>> {
  if (db.isTransaction) return compute([...ids]);
  const versions = await centerVersions(db);
  const shared = versions.shared;
  const byCenter = opts.core ? versions.coreByCenter : versions.byCenter;
  let memo = perCenterMemos.get(db);
  if (!memo) perCenterMemos.set(db, (memo = new LRUCache({ max: PER_CENTER_KEYS })));
  const id = `${kind}${opts.core ? "@core" : ""}:${JSON.stringify(key)}`;
  let entries = memo.get(id);
  if (!entries) memo.set(id, (entries = new Map()));
  const fresh = (centerId: number) => {
    const e = entries.get(centerId);
    return e !== undefined && shared !== undefined && e.shared === shared && e.version === byCenter.get(centerId);
  };
  const stale = ids.filter((c) => !fresh(c));
  // Two pages needing the same centers at the same counters (the whole network and one state, say) share one computation;
  // on PostgreSQL, where a center's rebuild is a dozen round trips, one center (a save to it) is rebuilt once for the
  // whole cluster. On SQLite it costs less than waiting for another worker (docs/decisions/039-rebuild-sharing-by-engine.md).
  // Its statements, each about one center, are planned once per connection, not on every save (decision 044).
  const name = `${id}|${shared}|${stale.map((c) => `${c}:${byCenter.get(c)}`).join(",")}`;
  const acrossWorkers = stale.length === 1 && shared !== undefined && byCenter.has(stale[0]) && engineOf(db as Kysely<Database>) === "postgres";
  const rebuild = () => (acrossWorkers ? onceAcrossWorkers(name, () => withGenericPlans(() => compute(stale))) : compute(stale));
  const computed = stale.length === 0 ? new Map<number, T>() : await shareRebuild(db, name, rebuild);
  for (const c of stale) {
    if (!computed.has(c)) throw new Error(`perCenter(${kind}): no value for center ${c}`);
    const version = byCenter.get(c);
    if (version !== undefined && shared !== undefined) entries.set(c, { shared, version, value: computed.get(c) });
    else entries.delete(c);
  }
  return new Map(ids.map((c) => [c, (computed.has(c) ? computed.get(c) : entries.get(c)!.value) as T]));
}

/** Rebuilds under way in this process, per database handle, by everything their result depends on. */
const rebuildsUnderWay = new WeakMap<object, Map<string, Promise<unknown>>>();

function shareRebuild<T>(db: Q, name: string, compute: () => Promise<T>): Promise<T> {
  let rebuilding = rebuildsUnderWay.get(db);
  if (!rebuilding) rebuildsUnderWay.set(db, (rebuilding = new Map()));
  let running = rebuilding.get(name) as Promise<T> | undefined;
  if (!running) {
    rebuilding.set(name, (running = compute()));
    const done = () => void (rebuilding.get(name) === running && rebuilding.delete(name));
    running.then(done, done);
  }
  return running;
}
