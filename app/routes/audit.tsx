import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { AuditTable } from "~/components/HistoryPanel";
import { getDb } from "~/db.server";
import { actionLabel, entityLabel } from "~/domain/audit-diff";
import { auditFilterOptions, listAudit, resolveAuditFilter } from "~/models/audit.server";
import { AUDIT_PAGE_SIZE, auditQuery, parseAuditFilter } from "~/schemas/audit";
import { FilterSelect, codeNameChoices } from "~/components/FilterSelect";

/**
 * The whole audit trail, for administrators and grant auditors only ("read-all"): it spans every
 * center and every user account. Directors and state officials see the History panels on the
 * records they may read instead (docs/decisions/006-audit-log-access.md).
 */
export const meta: MetaFunction = () => [{ title: "Audit log — Baseline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { can: "read-all" });
  const db = getDb();
  const parsed = parseAuditFilter(new URL(request.url).searchParams);
  const { filter, errors } = await resolveAuditFilter(db, parsed.filter);
  const page = parsed.page;
  const [rows, options] = await Promise.all([
    // One row more than a page tells whether there is a next page without counting the whole log.
    listAudit(db, { ...filter, limit: AUDIT_PAGE_SIZE + 1, offset: (page - 1) * AUDIT_PAGE_SIZE }),
    auditFilterOptions(db),
  ]);
  return {
    rows: rows.slice(0, AUDIT_PAGE_SIZE),
    hasNext: rows.length > AUDIT_PAGE_SIZE,
    page,
    values: parsed.values,
    errors: { ...parsed.errors, ...errors },
    ...options,
  };
}

function FieldError({ id, message }: { id: string; message?: string }) {
  return (
    <span className="field-error" id={id}>
      {message}
    </span>
  );
}

export default function AuditLog() {
  const { rows, hasNext, page, values, errors, entities, actions, users, centers } = useLoaderData<typeof loader>();
  const invalid = (field: keyof typeof errors) => (errors[field] ? true : undefined);
  return (
    <>
      <h1>Audit log</h1>
      <p className="muted">
        Every change to grant, assessment, plan, finding and user data, newest first. Rows cannot be edited or deleted, and each
        row's keyed hash covers the one before it: <code>npm run -s cli -- audit verify</code> checks the whole chain and every
        record against it.
      </p>
      <Form method="get" className="filters" aria-label="Filter the audit log">
        <FilterSelect
          label="Center"
          name="center"
          value={values.center}
          all="All centers"
          // A code that matches no center stays in the box, beside its error, so the user sees what was sent.
          choices={[...(values.center && !centers.some((c) => c.code === values.center.toUpperCase()) ? [values.center] : []), ...codeNameChoices(centers)]}
          aria-invalid={invalid("center")}
          aria-describedby="center-error"
        >
          <FieldError id="center-error" message={errors.center} />
        </FilterSelect>
        <label>
          Award number
          <input name="award" defaultValue={values.award} maxLength={100} aria-invalid={invalid("award")} aria-describedby="award-error" />
          <FieldError id="award-error" message={errors.award} />
        </label>
        <FilterSelect label="Record type" name="entity" value={values.entity} all="All" choices={entities.map((e) => ({ value: e, label: entityLabel(e) }))} />
        <FilterSelect label="Action" name="action" value={values.action} all="All" choices={actions.map((a) => ({ value: a, label: actionLabel(a) }))} />
        <FilterSelect
          label="User"
          name="user"
          value={values.user}
          all="Everyone"
          choices={users.map((u) => ({ value: String(u.id), label: u.username }))}
          aria-invalid={invalid("user")}
          aria-describedby="user-error"
        >
          <FieldError id="user-error" message={errors.user} />
        </FilterSelect>
        <label>
          From
          <input type="date" name="from" defaultValue={values.from} aria-invalid={invalid("from")} aria-describedby="from-error" />
          <FieldError id="from-error" message={errors.from} />
        </label>
        <label>
          To
          <input type="date" name="to" defaultValue={values.to} aria-invalid={invalid("to")} aria-describedby="to-error" />
          <FieldError id="to-error" message={errors.to} />
        </label>
        <button type="submit">Filter</button>
        <Link to="/audit">Clear</Link>
      </Form>
      <p className="actions">
        <a href={`/audit.csv${auditQuery(values, 1)}`} download>
          Download these entries (CSV)
        </a>
      </p>

      {rows.length === 0 ? (
        <p className="empty">{page > 1 ? "No more rows." : "No audit rows match these filters."}</p>
      ) : (
        <AuditTable rows={rows} showId showRecord>
          <caption>
            Page {page}: rows {(page - 1) * AUDIT_PAGE_SIZE + 1}–{(page - 1) * AUDIT_PAGE_SIZE + rows.length}
          </caption>
        </AuditTable>
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
