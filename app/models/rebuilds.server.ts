/**
 * One worker rebuilds a center's figures, the others wait for its result
 * (docs/decisions/038-one-rebuild-per-save.md; PostgreSQL only since decision 039). After a save to one center every worker's next page
 * needs that center's figures at the same counters; without this each worker computed them, and on
 * PostgreSQL each rebuild is about 11 ms of the machine's CPU shared with the database server.
 *
 * The cluster's primary keeps a board of claims (`ClaimBoard`): the first worker to claim a rebuild
 * computes it and publishes the result, the others get it from the primary. A rebuild is named by
 * everything its result depends on (kind, key, counters read before computing), so a result is only
 * ever used where a worker's own computation would have given the same. Anything slow or missing —
 * no primary, no answer, the computing worker gone — falls back to computing locally. The primary
 * keeps the last few published results for a short while, so a worker whose first page after the
 * save comes once the rebuild is done takes the result instead of computing it again.
 */

import cluster from "node:cluster";
import { LRUCache } from "lru-cache";

/** Messages between a worker and the primary, marked so other IPC traffic is left alone. */
export type RebuildMessage =
  | { rebuild: "claim"; id: string }
  | { rebuild: "claimed"; id: string; go: boolean }
  | { rebuild: "publish"; id: string; value?: unknown; failed?: boolean }
  | { rebuild: "value"; id: string; value?: unknown; failed?: boolean };

const isRebuildMessage = (m: unknown): m is RebuildMessage => typeof m === "object" && m !== null && typeof (m as { rebuild?: unknown }).rebuild === "string";

/** How long a claim may go unpublished before its waiters are told to compute themselves. */
export const CLAIM_TTL_MS = 2_000;
/** How long a worker waits for the primary's answer to a claim, and then for the value. */
export const CLAIM_REPLY_MS = 100;
export const VALUE_WAIT_MS = 1_000;
/**
 * Published results the primary keeps for later claims, and for how long. A name carries the
 * counters it was computed at, so a kept result is never wrong, only useless once the counters
 * move on: a few, for a few seconds.
 */
export const PUBLISHED_KEPT = 16;
export const PUBLISHED_TTL_MS = 10_000;

/** The primary's side: who computes which rebuild, and who waits for it. */
export class ClaimBoard {
  private readonly claims = new Map<string, { owner: number; waiters: Set<number>; timer: NodeJS.Timeout }>();
  private readonly published: LRUCache<string, { value: unknown }>;

  constructor(
    private readonly send: (worker: number, message: RebuildMessage) => void,
    private readonly ttlMs = CLAIM_TTL_MS,
    keptMs = PUBLISHED_TTL_MS,
  ) {
    this.published = new LRUCache({ max: PUBLISHED_KEPT, ttl: keptMs });
  }

  /** A message from `worker`; false when it is not about rebuilds. */
  receive(worker: number, message: unknown): boolean {
    if (!isRebuildMessage(message)) return false;
    if (message.rebuild === "claim") {
      const kept = this.published.get(message.id);
      // The value alone answers the claim: one message, not two (a worker takes a value as "someone else computed it").
      if (kept) {
        this.send(worker, { rebuild: "value", id: message.id, value: kept.value });
        return true;
      }
      const claim = this.claims.get(message.id);
      if (claim && claim.owner !== worker) {
        claim.waiters.add(worker);
        this.send(worker, { rebuild: "claimed", id: message.id, go: false });
      } else {
        if (!claim) {
          const timer = setTimeout(() => this.settle(message.id, { failed: true }), this.ttlMs);
          timer.unref();
          this.claims.set(message.id, { owner: worker, waiters: new Set(), timer });
        }
        this.send(worker, { rebuild: "claimed", id: message.id, go: true });
      }
    } else if (message.rebuild === "publish" && this.claims.get(message.id)?.owner === worker) {
      this.settle(message.id, message.failed ? { failed: true } : { value: message.value });
    }
    return true;
  }

  /** A worker stopped: its claims fail over to their waiters, who compute themselves. */
  gone(worker: number): void {
    for (const [id, claim] of this.claims) {
      claim.waiters.delete(worker);
      if (claim.owner === worker) this.settle(id, { failed: true });
    }
  }

