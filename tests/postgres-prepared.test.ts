import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { PREPARED_PER_CONNECTION, withGenericPlans } from "../db/postgres-dialect";
import { loadDemo } from "~/demo/load.server";
import { getAwardByNumber } from "~/models/awards.server";
import { editBudgetLine } from "~/models/budget.server";
import { listResponses } from "~/models/findings.server";
import { perCenter } from "~/models/memo.server";
import { lineWithRoom } from "./helpers/grants";
import { freshDatabase, useTestDatabase } from "./helpers/db";
import { testingPostgres } from "./helpers/pg";

/**
 * Statements prepared once per connection on PostgreSQL (docs/decisions/037-shared-figures-and-prepared-statements.md).
 * A transaction holds one connection, so what it prepared shows in that session's pg_prepared_statements.
 */
describe.skipIf(!testingPostgres())("prepared statements (PostgreSQL only: needs a server)", () => {
  const t = useTestDatabase();
  const preparedIn = async (trx: typeof t.db) =>
    (await sql<{ statement: string }>`select statement from pg_prepared_statements order by statement`.execute(trx)).rows.map((r) => r.statement);

  it("prepares a statement with parameters once per connection and runs it again with other values", async () => {
    await t.db.transaction().execute(async (trx) => {
      const code = (id: number) => trx.selectFrom("programs").select(["code", "name"]).where("sort_order", ">=", id).orderBy("code").execute();
      const first = await code(0);
      const again = await code(1_000_000);
      expect(first.length).toBeGreaterThan(0);
      expect(again).toEqual([]);
      const prepared = await preparedIn(trx);
      expect(prepared.filter((s) => s.includes('from "programs"'))).toHaveLength(1);
    });
  });

  it("leaves statements with a `*` result unprepared: another process adding a column must not break them", async () => {
    await t.db.transaction().execute(async (trx) => {
      await trx.selectFrom("programs").selectAll().where("code", "=", "SHSP").execute();
      await trx.selectFrom("programs").select(["code"]).where("code", "=", "SHSP").execute();
      const prepared = (await preparedIn(trx)).filter((s) => s.includes('from "programs" where "code"'));
      expect(prepared).toHaveLength(1);
      expect(prepared[0]).toContain('select "code" from');
    });
  });

  it("prepares a count(*) (its result is one fixed column) and the findings' responses, which every dashboard reads", async () => {
    await t.db.transaction().execute(async (trx) => {
      const counted = await trx.selectFrom("programs").select((eb) => eb.fn.countAll<number>().as("n")).where("federal", "=", 1).executeTakeFirstOrThrow();
      expect(Number(counted.n)).toBeGreaterThan(0);
      await listResponses(trx, { fiscalYear: 2025 });
      const prepared = await preparedIn(trx);
      expect(prepared.filter((s) => s.includes("count(*)") && s.includes('from "programs"'))).toHaveLength(1);
      expect(prepared.filter((s) => s.includes('from "finding_responses"'))).toHaveLength(1);
    });
  });

  it("sends statements beyond a connection's limit unprepared, with the same answers", async () => {
    await t.db.transaction().execute(async (trx) => {
      // Texts that differ only in a literal are distinct statements.
      for (let i = 0; i < PREPARED_PER_CONNECTION + 5; i++) {
        const rows = await trx.selectFrom("programs").select(sql.lit(i).as("n")).where("code", "=", "SHSP").execute();
        expect(rows).toEqual([{ n: i }]);
      }
      expect((await preparedIn(trx)).length).toBeLessThanOrEqual(PREPARED_PER_CONNECTION);
    });
  });

  it("prepares every read of a budget line's save: the award with its context, then the award and the line in the transaction", async () => {
    // A database of its own: the test above fills its connection's statements to the limit.
    const own = freshDatabase();
    try {
      await loadDemo(own.db, { referenceDate: "2025-06-30" });
      const center = await own.db.selectFrom("centers").select("id").where("code", "=", "TX").executeTakeFirstOrThrow();
      const line = await lineWithRoom(own.db, center.id, 2025, 0);
      const admin = await own.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
      await own.db.transaction().execute(async (trx) => {
        expect((await preparedIn(trx)).length).toBeLessThan(PREPARED_PER_CONNECTION - 10);
        const award = (await getAwardByNumber(trx, line.award_number))!;
        expect(award.award_number).toBe(line.award_number);
        const input = { capabilityId: line.capability_id, poete: line.poete, costCategory: line.cost_category, amountCents: line.amount_cents, description: "prepared" };
        expect((await editBudgetLine(trx, admin.id, award.id, line.line_id, line.version, input)).ok).toBe(true);
        const prepared = await preparedIn(trx);
        // `select *` (or `"awards".*`) would be sent unprepared, parsed and planned on every save.
        expect(prepared.filter((s) => s.includes('from "awards" inner join "centers"') && s.includes('where "awards"."award_number" = $1'))).toHaveLength(1);
        expect(prepared.filter((s) => /from "awards" where "id" = \$1$/.test(s))).toHaveLength(1);
        expect(prepared.filter((s) => s.endsWith('from "budget_lines" where "line_id" = $1 and "award_id" = $2'))).toHaveLength(1);
      });
    } finally {
      await own.close();
    }
  });

  it("holds the writers' advisory lock from a transaction's first statement", async () => {
    const held = await t.db.transaction().execute(async (trx) =>
      Number((await sql<{ n: number }>`select count(*) as n from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and granted`.execute(trx)).rows[0].n),
    );
    expect(held).toBe(1);
  });

  const planMode = async (db: typeof t.db) => (await sql<{ mode: string }>`select current_setting('plan_cache_mode') as mode`.execute(db)).rows[0].mode;

  it("plans statements once for every parameter inside withGenericPlans, per call everywhere else", async () => {
    expect(await planMode(t.db)).toBe("auto");
    expect(await withGenericPlans(() => planMode(t.db))).toBe("force_generic_plan");
    expect(await t.db.transaction().execute((trx) => planMode(trx))).toBe("auto");
    // A generic plan answers like a custom one, for each value it is given.
    const statuses = (center: number) =>
      t.db.selectFrom("assessments").select(["capability_id", "status"]).where("center_id", "=", center).where("fiscal_year", "=", 2025).orderBy("capability_id").execute();
    const centers = (await t.db.selectFrom("centers").select("id").orderBy("id").limit(3).execute()).map((c) => c.id);
    for (const c of centers) expect(await withGenericPlans(() => statuses(c))).toEqual(await statuses(c));
  });

  it("rebuilds one center after a save to its rows on generic plans, and the whole network on plans for its values", async () => {
    const own = freshDatabase();
    try {
      await loadDemo(own.db, { referenceDate: "2025-06-30" });
      const all = (await own.db.selectFrom("centers").select("id").orderBy("id").execute()).map((c) => c.id);
      const modes: string[] = [];
      const figures = () =>
        perCenter(own.db, "plan-mode-test", null, all, async (stale) => {
          modes.push(`${stale.length}:${await planMode(own.db)}`);
          return new Map(stale.map((c) => [c, c]));
        });
      await figures();
      const tx = await own.db.selectFrom("centers").select("id").where("code", "=", "TX").executeTakeFirstOrThrow();
      const line = await lineWithRoom(own.db, tx.id, 2025, 0);
      const admin = await own.db.selectFrom("users").select("id").where("username", "=", "demo-admin").executeTakeFirstOrThrow();
      const input = { capabilityId: line.capability_id, poete: line.poete, costCategory: line.cost_category, amountCents: line.amount_cents, description: "generic plans" };
      expect((await editBudgetLine(own.db, admin.id, line.id, line.line_id, line.version, input)).ok).toBe(true);
      await figures();
      expect(modes).toEqual([`${all.length}:auto`, "1:force_generic_plan"]);
    } finally {
      await own.close();
    }
  });
});
