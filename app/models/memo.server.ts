/**
 * Read models remembered per committed state of the data (docs/decisions/009-compliance-memo.md).
 * `data_version` (migrations/0007) goes up inside the transaction of every write to the tables it
 * watches, so a result computed at version N is exactly what a fresh computation gives while the
 * counter reads N. Only results that read nothing but watched tables (and their key) may go
 * through `memoized`.
 */
import { LRUCache } from "lru-cache";
import type { Q } from "../../db/schema";

/** Entries per database handle, all kinds together; the least recently used is dropped first. */
export const MEMO_ENTRIES = 48;

interface Memo {
  /** data_version the entries belong to; entries of any other version are dropped, never served. */
  version: number;
  entries: LRUCache<string, Promise<unknown>>;
}

const memos = new WeakMap<object, Memo>();

/** The change counter (migrations/0007): triggers bump it in the same transaction as every write to a watched table. */
export async function dataVersion(db: Q): Promise<number> {
  const row = await db.selectFrom("data_version").select("version").where("id", "=", 1).executeTakeFirstOrThrow();
  return row.version;
}

/**
 * `compute()`, or the result it gave for the same kind and key at the same committed state. The
 * version is read before computing, so an entry is never older than its version (a write landing
 * mid-computation makes it newer, and later reads see a higher version anyway). Inside a
 * transaction the counter may count writes that roll back and its number be reused, so
 * transactions neither read nor fill the memo. Results are shared between requests: freeze them or
 * never mutate them. Identical concurrent calls share one computation; a failed one is not kept.
 */
export async function memoized<T>(db: Q, kind: string, key: unknown, compute: () => Promise<T>): Promise<T> {
  if (db.isTransaction) return compute();
  const version = await dataVersion(db);
  let memo = memos.get(db);
  if (!memo || memo.version !== version) memos.set(db, (memo = { version, entries: new LRUCache({ max: MEMO_ENTRIES }) }));
  const entries = memo.entries;
  const id = `${kind}:${JSON.stringify(key)}`;
  const hit = entries.get(id);
  if (hit) return hit as Promise<T>;
  const pending = compute();
  entries.set(id, pending);
  pending.catch(() => {
    if (entries.get(id) === pending) entries.delete(id);
  });
  return pending;
}
