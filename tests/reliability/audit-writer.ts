/**
 * A second process writing the database (tests/reliability/audit-head-processes.test.ts,
 * audit-chain-processes.test.ts): appends COUNT audit rows, one transaction each, as a server
 * worker saving forms does. DATABASE is a SQLite file or a PostgreSQL URL.
 * Usage: node --import tsx audit-writer.ts DATABASE COUNT
 */
import { recordAudit } from "../../app/models/audit.server";
import { open, openPostgres } from "../../db/client";

const [file, count] = process.argv.slice(2);
// As harness.ts isPostgresRef, which runs only under vitest (it reads __dirname).
const db = /^postgres(ql)?:\/\//i.test(file) ? openPostgres(file) : open(file, { check: false }).db;
for (let i = 0; i < Number(count); i++) {
  await recordAudit(db, { userId: null, action: "update", entity: "process_test", entityId: i, after: { pid: process.pid, i } });
}
await db.destroy();
