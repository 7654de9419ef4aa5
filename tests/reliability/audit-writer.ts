/**
 * A second process writing the database (tests/reliability/audit-head-processes.test.ts): appends
 * COUNT audit rows, one transaction each, as a server worker saving forms does.
 * Usage: node --import tsx audit-writer.ts DATABASE COUNT
 */
import { recordAudit } from "../../app/models/audit.server";
import { open } from "../../db/client";

const [file, count] = process.argv.slice(2);
const { db } = open(file, { check: false });
for (let i = 0; i < Number(count); i++) {
  await recordAudit(db, { userId: null, action: "update", entity: "process_test", entityId: i, after: { pid: process.pid, i } });
}
await db.destroy();
