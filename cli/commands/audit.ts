import { headBeside, verifyAudit } from "../../app/models/audit-verify.server";
import type { Command } from "../command";

const n = (v: number) => v.toLocaleString("en-US");

/**
 * `audit verify`: the keyed hash chain, the head recorded beside the database, and every audited
 * record against its latest after-image or the seal of the batch that wrote it, and the totals kept by
 * triggers against their rows (docs/decisions/017-audit-key-and-head.md, 022-audit-seals.md); exit 1
 * at the first disagreement, named.
 */
export const auditVerify: Command = {
  name: "audit verify",
  summary: "Check the audit trail: its keyed hash chain, the head kept beside the database, and each audited record against the log; exit 1 at the first disagreement",
  usage: "audit verify",
  async run({ db, opened, out }) {
    // PostgreSQL keeps no head file (docs/decisions/026-postgresql-writers.md): the chain, its keyed-from
    // row's own MAC (db/audit-seal.ts) and the records are checked.
    const postgres = opened.engine === "postgres";
    const beside = postgres ? { head: null, where: "PostgreSQL" } : headBeside(opened.file);
    if ("problem" in beside && beside.problem) {
      out.write(`${beside.problem}\n`);
      return 1;
    }
    const result = await verifyAudit(db, { head: beside.head, where: beside.where, requireHead: !postgres, sealedKeyedFrom: postgres, sqlite: postgres ? undefined : opened.sqlite });
    if (!result.ok) {
      out.write(`${result.problem}\n`);
      return 1;
    }
    const r = result.records;
    const ahead = result.ahead > 0 ? ` (${n(result.ahead)} rows after it, written by a process that stopped before recording them)` : "";
    const head = postgres ? `none kept on PostgreSQL (no head file); the log ends at row ${result.chain.lastId}` : `row ${result.head?.last_id ?? 0} as recorded in ${beside.where}${ahead}`;
    out.write(
      `ok ${result.rows} rows\n` +
        `  head: ${head}\n` +
        `  records: ${n(r.checked)} match their latest after-image, ${n(r.sealed)} the seal of the batch that wrote them; ` +
        `${n(r.byBatch)} last written by an import from before seals (not compared); totals match their rows\n`,
    );
    return 0;
  },
};
