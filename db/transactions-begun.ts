/**
 * Tells whoever listens that a transaction begins, from both dialects (db/sqlite-dialect.ts,
 * db/postgres-dialect.ts). A page request reads the change counter with its session
 * (docs/decisions/036-change-counter-with-the-session.md); app/models/memo.server.ts lets that reading stand in
 * for a fresh one only while the request has begun no transaction since, so a request that writes and then reads
 * is never answered from before its own write (docs/decisions/043-counter-reading-per-request.md). A listener runs
 * in the async context of the code beginning the transaction, so it can tell which request began it. Kept on
 * globalThis: the server's entry and the app are bundled apart.
 */
const KEY = Symbol.for("baseline.transactionListeners");
const holder = globalThis as { [KEY]?: Set<() => void> };
const listeners = (holder[KEY] ??= new Set());

export function noteTransactionBegun(): void {
  for (const listener of listeners) listener();
}

/** `listener()` each time a transaction begins, in the async context of the code beginning it. */
export function onTransactionBegun(listener: () => void): void {
  listeners.add(listener);
}