  /** Claims under way. */
  get size(): number {
    return this.claims.size;
  }

  /** Published results kept for later claims. */
  get kept(): number {
    return this.published.size;
  }

  private settle(id: string, result: { value?: unknown; failed?: boolean }): void {
    const claim = this.claims.get(id);
    if (!claim) return;
    clearTimeout(claim.timer);
    this.claims.delete(id);
    if (!result.failed) this.published.set(id, { value: result.value });
    for (const waiter of claim.waiters) this.send(waiter, { rebuild: "value", id, ...result });
  }
}

/** A worker's line to the primary. */
export interface RebuildChannel {
  send(message: RebuildMessage): void;
  onMessage(listener: (message: unknown) => void): void;
}

interface Pending {
  claimed?: (go: boolean) => void;
  value?: (result: { value?: unknown; failed?: boolean }) => void;
}

/** A worker's side of the board over `channel`. */
export function rebuildClient(channel: RebuildChannel) {
  const pending = new Map<string, Pending>();
  channel.onMessage((message) => {
    if (!isRebuildMessage(message)) return;
    const p = pending.get(message.id);
    if (message.rebuild === "claimed") p?.claimed?.(message.go);
    if (message.rebuild === "value") {
      p?.claimed?.(false);
      p?.value?.(message);
    }
  });
  const within = <T>(ms: number, register: (resolve: (v: T) => void) => void): Promise<T | undefined> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ms);
      timer.unref();
      register((v) => {
        clearTimeout(timer);
        resolve(v);
      });
    });

  /** Rebuilds this worker has under way: a second page needing the same one shares it. */
  const inflight = new Map<string, Promise<unknown>>();
  return function once<T>(id: string, compute: () => Promise<T>): Promise<T> {
    let running = inflight.get(id) as Promise<T> | undefined;
    if (!running) {
      inflight.set(id, (running = exchange(id, compute)));
      const done = () => void (inflight.get(id) === running && inflight.delete(id));
      running.then(done, done);
    }
    return running;
  };

  async function exchange<T>(id: string, compute: () => Promise<T>): Promise<T> {
    const p: Pending = {};
    pending.set(id, p);
    // The value is listened for from the claim on: the primary may send it right after its answer.
    const value = within<{ value?: unknown; failed?: boolean }>(CLAIM_REPLY_MS + VALUE_WAIT_MS, (resolve) => (p.value = resolve));
    const go = await within<boolean>(CLAIM_REPLY_MS, (resolve) => {
      p.claimed = resolve;
      channel.send({ rebuild: "claim", id });
    });
    if (go === false) {
      const result = await value;
      pending.delete(id);
      if (result && !result.failed) return deepFreeze(result.value) as T;
      return compute();
    }
    pending.delete(id);
    let result: T;
    try {
      result = await compute();
    } catch (error) {
      if (go) channel.send({ rebuild: "publish", id, failed: true });
      throw error;
    }
    if (go) {
      try {
        channel.send({ rebuild: "publish", id, value: result });
      } catch {
        // A value that cannot be cloned: the others compute for themselves; this page has its figures.
        channel.send({ rebuild: "publish", id, failed: true });
      }
    }
    return result;
  }
}

/** A value received from another process: shared between requests like the memo's own, so frozen. */
function deepFreeze(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    for (const v of value.values()) deepFreeze(v);
    return value;
  }
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}

const CLIENT = Symbol.for("baseline.rebuildClient");
const holder = globalThis as { [CLIENT]?: ReturnType<typeof rebuildClient> | null };

/**
 * `compute()` once across the cluster's workers for the rebuild named `id`: in a worker, through the
 * primary's board; in a single process (or a test), simply `compute()`.
 */
export function onceAcrossWorkers<T>(id: string, compute: () => Promise<T>): Promise<T> {
  if (holder[CLIENT] === undefined) {
    const send = process.send?.bind(process);
    // A closed channel (the primary stopping) is reported to the callback, not thrown: the worker then computes itself.
    holder[CLIENT] =
      send && cluster.isWorker
        ? rebuildClient({ send: (m) => void send(m, undefined, {}, () => {}), onMessage: (listener) => void process.on("message", listener) })
        : null;
  }
  const client = holder[CLIENT];
  return client ? client(id, compute) : compute();
}
