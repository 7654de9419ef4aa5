/**
 * The import's multi-row INSERT (app/import/statements.server.ts `insertRows`, decision 047) on the engine the
 * suite runs on: any number of rows in one call, keys already present skipped and not counted, every value
 * back exactly as sent (text with quotes and commas, non-ASCII, NULL, integers up to 2^53 − 1).
 */
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { engineOf } from "../db/client";
import { statementsOn } from "~/import/statements.server";
import { useTestDatabase } from "./helpers/db";

const t = useTestDatabase();

/** Three columns a row: 25,000 rows are 75,000 values, more than one statement's 65,535 parameters. */
const ROWS = 25_000;

const noteOf = (i: number) => (i % 7 === 0 ? null : i % 5 === 0 ? `Réquisition «${i}», line "A", 'B'` : `Invoice ${i}, supplies`);
const amountOf = (i: number) => (i === ROWS - 1 ? Number.MAX_SAFE_INTEGER : i * 1_000_000_007 - 500_000_000_000);

describe("the import's multi-row insert", () => {
  it(`writes ${ROWS.toLocaleString("en-US")} rows in one call, skips the keys already there and keeps every value`, async () => {
    const integer = engineOf(t.db) === "postgres" ? "bigint" : "integer";
    await sql.raw(`create table bulk_probe (k text primary key, n ${integer}, note text)`).execute(t.db);
    // Four of the keys (K0, K250, K500, K750) exist already, with other values.
    for (let i = 0; i < 1000; i += 250) {
      await sql`insert into bulk_probe (k, n, note) values (${`K${i}`}, ${-1}, ${"kept"})`.execute(t.db);
    }
    const values: unknown[] = [];
    for (let i = 0; i < ROWS; i++) values.push(`K${i}`, amountOf(i), noteOf(i));

    const changes = await t.db.transaction().execute(async (trx) => {
      const insert = statementsOn(t.db, trx).insertRows(
        "bulk_probe",
        [
          ["k", "text"],
          ["n", "bigint"],
          ["note", "text"],
        ],
        "on conflict (k) do nothing",
      );
      return (await insert.run(values)).changes;
    });

    expect(changes).toBe(ROWS - 4);
    const rows = await sql<{ k: string; n: number; note: string | null }>`select k, n, note from bulk_probe`.execute(t.db);
    expect(rows.rows).toHaveLength(ROWS);
    const byKey = new Map(rows.rows.map((r) => [r.k, r]));
    for (let i = 0; i < ROWS; i++) {
      const row = byKey.get(`K${i}`)!;
      if (i < 1000 && i % 250 === 0) expect(row).toEqual({ k: `K${i}`, n: -1, note: "kept" });
      else expect(row).toEqual({ k: `K${i}`, n: amountOf(i), note: noteOf(i) });
    }
  });

  it("writes nothing and counts nothing for no rows", async () => {
    const changes = await t.db.transaction().execute(async (trx) =>
      (await statementsOn(t.db, trx).insertRows("bulk_probe", [["k", "text"]], "on conflict (k) do nothing").run([])).changes,
    );
    expect(changes).toBe(0);
  });
});
