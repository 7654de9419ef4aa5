import Sqlite from "better-sqlite3";
const db = new Sqlite(process.argv[2], { readonly: true });
db.pragma("cache_size = -65536");
const qs: Record<string, string> = {
  S_all: `select bl.id, bl.line_id, bl.award_id, bl.capability_id, bl.cost_category, bl.amount_cents, sum(s.amount_cents) c
    from spending s join budget_lines bl on bl.id = s.budget_line_id join awards a on a.id = bl.award_id
    where s.voided_at is null and bl.voided_at is null and a.voided_at is null and s.date >= '2023-10-01' and s.date <= '2024-09-30' group by bl.id`,
  S_center: `select bl.id, bl.line_id, bl.award_id, bl.capability_id, bl.cost_category, bl.amount_cents, sum(s.amount_cents) c
    from spending s join budget_lines bl on bl.id = s.budget_line_id join awards a on a.id = bl.award_id
    where s.voided_at is null and bl.voided_at is null and a.voided_at is null and a.center_id in (5) and s.date >= '2023-10-01' and s.date <= '2024-09-30' group by bl.id`,
  outside_all: `select a.id, sum(case when s.date < a.pop_start then s.amount_cents else 0 end) b, sum(case when s.date > a.pop_end then s.amount_cents else 0 end) af
    from awards a join budget_lines bl on bl.award_id = a.id join spending s on s.budget_line_id = bl.id
    where a.voided_at is null and a.fiscal_year = 2025 and s.voided_at is null and (s.date < a.pop_start or s.date > a.pop_end) group by a.id`,
  lines_year: `select bl.line_id, a.award_number, bl.capability_id, bl.cost_category, bl.amount_cents from budget_lines bl join awards a on a.id = bl.award_id where bl.voided_at is null and a.voided_at is null and a.fiscal_year = 2025 order by bl.line_id`,
};
for (const [k, q] of Object.entries(qs)) {
  console.log(k, (db.prepare("explain query plan " + q).all() as any[]).map((r) => r.detail).join(" | "));
  for (let i = 0; i < 3; i++) { const t = performance.now(); const c0 = process.cpuUsage(); const n = db.prepare(q).all().length; console.log("  ", n, (performance.now() - t).toFixed(1), "ms cpu", (process.cpuUsage(c0).user / 1000).toFixed(1)); }
}
