import { CompiledQuery, PostgresDialect, PostgresDriver, type DatabaseConnection, type Driver, type PostgresDialectConfig, type TransactionSettings } from "kysely";
import { noteTransactionBegun } from "./transactions-begun";

/**
 * Any number, the same in every process: the key of the advisory lock that makes PostgreSQL
 * transactions write one at a time (docs/decisions/026-postgresql-writers.md).
 */
export const WRITER_LOCK = 0x0ba5e11e;

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
    await super.beginTransaction(connection, settings);
    await connection.executeQuery(CompiledQuery.raw(`select pg_advisory_xact_lock(${WRITER_LOCK})`));
  }
}

export class BaselinePostgresDialect extends PostgresDialect {
  constructor(private readonly config: PostgresDialectConfig) {
    super(config);
  }

  override createDriver(): Driver {
    return new WriterLockDriver(this.config);
  }
}
