import { open } from "../../db/client";
import { findings } from "../../app/models/compliance.server";
const { db } = open(process.argv[2]);
for (const fy of [2016, 2020, 2025]) {
  const r = await findings(db, { asOf: "2025-06-30", fiscalYear: fy });
  const c: Record<string, number> = {};
  for (const f of r.findings) c[f.rule] = (c[f.rule] ?? 0) + 1;
  console.log(fy, c);
}
await db.destroy();
