import { open } from "../../db/client";
import { migrateToLatest } from "../../db/migrate";
import * as m6 from "../../migrations/0006_perf_indexes";
import { loadDemo } from "../../app/demo/load.server";
import fs from "node:fs";
const f = "/tmp/benchwork/trig.sqlite"; for (const x of [f, f + "-wal", f + "-shm"]) fs.rmSync(x, { force: true });
const { db, sqlite } = open(f);
await migrateToLatest(db);
await loadDemo(db, { referenceDate: "2025-06-30" });
await m6.up(db);
const check = () => {
  const diff = sqlite.prepare(`select count(*) n from (
    select budget_line_id, fy, sum(c) sc, sum(p) sp from (
      select budget_line_id, (cast(substr(date,1,4) as integer) + case when substr(date,6,2) >= '10' then 1 else 0 end) fy, amount_cents c, 1 p from spending where voided_at is null
      union all select budget_line_id, fiscal_year, -amount_cents, -payments from line_spending_years) group by 1,2 having sc <> 0 or sp <> 0)`).get() as any;
  return diff.n;
};
console.log("after backfill mismatches", check(), sqlite.prepare("select count(*) n from line_spending_years").get());
const sp = sqlite.prepare("select id, budget_line_id, date, amount_cents from spending where voided_at is null order by id limit 5").all() as any[];
sqlite.prepare("insert into spending (spend_id, budget_line_id, date, amount_cents, created_at) values ('X1', ?, '2024-10-05', 0, 'now')").run(sp[0].budget_line_id);
sqlite.prepare("update spending set date = '2020-10-01' where id = ?").run(sp[1].id);
sqlite.prepare("update spending set voided_at = 'x', void_reason = 'r' where id = ?").run(sp[2].id);
sqlite.prepare("update spending set amount_cents = amount_cents - 1 where id = ?").run(sp[3].id);
sqlite.prepare("update spending set budget_line_id = ? where id = ?").run(sp[0].budget_line_id, sp[4].id);
sqlite.prepare("update spending set amount_cents = 1, voided_at = null, void_reason = null where id = ?").run(sp[2].id);
sqlite.prepare("delete from spending where id = ?").run(sp[1].id);
sqlite.prepare("update spending set description = 'zz' where id = ?").run(sp[3].id);
console.log("after edits mismatches", check());
await db.destroy();
