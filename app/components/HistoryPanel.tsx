import { useId } from "react";
import { actionLabel, describeAuditChange, fieldLabel, formatAuditTime } from "~/domain/audit-diff";
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
}

export interface HistoryPanelProps {
  /** Newest first, e.g. `await historyOf(db, "award", [award.id])` from the loader. */
  rows: HistoryEntry[];
  /** Heading; default "History". */
  title?: string;
  /** Add a "Record" column (entity and id), for panels that mix several records (an award and its lines). */
  showRecord?: boolean;
}

/**
 * The "History" panel shown on award, budget line, assessment (and user) pages: when, who, what
 * action and which fields changed, from the tamper-evident audit trail.
 */
export function HistoryPanel({ rows, title = "History", showRecord = false }: HistoryPanelProps) {
  const id = useId();
  return (
    <section className="panel history" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {rows.length === 0 ? (
        <p className="empty">No recorded changes.</p>
      ) : (
        <ScrollTable>
          <thead>
            <tr>
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
                <td>
                  <time dateTime={r.at}>{formatAuditTime(r.at)}</time>
                </td>
                <td>{r.username ?? "system"}</td>
                <td>{actionLabel(r.action)}</td>
                {showRecord ? (
                  <td>
                    {r.entity} {r.entity_id}
                  </td>
                ) : null}
                <td>
                  <ChangeList beforeJson={r.before_json} afterJson={r.after_json} />
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </section>
  );
}

/** The changed fields of one audit row as "field: before → after" lines. */
export function ChangeList({ beforeJson, afterJson }: { beforeJson: string | null; afterJson: string | null }) {
  const changes = describeAuditChange(beforeJson, afterJson);
  if (changes.length === 0) return <span className="muted">no field changes</span>;
  return (
    <ul className="changes" style={{ margin: 0, paddingLeft: 16 }}>
      {changes.map((c) => (
        <li key={c.field}>
          <strong>{fieldLabel(c.field)}</strong>: {beforeJson ? <>{c.before} → </> : null}
          {c.after}
        </li>
      ))}
    </ul>
  );
}
