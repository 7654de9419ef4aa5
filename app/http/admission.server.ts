import type { NextFunction, Request, Response } from "express";

/**
 * Pages wait their turn; writes never wait behind them (docs/decisions/034-writes-first.md). A server
 * process draws a few pages at a time (`slots`); further page requests wait in arrival order, and a
 * request that changes data (any method but GET and HEAD) goes straight in. One event loop serves
 * both: without this, a director's save shared the process with every page in flight (16 readers on
 * two workers: eight each) and took its turn behind all of them.
 *
 * Only pages are held: GET paths with a file extension (static files, CSV, workbook and calendar
 * downloads, which can stream for a long time) and /healthz go straight in as well.
 */
export interface ReadGate {
  /** A place for one page: `ready` when it may be drawn, or null when `maxWaiting` already wait. */
  request(): { ready: Promise<void>; release: () => void } | null;
  /**
   * A write has begun: no further page starts until the returned function is called, or `holdMs`
   * has passed since the first of the writes in flight began (a long write, an upload's import, or a
   * stream of writes holds pages that long at most). Pages already being drawn go on.
   */
  write(holdMs: number): () => void;
  /** Pages being drawn and pages waiting, for tests and diagnostics. */
  readonly active: number;
  readonly waiting: number;
}

export function readGate(slots: number, maxWaiting: number): ReadGate {
  let active = 0;
  /** Places still waiting; a place given up stays in `queue` until its turn comes and is skipped. */
  let waiting = 0;
  /** Writes in flight, and until when they hold pages back (set by the first of them). */
  let writes = 0;
  let holdUntil = 0;
  let holdTimer: NodeJS.Timeout | undefined;
  const holding = () => writes > 0 && performance.now() < holdUntil;
  const queue: Array<{ admit: () => void; cancelled: boolean }> = [];
  const next = () => {
    while (!holding() && active < slots && queue.length > 0) {
      const entry = queue.shift()!;
      if (entry.cancelled) continue;
      waiting--;
      active++;
      entry.admit();
    }
  };
  return {
    request() {
      if ((active >= slots || waiting > 0) && waiting >= maxWaiting) return null;
      let admitted = false;
      let done = false;
      let ready: Promise<void>;
      let entry: { admit: () => void; cancelled: boolean } | undefined;
      if (active < slots && waiting === 0 && !holding()) {
        active++;
        admitted = true;
        ready = Promise.resolve();
      } else {
        let admit!: () => void;
        ready = new Promise<void>((resolve) => (admit = resolve));
        entry = {
          admit: () => {
            admitted = true;
            admit();
          },
          cancelled: false,
        };
        queue.push(entry);
        waiting++;
      }
      return {
        ready,
        release: () => {
          if (done) return;
          done = true;
          // Gone before its turn (the client hung up): its place is given up, no slot was taken.
          if (!admitted) {
            entry!.cancelled = true;
            waiting--;
            return;
          }
          active--;
          next();
        },
      };
    },
    write(holdMs) {
      if (writes++ === 0) {
        // Writes that overlap share the first one's hold: a stream of them cannot keep pages out.
        holdUntil = performance.now() + holdMs;
        holdTimer = setTimeout(next, holdMs + 1);
        holdTimer.unref();
      }
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        if (--writes === 0) clearTimeout(holdTimer);
        next();
      };
    },
    get active() {
      return active;
    },
    get waiting() {
      return waiting;
    },
  };
}

/** Pages a process draws at once: SQLite answers in the same thread, PostgreSQL's waits let a few more overlap. */
export const READ_SLOTS = { sqlite: 4, postgres: 8 } as const;
/** Pages that may wait in one process; beyond that a page is refused at once (503) rather than queued without end. */
export const MAX_WAITING_READS = 1000;

const isWrite = (req: Request) => req.method !== "GET" && req.method !== "HEAD";
const passesStraight = (req: Request) => isWrite(req) || req.path === "/healthz" || /\.[A-Za-z0-9]+$/.test(req.path);

/**
 * How long a write holds further pages back at most. A save's steps take turns with every page in
 * flight in its process; pages that arrive after it wait until it is answered, so it only waits for
 * those already being drawn. An upload or a sign-in that takes longer lets pages in again after this.
 */
export const WRITE_HOLD_MS = 100;

/**
 * How long a page keeps its slot at most. A page is drawn in tens of milliseconds; one still sending
 * after this is held by its reader (a client that reads slowly keeps a streamed response open), and
 * must not keep other pages out: it goes on, no longer counted.
 */
export const SLOT_LEASE_MS = 1000;

/**
 * Express middleware: pages through `gate`, everything else straight on; a write holds further pages
 * back until it is answered (`holdMs` at most). `busy` answers a page the queue cannot take.
 */
export function writesFirst(gate: ReadGate, busy: (req: Request, res: Response) => void, leaseMs = SLOT_LEASE_MS, holdMs = WRITE_HOLD_MS) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (isWrite(req)) res.once("close", gate.write(holdMs));
    if (passesStraight(req)) return next();
    const place = gate.request();
    if (!place) return busy(req, res);
    let lease: NodeJS.Timeout | undefined;
    // "close" comes when the response is sent or the client goes away, whichever is first.
    res.once("close", () => {
      clearTimeout(lease);
      place.release();
    });
    place.ready.then(() => {
      if (res.writableEnded || req.socket.destroyed) return place.release();
      lease = setTimeout(place.release, leaseMs).unref();
      next();
    });
  };
}
