import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/guard.server";
import { getDb } from "~/db.server";
import { actionLabel, changesText, entityLabel } from "~/domain/audit-diff";
import { csvResponse, type CsvCell } from "~/http/csv.server";
import { auditExportRows, countAudit, resolveAuditFilter } from "~/models/audit.server";
import { AUDIT_CSV_MAX_ROWS, parseAuditFilter } from "~/schemas/audit";

/**
 * /audit.csv: the audit log's entries for the same URL filters as the page, described the same way
 * (record names, labelled changes). Same readers as the page (docs/decisions/006-audit-log-access.md).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { can: "read-all" });
  const db = getDb();
  const parsed = parseAuditFilter(new URL(request.url).searchParams);
  const { filter, errors } = await resolveAuditFilter(db, parsed.filter);
  const problems = Object.values({ ...parsed.errors, ...errors });
  if (problems.length > 0) throw new Response(problems.join(" "), { status: 400 });
  if ((await countAudit(db, filter, AUDIT_CSV_MAX_ROWS)) > AUDIT_CSV_MAX_ROWS) {
    throw new Response(`More than ${AUDIT_CSV_MAX_ROWS.toLocaleString("en-US")} entries match; narrow the filters (a center, an award or a date range).`, { status: 400 });
  }
  const rows: CsvCell[][] = [["id", "at", "user", "action", "record_type", "record", "changes"]];
  for await (const r of auditExportRows(db, filter, AUDIT_CSV_MAX_ROWS)) {
    rows.push([r.id, r.at, r.username ?? "system", actionLabel(r.action), entityLabel(r.entity), r.record, changesText(r.changes, !r.before_json)]);
  }
  const name = ["audit-log", parsed.filter.centerCode, parsed.filter.awardNumber, parsed.filter.from, parsed.filter.to].filter(Boolean).join("-");
  return csvResponse(name, rows);
}
