import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { ChangeList } from "~/components/HistoryPanel";
import { getDb } from "~/db.server";
import { actionLabel, formatAuditTime } from "~/domain/audit-diff";
import { listAudit } from "~/models/audit.server";
import { AUDIT_PAGE_SIZE, auditQuery, parseAuditFilter } from "~/schemas/audit";
import { ScrollTable } from "~/components/ScrollTable";

/**
 * The whole audit trail, for administrators and grant auditors only ("read-all"): it spans every
 * center and every user account. Directors and state officials see the History panels on the
 * records they may read instead (docs/decisions/006-audit-log-access.md).
 */
export const meta: MetaFunction = () => [{ title: "Audit log — Baseline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { can: "read-all" });
  const db = getDb();
  const { values, filter, page, errors } = parseAuditFilter(new URL(request.url).searchParams);
  const [rows, entities, users] = await Promise.all([
    // One row more than a page tells whether there is a next page without counting the whole log.
    listAudit(db, { ...filter, limit: AUDIT_PAGE_SIZE + 1, offset: (page - 1) * AUDIT_PAGE_SIZE }),
    db.selectFrom("audit_log").select("entity").distinct().orderBy("entity").execute(),
    db.selectFrom("users").select(["id", "username"]).orderBy("username").execute(),
  ]);
  return {
    rows: rows.slice(0, AUDIT_PAGE_SIZE),
    hasNext: rows.length > AUDIT_PAGE_SIZE,
    page,
    values,
    errors,
    entities: entities.map((e) => e.entity),
    users,
  };
}

export default function AuditLog() {
  const { rows, hasNext, page, values, errors, entities, users } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Audit log</h1>
      <p className="muted">
        Every change to grant, assessment, plan, finding and user data, newest first. Rows cannot be edited or deleted, and each
        row's hash covers the one before it: <code>npm run -s cli -- audit verify</code> checks the whole chain.
      </p>
      <Form method="get" className="filters" aria-label="Filter the audit log">
        <label>
          Record type
          <select name="entity" defaultValue={values.entity}>
            <option value="">All</option>
            {entities.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
        </label>
        <label>
          User
          <select name="user" defaultValue={values.user} aria-invalid={errors.user ? true : undefined} aria-describedby="user-error">
            <option value="">Everyone</option>
            {users.map((u) => (
              <option key={u.id} value={String(u.id)}>
                {u.username}
              </option>
            ))}
          </select>
          <span className="field-error" id="user-error">
            {errors.user}
          </span>
        </label>
        <label>
          From
          <input type="date" name="from" defaultValue={values.from} aria-invalid={errors.from ? true : undefined} aria-describedby="from-error" />
          <span className="field-error" id="from-error">
            {errors.from}
          </span>
        </label>
        <label>
          To
          <input type="date" name="to" defaultValue={values.to} aria-invalid={errors.to ? true : undefined} aria-describedby="to-error" />
          <span className="field-error" id="to-error">
            {errors.to}
          </span>
        </label>
        <button type="submit">Filter</button>
        <Link to="/audit">Clear</Link>
      </Form>

      {rows.length === 0 ? (
        <p className="empty">{page > 1 ? "No more rows." : "No audit rows match these filters."}</p>
      ) : (
        <ScrollTable>
          <caption>
            Page {page}: rows {(page - 1) * AUDIT_PAGE_SIZE + 1}–{(page - 1) * AUDIT_PAGE_SIZE + rows.length}
          </caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Record</th>
              <th scope="col">What changed</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td className="num">{r.id}</td>
                <td>
                  <time dateTime={r.at}>{formatAuditTime(r.at)}</time>
                </td>
                <td>{r.username ?? "system"}</td>
                <td>{actionLabel(r.action)}</td>
                <td>
                  {r.entity} <code>{r.entity_id}</code>
                </td>
                <td>
                  <ChangeList beforeJson={r.before_json} afterJson={r.after_json} />
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
      <nav className="actions" aria-label="Pages">
        {page > 1 ? (
          <Link to={`/audit${auditQuery(values, page - 1)}`} rel="prev">
            ← Newer
          </Link>
        ) : null}
        {hasNext ? (
          <Link to={`/audit${auditQuery(values, page + 1)}`} rel="next">
            Older →
          </Link>
        ) : null}
      </nav>
    </>
  );
}
