import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import {
  CompiledQuery,
  PostgresDialect,
  PostgresDriver,
  type DatabaseConnection,
  type Driver,
  type PostgresDialectConfig,
  type PostgresPool,
  type PostgresPoolClient,
  type TransactionSettings,
} from "kysely";
import { LRUCache } from "lru-cache";
import { noteTransactionBegun } from "./transactions-begun";

/**
 * Any number, the same in every process: the key of the advisory lock that makes PostgreSQL
 * transactions write one at a time (docs/decisions/026-postgresql-writers.md).
 */
export const WRITER_LOCK = 0x0ba5e11e;
const LOCK = `select pg_advisory_xact_lock(${WRITER_LOCK})`;

/**
 * Kysely's PostgreSQL driver, with every transaction taking one transaction-level advisory lock as
 * its first statement. The audit chain needs one writer at its head at a time (a transaction reads
 * the last row and appends after it), the data_version counter and the summary columns are single
 * rows many writers touch; taking the lock first, always the same one, gives writers SQLite's order
 * (one after another, across every process and machine) without deadlocks. Reads outside
 * transactions never wait for it.
 */
class WriterLockDriver extends PostgresDriver {
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    noteTransactionBegun();
    if (settings.isolationLevel || settings.accessMode) {
      await super.beginTransaction(connection, settings);
      await connection.executeQuery(CompiledQuery.raw(LOCK));
    } else {
      // One round trip, not two: a query without parameters may hold several statements, run in order.
      await connection.executeQuery(CompiledQuery.raw(`begin; ${LOCK}`));
    }
  }
}

/** Distinct statements one connection keeps prepared at most; further ones are sent unprepared. */
export const PREPARED_PER_CONNECTION = 256;

/**
 * Statements worth preparing: reads and writes with parameters whose result has a fixed list of
 * columns. A `*` result is left out: after another process adds a column to its table, PostgreSQL
 * refuses to run the prepared statement again ("cached plan must not change result type"); `count(*)` is
 * not one.
 */
const preparable = (text: string, values: ReadonlyArray<unknown>) =>
  values.length > 0 && text.length <= 10_000 && /^\s*(select|insert|update|delete|with)\b/i.test(text) && !/(^|[\s,.])\*(\s|,|\)|$)/.test(text);

const statementNames = new LRUCache<string, string>({ max: 2048 });

/** The same name for the same text in every process and connection. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) statementNames.set(text, (name = `b_${createHash("sha256").update(text).digest("base64url").slice(0, 24)}`));
  return name;
}

/**
 * Code run inside `withGenericPlans` takes its connections from the pool whose sessions plan each prepared statement
 * once for every parameter (docs/decisions/044-generic-plans-for-one-centers-rebuild.md). Kept on globalThis: the
 * server's entry and the app are bundled apart.
 */
const GENERIC = Symbol.for("baseline.genericPlans");
const genericHolder = globalThis as { [GENERIC]?: AsyncLocalStorage<true> };
const genericPlans = (genericHolder[GENERIC] ??= new AsyncLocalStorage<true>());

/** `fn()` with its prepared statements planned once per connection for every parameter, not once per call. */
export function withGenericPlans<T>(fn: () => T): T {
  return genericPlans.run(true, fn);
}

/**
 * The pool with statements prepared once per connection (docs/decisions/037-shared-figures-and-prepared-statements.md):
 * PostgreSQL then skips parsing and planning each time, which halved its work for the pages' small
 * statements (about 110–230 µs of server time each unprepared, 55–85 µs prepared). PG_PREPARED_STATEMENTS=off
 * sends every statement unprepared, for a pooler in transaction mode that cannot keep them. `generic`, when given,
 * serves the connections asked for inside `withGenericPlans`.
 */
function preparedPool(pool: PostgresPool, generic?: PostgresPool): PostgresPool {
  if (process.env.PG_PREPARED_STATEMENTS === "off") return pool;
  const wrapped = new WeakMap<PostgresPoolClient, PostgresPoolClient>();
  const prepared = new WeakMap<PostgresPoolClient, Set<string>>();
  return {
    async connect() {
      const client = await (generic && genericPlans.getStore() ? generic : pool).connect();
      let w = wrapped.get(client);
      if (!w) {
        const names = new Set<string>();
        prepared.set(client, names);
        const query = ((text: unknown, values?: ReadonlyArray<unknown>) => {
          if (typeof text !== "string" || !values || !preparable(text, values)) return (client.query as (...a: unknown[]) => unknown)(text, values);
          const name = statementName(text);
          if (!names.has(name)) {
            if (names.size >= PREPARED_PER_CONNECTION) return client.query(text, values);
            names.add(name);
          }
          return (client.query as unknown as (q: object) => unknown)({ name, text, values: [...values] });
        }) as PostgresPoolClient["query"];
        // Kysely keeps one connection object per client, by identity: the same wrapper every time.
        w = { query, release: (destroy?: boolean) => client.release(destroy) };
        wrapped.set(client, w);
      }
      return w;
    },
    end: async () => {
      await Promise.all([pool.end(), generic?.end()]);
    },
  };
}

export class BaselinePostgresDialect extends PostgresDialect {
  /** `genericPlanPool`: connections whose sessions set plan_cache_mode = force_generic_plan (see `withGenericPlans`). */
  constructor(private readonly config: PostgresDialectConfig & { genericPlanPool?: PostgresPool }) {
    super(config);
    const { pool, genericPlanPool } = config;
    this.config = { ...config, pool: typeof pool === "function" ? async () => preparedPool(await pool(), genericPlanPool) : preparedPool(pool, genericPlanPool) };
  }

  override createDriver(): Driver {
    return new WriterLockDriver(this.config);
  }
}
