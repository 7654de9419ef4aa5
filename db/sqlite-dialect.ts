import type Sqlite from "better-sqlite3";
import { SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from "kysely";

/**
 * Kysely's SQLite dialect with one fix (issue #10). After SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY or
 * SQLITE_NOMEM inside a transaction SQLite has already rolled the transaction back itself; Kysely's
 * ROLLBACK then fails with "cannot rollback - no transaction is active" and that error replaces the
 * real one, so the user would read "Something went wrong" instead of "the disk is full".
 */
class AutoRollbackAwareDriver extends SqliteDriver {
  constructor(private readonly sqlite: Sqlite.Database) {
    super({ database: sqlite });
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
