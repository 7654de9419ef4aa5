/**
 * What one import type is (docs/decisions/013-import-layout.md): a module in app/import/types/
 * exporting an ImportTypeDef, registered by one line in app/import/registry.ts. The definition
 * holds everything about the type: its columns, the rules of one row (a zod schema of the cell
 * rules in fields.ts), how a row is written back as cells (export), the handler that checks rows
 * against the database and writes them, and the rows an export lists.
 *
 * Handlers reach the database only through the context the runner gives them (runner.server.ts),
 * inside its transaction; the checks forms share come from app/domain/guards.ts.
 */
import type { Transaction } from "kysely";
import type { z } from "zod";
import type { Database, Q } from "../../db/schema";
import type { CenterScope, Principal } from "../domain/permissions";

export type MaybePromise<T> = T | Promise<T>;
export type Row = Record<string, unknown>;

/** A statement prepared for the row loop (app/import/statements.server.ts runs it on either engine). */
export interface Statement {
  /** `changes`: rows inserted, updated or deleted (an insert ON CONFLICT DO NOTHING that found its key: 0). */
  run(...params: unknown[]): MaybePromise<{ changes: number }>;
  get<T = Row>(...params: unknown[]): MaybePromise<T | undefined>;
  all<T = Row>(...params: unknown[]): MaybePromise<T[]>;
  /** Rows as arrays of their values, in select order. */
  values<T extends unknown[] = unknown[]>(...params: unknown[]): MaybePromise<T[]>;
  /** The first column of every row. */
  column<T = unknown>(...params: unknown[]): MaybePromise<T[]>;
}

/** A column of a multi-row INSERT, with the type PostgreSQL reads its values as. */
export type InsertColumn = readonly [name: string, type: "text" | "bigint"];

/** A multi-row INSERT prepared for the row loop: `run` writes the rows given as one flat list of values, row after row. */
export interface RowsInsert {
  run(values: readonly unknown[]): MaybePromise<{ changes: number }>;
}

/** A write the database may refuse: its value, or the constraint or guard error (nothing of the write stays). */
export type Refusable<V> = { ok: true; value: V } | { ok: false; error: Error };

export interface ImportTypeDef<R> {
  label: string;
  /** Every column, in the order exports write them. */
  columns: readonly string[];
  /** Columns that may be missing from the header or empty. */
  optional: readonly string[];
  /** Free-text columns: the only ones whose leading-apostrophe escape is undone on import. */
  text: readonly string[];
  /** Columns whose combined value must be unique within one file (the natural key). */
  key: readonly string[];
  /**
   * Columns Baseline does not use are ignored instead of refused (a file as a federal system exports it,
   * such as a USAspending download with about 110 columns).
   */
  ignoresUnknownColumns?: boolean;
  /** A header holding all these columns is this type, whatever else it holds. */
  detectBy?: readonly string[];
  /** What the upload page's column reference says of each column. */
  notes: Readonly<Record<string, string>>;
  /** Cell texts by column name → the typed row, or issues whose path names the column. */
  schema: z.ZodType<R, Record<string, string>>;
  /** A typed row as cell texts in `columns` order (not yet escaped for spreadsheets). */
  cells(row: R): string[];
  /** Checks rows against the database and writes them, inside the runner's transaction. */
  handler(ctx: ImportContext<R>): Promise<RowHandler<R>>;
  /** The rows an export lists, in natural-key order, within the filter's scope. */
  exportRows(ctx: ExportContext): AsyncGenerator<R>;
}

/** Row type of a definition. */
export type RowOfDef<D> = D extends ImportTypeDef<infer R> ? R : never;

export interface RowHandler<R> {
  /**
   * Checks and writes one row. A row that needs the database returns a promise (the runner awaits it
   * before the next row); a row that only joins a batch returns nothing, so SQLite's hot path costs no
   * promise per row.
   */
  row(row: R, rowNumber: number): MaybePromise<void>;
  /** Retries held-back rows once every other row is written, and brings along what follows from them. */
  finish(): void | Promise<void>;
}

export interface CenterEntry {
  id: number;
  code: string;
  name: string;
  state: string;
  kind: "state" | "urban_area";
}

export interface AwardEntry {
  id: number;
  awardNumber: string;
  centerId: number;
  program: string;
  fiscalYear: number;
  amountCents: number;
  popStart: string;
  popEnd: string;
  matchCents: number;
  /** Live budget lines of the award; a running total while budget lines are imported. */
  budgetedCents: number;
  voidedAt: string | null;
}

export interface LineEntry {
  id: number;
  lineId: string;
  awardId: number;
  amountCents: number;
  /** Live spending on the line; the import keeps it as a running total. */
  spentCents: number;
  voided: boolean;
}

export interface Lookup<E, K> {
  byKey: Map<K, E>;
  byId: Map<number, E>;
}

