import Sqlite from "better-sqlite3";
const db = new Sqlite(process.argv[2], { readonly: true });
db.pragma("cache_size = -65536");
const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 3).join(",");
const mk = (n: number, cross: boolean) => cross ? `select bl.line_id, bl.award_id, bl.capability_id, bl.cost_category, bl.amount_cents, a.award_number, a.fiscal_year, y.amount_cents c
    from awards a cross join budget_lines bl cross join line_spending_years y join programs p on p.code = a.program_code
    where bl.award_id = a.id and y.budget_line_id = bl.id and y.fiscal_year = 2024 and y.payments > 0 and bl.voided_at is null and a.voided_at is null and a.center_id in (${ids(n)})
    and (a.fiscal_year = 2025 or (bl.capability_id is not null and p.federal = 1))` :
  `select bl.line_id, bl.award_id, bl.capability_id, bl.cost_category, bl.amount_cents, a.award_number, a.fiscal_year, y.amount_cents c
    from line_spending_years y join budget_lines bl on bl.id = y.budget_line_id join awards a on a.id = bl.award_id join programs p on p.code = a.program_code
    where y.fiscal_year = 2024 and y.payments > 0 and bl.voided_at is null and a.voided_at is null ${n ? `and a.center_id in (${ids(n)})` : ""}
    and (a.fiscal_year = 2025 or (bl.capability_id is not null and p.federal = 1))`;
for (const [n, cross] of [[1, true], [1, false], [4, true], [4, false], [8, true], [8, false], [0, false]] as const) {
  const q = mk(n, cross);
  const plan = (db.prepare("explain query plan " + q).all() as any[]).map((r) => r.detail).join(" | ");
  const ts: number[] = []; let rows = 0;
  for (let i = 0; i < 5; i++) { const c0 = process.cpuUsage(); rows = db.prepare(q).all().length; ts.push(process.cpuUsage(c0).user / 1000); }
  console.log(n, cross, rows, "cpu ms", ts.map((t) => t.toFixed(1)).join(" "), "\n   ", plan);
}
