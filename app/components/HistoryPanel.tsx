import { useId, type ComponentPropsWithoutRef, type ReactNode } from "react";
import { actionLabel, describeAuditChange, entityLabel, formatAuditTime, type FieldChange } from "~/domain/audit-diff";
import { ScrollTable } from "./ScrollTable";

/** One audit row as `historyOf` (app/models/audit.server.ts) returns it; pass those rows straight through. */
export interface HistoryEntry {
  id: number;
  at: string;
  username: string | null;
  action: string;
  entity?: string;
  entity_id?: string;
  before_json: string | null;
  after_json: string | null;
  /** The record as users know it ("Budget line L-7 (Analyst), award …"), from describeAuditRows. */
  record?: string;
  /** Changed fields with labels and readable values, from describeAuditRows (ids already named). */
  changes?: FieldChange[];
}

export interface HistoryPanelProps {
  /** Newest first, e.g. `await historyOf(db, "award", [award.id])` from the loader. */
  rows: HistoryEntry[];
  /** Heading; default "History". */
  title?: string;
  /** Add a "Record" column, for panels that mix several records (an award and its lines). */
  showRecord?: boolean;
}

/** The record column's text: the described name, else the kind of record and its key. */
export function recordText(r: Pick<HistoryEntry, "record" | "entity" | "entity_id">): string {
  return r.record ?? `${r.entity ? entityLabel(r.entity) : ""} ${r.entity_id ?? ""}`.trim();
}

/**
 * The "History" panel shown on award, budget line, assessment (and user) pages: when, who, what
 * action and which fields changed, from the tamper-evident audit trail, labelled as on the audit log page.
 */
export function HistoryPanel({ rows, title = "History", showRecord = false }: HistoryPanelProps) {
  const id = useId();
  return (
    <section className="panel history" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {rows.length === 0 ? <p className="empty">No recorded changes.</p> : <AuditTable rows={rows} showRecord={showRecord} />}
    </section>
  );
}

export interface AuditTableProps extends ComponentPropsWithoutRef<"table"> {
  rows: HistoryEntry[];
  /** Add a "Record" column (the described record, see recordText). */
  showRecord?: boolean;
  /** Add a first "#" column with the audit row's number (the audit log page). */
  showId?: boolean;
  /** Text of a footer row across the whole table, such as a count. */
  footer?: ReactNode;
}

/**
 * Audit rows as a table: when, who, which action, (which record,) what changed. The History panels,
 * the audit log page and the award report all list audit rows with it, so they read alike.
 */
export function AuditTable({ rows, showRecord = false, showId = false, footer, children, ...table }: AuditTableProps) {
  return (
    <ScrollTable {...table}>
      {children}
      <thead>
        <tr>
          {showId ? (
            <th scope="col" className="num">
              #
            </th>
          ) : null}
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">Action</th>
          {showRecord ? <th scope="col">Record</th> : null}
          <th scope="col">What changed</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id}>
            {showId ? <td className="num">{r.id}</td> : null}
            <td>
              <time dateTime={r.at}>{formatAuditTime(r.at)}</time>
            </td>
            <td>{r.username ?? "system"}</td>
            <td>{actionLabel(r.action)}</td>
            {showRecord ? <td>{recordText(r)}</td> : null}
            <td>
              <ChangeList beforeJson={r.before_json} afterJson={r.after_json} changes={r.changes} />
            </td>
          </tr>
        ))}
      </tbody>
      {footer ? (
        <tfoot>
          <tr>
            <th scope="row" colSpan={4 + (showId ? 1 : 0) + (showRecord ? 1 : 0)}>
              {footer}
            </th>
          </tr>
        </tfoot>
      ) : null}
    </ScrollTable>
  );
}

/** The changed fields of one audit row as "Label: before → after" lines. */
export function ChangeList({ beforeJson, afterJson, changes }: { beforeJson: string | null; afterJson: string | null; changes?: FieldChange[] }) {
  const list = changes ?? describeAuditChange(beforeJson, afterJson);
  if (list.length === 0) return <span className="muted">no field changes</span>;
  return (
    <ul className="changes" style={{ margin: 0, paddingLeft: 16 }}>
      {list.map((c) => (
        <li key={c.field}>
          <strong>{c.label}</strong>: {beforeJson ? <>{c.before} → </> : null}
          {c.after}
        </li>
      ))}
    </ul>
  );
}
