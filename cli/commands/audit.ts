import { verifyAuditChain } from "../../app/models/audit.server";
import type { Command } from "../command";

/** `audit verify`: recomputes the hash chain of audit_log (issue #6); exit 1 at the first broken row. */
export const auditVerify: Command = {
  name: "audit verify",
  summary: "Recompute the audit trail's hash chain: prints `ok N rows`, or the first broken row and exits 1",
  usage: "audit verify",
  async run({ db, out }) {
    const result = await verifyAuditChain(db);
    if (result.ok) {
      out.write(`ok ${result.rows} rows\n`);
      return 0;
    }
    out.write(`broken at row ${result.brokenId}: ${result.reason}\n`);
    return 1;
  },
};
