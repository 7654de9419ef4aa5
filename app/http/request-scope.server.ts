import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What one page request looks up once for all its loaders. Remix runs the root's loader and the page's
 * side by side, each with its own copy of the Request, and both ask who is signed in: without this,
 * every page read the session and the user twice (two of a remembered page's seven statements on
 * PostgreSQL). Only GET and HEAD requests get a scope (server.ts): a request with an action may sign
 * out or change the user before its loaders run, so those look everything up again.
 */
type Scope = AsyncLocalStorage<Map<string, Promise<unknown>>>;
// One instance per process: server.ts (build/server.js) opens the scope and the Remix build (build/index.js)
// reads it, and each bundle carries its own copy of this module.
const registry = globalThis as typeof globalThis & { [key: symbol]: Scope | undefined };
const KEY = Symbol.for("baseline.request-scope");
const scope: Scope = (registry[KEY] ??= new AsyncLocalStorage());

/** Runs `next` with a scope of its own, for the request it serves. */
export function withRequestScope(next: () => void): void {
  scope.run(new Map(), next);
}

/** `compute()` once per request scope and key; outside a scope (tests, actions, the CLI) every time. */
export function oncePerRequest<T>(key: string, compute: () => Promise<T>): Promise<T> {
  const store = scope.getStore();
  if (!store) return compute();
  let pending = store.get(key) as Promise<T> | undefined;
  if (!pending) store.set(key, (pending = compute()));
  return pending;
}
