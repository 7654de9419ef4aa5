import pg from "pg";
import { openPostgres } from "../db/client";
import { migrateToLatest } from "../db/migrate";
import { runImport } from "../app/import/runner.server";

const server = "postgres://root@127.0.0.1:5432/postgres";
const name = `pgimport_exp_${process.pid}`;
const admin = async (q: string) => { const c = new pg.Client({ connectionString: server }); await c.connect(); await c.query(q); await c.end(); };
await admin(`create database ${name}`);
const db = openPostgres(`postgres://root@127.0.0.1:5432/${name}`);
try {
  await migrateToLatest(db);

  const awards = Number(process.argv[2] ?? 1);
  const LINES = 500;
  const c = await db.insertInto("centers").values({ code: "BIG", name: "Big", state: "TX", kind: "state", created_at: "2025-01-01" }).returning("id").executeTakeFirstOrThrow();
  for (let a = 0; a < awards; a++) {
    const aw = await db.insertInto("awards").values({ award_number: `BIG-${a}`, center_id: c.id, program_code: "SHSP", fiscal_year: 2024, amount_cents: 100000000000000, pop_start: "2023-09-01", pop_end: "2026-08-31", created_at: "2025-01-01" }).returning("id").executeTakeFirstOrThrow();
    const lines = Array.from({ length: LINES / awards }, (_, i) => ({ line_id: `L${a * (LINES / awards) + i}`, award_id: aw.id, poete: "equipment" as const, cost_category: "equipment" as const, amount_cents: 100000000000, created_at: "2025-01-01" }));
    await db.insertInto("budget_lines").values(lines).execute();
  }
  let start = 1;
  for (const n of (process.argv[3] ?? "10000,10000").split(",").map(Number)) {
    let text = "spend_id,line_id,date,amount,description\n";
    for (let i = start; i < start + n; i++) text += `P${i},L${i % LINES},2024-02-${String(1 + (i % 28)).padStart(2, "0")},${(i % 1000) + 1}.00,Invoice ${i}\n`;
    start += n;
    const t = performance.now();
    const r = await runImport(db, { fileName: "x.csv", buffer: Buffer.from(text) }, { type: "spending", dryRun: false, user: null });
    const ms = performance.now() - t;
    console.log(`${n} rows: ${ms.toFixed(0)} ms = ${Math.round(n / (ms / 1000))} rows/s committed=${r.committed} errors=${r.errorCount} ${r.errors[0]?.message ?? ""}`);
  }
  const lineIds = (await db.selectFrom("budget_lines").select("id").execute()).map((l) => l.id);
  const { sql } = await import("kysely");
  for (const n of [20000]) {
    const t = performance.now();
    await db.transaction().execute(async (trx) => {
      const plan = await sql<{ "QUERY PLAN": string }>`explain (analyze, format text) insert into spending (spend_id, budget_line_id, date, amount_cents, description, created_at) select 'R' || g, (array[${sql.raw(lineIds.join(","))}])[1 + g % ${lineIds.length}], '2024-02-03', 100, 'x', '2025' from generate_series(1, ${n}) g`.execute(trx);
      console.log(plan.rows.map((r) => r["QUERY PLAN"]).join("\n"));
      await sql`insert into spending (spend_id, budget_line_id, date, amount_cents, description, created_at) select 'Q' || g, (array[${sql.raw(lineIds.join(","))}])[1 + g % ${lineIds.length}], '2024-02-03', 100, 'x', '2025' from generate_series(1, ${n}) g`.execute(trx);
    });
    const ms = performance.now() - t;
    console.log(`set-based insert ${n}: ${ms.toFixed(0)} ms = ${Math.round(n / (ms / 1000))} rows/s`);
  }
} finally {
  await db.destroy();
  await admin(`drop database ${name} with (force)`);
}