/** What the runner hands a type's handler: the transaction, the lookups and the tally of this file. */
export interface ImportContext<R> {
  trx: Transaction<Database>;
  /**
   * A statement prepared once for the row loop, on the transaction's own connection: `?` placeholders,
   * SQL both engines read; await its results (synchronous values on SQLite, promises on PostgreSQL).
   */
  prepare(sql: string): Statement;
  /** Rows to gather for one `insertRows` call on this engine. */
  batchRows(): number;
  /**
   * A multi-row INSERT into `table` of `columns`, `tail` after the rows (an ON CONFLICT clause): any number of rows a
   * call, in the engine's fastest form (statements.server.ts).
   */
  insertRows(table: string, columns: readonly InsertColumn[], tail: string): RowsInsert;
  batchId: number;
  now: string;
  /** null is the command-line operator (every right). */
  user: Principal | null;
  centers: Lookup<CenterEntry, string>;
  /** Loaded on first use and shared, so running totals stay in one place. */
  awards(): Promise<Lookup<AwardEntry, string>>;
  lines(): Promise<Lookup<LineEntry, string>>;
  capabilities(): Promise<Set<string>>;
  /** True when the user may write rows of that center. */
  mine(centerId: number): boolean;
  /**
   * The error for a record that does not exist — and, word for word, for a record of a center the
   * user may not write, so a refusal never tells one center anything of another's.
   */
  unknown(what: string, key: string, hint?: string): string;
  /** Runs one write; a database guard or constraint becomes an error on the row instead of ending the import. */
  attempt<V>(row: number, column: string, write: () => MaybePromise<V>): Promise<{ ok: true; value: V } | { ok: false }>;
  /** Runs a write a guard or constraint may refuse, without an error on any row (a batch the caller retries row by row). */
  refusable<V>(write: () => MaybePromise<V>): MaybePromise<Refusable<V>>;
  /** Brings the awards' reporting obligations in line with their periods, as every other way of writing an award does. */
  syncObligations(awardIds: readonly number[]): Promise<void>;
  error(row: number, column: string, message: string): void;
  /** Row errors so far (a handler compares before and after its checks). */
  readonly errorCount: number;
  added(row: number, value: R): void;
  changed(row: number, before: R, after: R): void;
  unchanged(): void;
  /**
   * An award the row would move to another center: listed in the result as a move. Outside a dry run it
   * is written only when the import was confirmed with moves allowed; false means the row must be refused.
   */
  moved(row: number, key: string, from: string, to: string): boolean;
}

export interface ExportFilter {
  scope: CenterScope;
  /** Awards, budget lines and spending by the award's fiscal year; assessments by their own. Ignored for centers. */
  fiscalYear?: number;
  centerId?: number;
}

export interface ExportContext {
  db: Q;
  filter: ExportFilter;
  /** Limits a query that joins `centers` to the centers the filter's scope may read. */
  inScope<QB extends { where: (...args: any[]) => QB }>(qb: QB): QB;
}

/** Rows an export fetches per query (keyset pages on the natural key). */
export const EXPORT_PAGE = 5000;

/** Rows held back for a second try at the end (see Deferred); past this they fail at once. */
const MAX_DEFERRED = 100_000;

/**
 * Limits are checked on the file's final state ("existing live rows not in the file + the file's
 * rows"): a row that would overrun its award or line at its place in the file is held back and
 * retried after the rest, when lines the file lowers have been lowered. `fits` and `apply` see the
 * running totals; rows are retried until a pass makes no progress, and what is left is reported
 * by `refuse` with the figures of the final state.
 */
export class Deferred<P> {
  private readonly pending: P[] = [];
  constructor(
    private readonly fits: (p: P) => boolean,
    private readonly apply: (p: P) => MaybePromise<void>,
    private readonly refuse: (p: P) => void,
  ) {}

  offer(p: P): MaybePromise<void> {
    if (this.fits(p)) return this.apply(p);
    if (this.pending.length < MAX_DEFERRED) this.pending.push(p);
    else this.refuse(p);
  }

  async finish(): Promise<void> {
    let left = this.pending.splice(0);
    for (let progress = true; progress && left.length > 0; ) {
      progress = false;
      const next: P[] = [];
      for (const p of left) {
        if (this.fits(p)) {
          await this.apply(p);
          progress = true;
        } else next.push(p);
      }
      left = next;
    }
    for (const p of left) this.refuse(p);
  }
}

/** "(did you mean TX-TFC?)" for a center code written in the wrong case. */
export function centerHint(centers: Lookup<CenterEntry, string>, code: string): string | undefined {
  const upper = code.toUpperCase();
  const near = [...centers.byKey.keys()].find((c) => c.toUpperCase() === upper);
  return near ? `(did you mean ${near}?)` : undefined;
}

export function unknownCapability(capabilities: Set<string>, id: string): string {
  const upper = id.toUpperCase();
  const near = [...capabilities].find((c) => c.toUpperCase() === upper);
  return `Unknown capability "${id}": not in the catalog${near ? ` (did you mean ${near}?)` : " (ids look like I.A, II.B, COC-2, EC-1)"}`;
}

export function voidedMessage(what: string, key: string, voidedAt: string, tail: string): string {
  return `${what} ${key} was voided on ${voidedAt.slice(0, 10)}; ${tail}`;
}

/** True for a constraint or guard error (CHECK, UNIQUE, FOREIGN KEY, a trigger's RAISE) on either engine. */
export { isConstraintError } from "../../db/errors";
