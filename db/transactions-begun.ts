/**
 * Transactions begun in this process, counted by both dialects (db/sqlite-dialect.ts,
 * db/postgres-dialect.ts). A page request reads the change counter with its session
 * (docs/decisions/036-change-counter-with-the-session.md); that reading may stand in for a fresh one only while
 * no transaction has begun in this process since, so a request that writes and then reads is never
 * answered from before its own write. Kept on globalThis: the server's entry and the app are bundled apart.
 */
const KEY = Symbol.for("baseline.transactionsBegun");
const holder = globalThis as { [KEY]?: { n: number } };
const counter = (holder[KEY] ??= { n: 0 });

export function noteTransactionBegun(): void {
  counter.n++;
}

export function transactionsBegun(): number {
  return counter.n;
}
