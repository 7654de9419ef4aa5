import type { Kysely, Transaction } from "kysely";
import type { Database, Q } from "./schema";

/**
 * Runs `fn` in the caller's transaction when `db` is one, else in a new transaction. A write that
 * may run alone or inside a larger one (a one-time form token, docs/decisions/015-form-tokens.md)
 * takes `Q` and comes through here: Kysely cannot open a transaction inside a transaction.
 */
export async function inTransaction<T>(db: Q, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<Database>) : (db as Kysely<Database>).transaction().execute(fn);
}
