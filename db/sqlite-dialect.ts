import type Sqlite from "better-sqlite3";
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from "kysely";
import { LRUCache } from "lru-cache";
import { advanceHeadFile } from "./audit-seal";
import { noteTransactionBegun } from "./transactions-begun";

/** How many prepared statements a connection keeps (least recently used dropped first). */
const STATEMENT_CACHE = 512;

/**
 * The handle Kysely sees: better-sqlite3 with its prepared statements kept by SQL text.
 * Kysely prepares every query afresh; pages send the same few dozen statements on every request,
 * and preparing them again cost about a millisecond a page. A statement is only ever used by one
 * query at a time: Kysely's driver runs one query per connection at a time.
 */
function withStatementCache(sqlite: Sqlite.Database) {
  const statements = new LRUCache<string, Sqlite.Statement>({ max: STATEMENT_CACHE });
  return {
    close: () => sqlite.close(),
    prepare(sql: string): Sqlite.Statement {
      let statement = statements.get(sql);
      if (!statement) statements.set(sql, (statement = sqlite.prepare(sql)));
      return statement;
    },
  };
}

/**
 * Kysely's SQLite dialect with one fix. After SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY or
 * SQLITE_NOMEM inside a transaction SQLite has already rolled the transaction back itself; Kysely's
 * ROLLBACK then fails with "cannot rollback - no transaction is active" and that error replaces the
 * real one, so the user would read "Something went wrong" instead of "the disk is full".
 */
class AutoRollbackAwareDriver extends SqliteDriver {
  constructor(private readonly sqlite: Sqlite.Database) {
    super({ database: withStatementCache(sqlite) });
  }

  /**
   * BEGIN IMMEDIATE: a transaction takes the write lock when it starts, waiting (busy_timeout) for
   * a writer in another process. A deferred BEGIN reads first and then asks for the lock; if another
   * process committed meanwhile SQLite refuses at once with SQLITE_BUSY (the snapshot is stale), and
   * the user would see an error for a write that only had to wait (docs/decisions/028-workers.md).
   */
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    noteTransactionBegun();
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  /** After a commit that appended to the audit log, its head goes to the file beside the database (docs/decisions/017). */
  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await super.commitTransaction(connection);
    advanceHeadFile(this.sqlite);
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!this.sqlite.inTransaction) return;
    await super.rollbackTransaction(connection);
  }
}

export class BaselineSqliteDialect extends SqliteDialect {
  constructor(private readonly sqlite: Sqlite.Database) {
    super({ database: sqlite });
  }

  override createDriver(): Driver {
    return new AutoRollbackAwareDriver(this.sqlite);
  }
}
