import { open } from "../../db/client";
import { evaluateCompliance } from "../../app/domain/compliance";
import { loadComplianceData } from "../../app/models/compliance.server";
import { loadComplianceData as oldLoad } from "./compliance-old.server";
const { db, sqlite } = open(process.argv[2]);
if (process.argv[3] === "perturb") {
  // voids and edge cases
  sqlite.exec(`update spending set voided_at = '2025-01-01', void_reason = 'x' where id % 97 = 0`);
  sqlite.exec(`update budget_lines set voided_at = '2025-01-01', void_reason = 'x' where id % 211 = 0 and spent_cents = 0`);
  sqlite.exec(`update awards set voided_at = '2025-01-01', void_reason = 'x' where id % 53 = 0`);
  sqlite.exec(`update spending set amount_cents = 0 where id % 89 = 0`);
  sqlite.exec(`update spending set date = '2009-01-01' where id % 1013 = 0`);
}
const asOf = "2025-06-30";
const centers = (sqlite.prepare("select id from centers order by id").all() as any[]).map((c) => c.id);
let diffs = 0, total = 0;
const t = { old: 0, nu: 0 };
for (let fy = 2012; fy <= 2026; fy++) {
  for (const ids of [undefined, centers, [centers[5]], [centers[20]], centers.slice(10, 18), [centers[45]]]) {
    let a = performance.now();
    const o = evaluateCompliance(await oldLoad(db as any, { asOf, fiscalYear: fy, centerIds: ids }), { fiscalYear: fy });
    t.old += performance.now() - a; a = performance.now();
    const n = evaluateCompliance(await loadComplianceData(db, { asOf, fiscalYear: fy, centerIds: ids }), { fiscalYear: fy });
    t.nu += performance.now() - a;
    total += o.length;
    if (JSON.stringify(o) !== JSON.stringify(n)) { diffs++; console.log("DIFF fy", fy, ids?.length, o.length, n.length); }
  }
}
console.log({ diffs, total, t });
await db.destroy();
