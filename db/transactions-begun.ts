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
const holder = globalThis as { [KEY]?: Map<string, () => void> };
const listeners = (holder[KEY] ??= new Map());

export function noteTransactionBegun(): void {
  for (const listener of listeners.values()) listener();
}

/**
 * `listener()` each time a transaction begins, in the async context of the code beginning it. One listener per
 * name: a module loaded again (each bundle, a reload in development, a test file) replaces its own.
 */
export function onTransactionBegun(name: string, listener: () => void): void {
  listeners.set(name, listener);
}
