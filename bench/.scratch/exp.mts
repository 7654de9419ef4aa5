import Sqlite from "better-sqlite3";
const db = new Sqlite("/tmp/benchwork/exp.sqlite");
db.pragma("cache_size = -65536");
let t = performance.now();
db.exec(`create table if not exists line_spending_years (budget_line_id integer not null, fiscal_year integer not null, amount_cents integer not null, payments integer not null, primary key (budget_line_id, fiscal_year)) without rowid;
delete from line_spending_years;
insert into line_spending_years select budget_line_id, cast(substr(date,1,4) as integer) + (substr(date,6,2) >= '10'), sum(amount_cents), count(*) from spending where voided_at is null group by 1, 2;
create index if not exists line_spending_years_year on line_spending_years (fiscal_year, budget_line_id, amount_cents, payments);
create index if not exists spending_live_date on spending (date, budget_line_id, amount_cents) where voided_at is null;
`);
console.log("build", performance.now() - t, (db.prepare("select count(*) n from line_spending_years").get() as any).n);
const qs: Record<string, string> = {
  S_cov: `select bl.id, bl.line_id, bl.award_id, bl.capability_id, bl.cost_category, bl.amount_cents, sum(s.amount_cents) c
    from spending s join budget_lines bl on bl.id = s.budget_line_id join awards a on a.id = bl.award_id
    where s.voided_at is null and bl.voided_at is null and a.voided_at is null and s.date >= '2023-10-01' and s.date <= '2024-09-30' group by bl.id`,
  S_sum: `select bl.id, bl.line_id, bl.award_id, bl.capability_id, bl.cost_category, bl.amount_cents, y.amount_cents c
    from line_spending_years y join budget_lines bl on bl.id = y.budget_line_id join awards a on a.id = bl.award_id
    where y.fiscal_year = 2024 and y.payments > 0 and bl.voided_at is null and a.voided_at is null`,
  S_sum_cap: `select bl.id, bl.line_id, bl.award_id, bl.capability_id, bl.cost_category, bl.amount_cents, y.amount_cents c
    from line_spending_years y join budget_lines bl on bl.id = y.budget_line_id join awards a on a.id = bl.award_id
    where y.fiscal_year = 2024 and y.payments > 0 and bl.voided_at is null and a.voided_at is null and bl.capability_id is not null`,
  S_sum_center: `select bl.id, bl.line_id, bl.award_id, bl.capability_id, bl.cost_category, bl.amount_cents, y.amount_cents c
    from line_spending_years y join budget_lines bl on bl.id = y.budget_line_id join awards a on a.id = bl.award_id
    where y.fiscal_year = 2024 and y.payments > 0 and bl.voided_at is null and a.voided_at is null and a.center_id in (5,6,7,8,9,10,11,12)`,
};
for (const [k, q] of Object.entries(qs)) {
  console.log(k, (db.prepare("explain query plan " + q).all() as any[]).map((r) => r.detail).join(" | "));
  for (let i = 0; i < 3; i++) { const t = performance.now(); const c0 = process.cpuUsage(); const n = db.prepare(q).all().length; console.log("  ", n, (performance.now() - t).toFixed(1), "ms cpu", (process.cpuUsage(c0).user / 1000).toFixed(1)); }
}
