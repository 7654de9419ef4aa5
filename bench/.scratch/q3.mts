import Sqlite from "better-sqlite3";
const db = new Sqlite(process.argv[2], { readonly: true });
db.pragma("cache_size = -65536");
const base = `select bl.line_id, bl.award_id, bl.capability_id, bl.cost_category, bl.amount_cents, a.award_number, a.fiscal_year, y.amount_cents c
    from line_spending_years y join budget_lines bl on bl.id = y.budget_line_id join awards a on a.id = bl.award_id join programs p on p.code = a.program_code
    where y.fiscal_year = 2024 and y.payments > 0 and bl.voided_at is null and a.voided_at is null `;
const qs = {
  plain: base + `and (a.fiscal_year = 2025 or (bl.capability_id is not null and p.federal = 1))`,
  exists: base + `and (a.fiscal_year = 2025 or (bl.capability_id is not null and p.federal = 1 and exists (select 1 from assessments s where s.center_id = a.center_id and s.fiscal_year = 2025 and s.capability_id = bl.capability_id and s.status = 'not_achieved')))`,
  count: `select count(*) from line_spending_years y where y.fiscal_year = 2024`,
  countbl: `select count(*) from line_spending_years y join budget_lines bl on bl.id = y.budget_line_id where y.fiscal_year = 2024`,
};
for (const [k, q] of Object.entries(qs)) {
  const ts: number[] = []; let rows = 0;
  for (let i = 0; i < 7; i++) { const c0 = process.cpuUsage(); rows = db.prepare(q).all().length; ts.push(process.cpuUsage(c0).user / 1000); }
  console.log(k, rows, ts.map((t) => t.toFixed(1)).join(" "));
}
