/**
 * Every PostgreSQL transaction takes the writers' advisory lock first (docs/decisions/026-postgresql-writers.md), in the
 * same round trip as its BEGIN (docs/decisions/044-generic-plans-for-one-centers-rebuild.md). A pool
 * that records what it is sent stands in for the server; tests/postgres-prepared.test.ts checks the lock on a real one.
 */
import { Kysely, sql, type PostgresPoolClient } from "kysely";
import { describe, expect, it } from "vitest";
import { BaselinePostgresDialect, WRITER_LOCK } from "../../db/postgres-dialect";

function recording() {
  const sent: string[] = [];
  const client = {
    query: async (text: unknown) => {
      sent.push(typeof text === "string" ? text : (text as { text: string }).text);
      return { command: "SELECT" as const, rowCount: 0, rows: [] };
    },
    release: () => {},
  } as unknown as PostgresPoolClient; // the two calls Kysely makes, without a cursor
  const db = new Kysely<Record<string, never>>({ dialect: new BaselinePostgresDialect({ pool: { connect: async () => client, end: async () => {} } }) });
  return { db, sent };
}

describe("a PostgreSQL transaction's first round trip", () => {
  it("begins and takes the writers' lock in one message, before anything the transaction sends", async () => {
    const { db, sent } = recording();
    await db.transaction().execute((trx) => sql`select 1`.execute(trx));
    expect(sent).toEqual([`begin; select pg_advisory_xact_lock(${WRITER_LOCK})`, "select 1", "commit"]);
  });

  it("with an isolation level, begins as asked and then takes the lock", async () => {
    const { db, sent } = recording();
    await db
      .transaction()
      .setIsolationLevel("serializable")
      .execute((trx) => sql`select 1`.execute(trx));
    expect(sent).toEqual(["start transaction isolation level serializable", `select pg_advisory_xact_lock(${WRITER_LOCK})`, "select 1", "commit"]);
  });
});
