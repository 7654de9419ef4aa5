import { useId, type ReactNode } from "react";

export interface ChartTable {
  columns: string[];
  rows: Array<Array<string | number>>;
  /** Optional totals row, shown in the table foot. */
  footer?: Array<string | number>;
}

/**
 * Every chart has an accessible name and the same figures as a table (the bar every change meets).
 * The SVG is hidden from screen readers; the table carries the figures.
 */
export function ChartFigure({ title, table, children, openTable = false }: { title: string; table: ChartTable; children: ReactNode; openTable?: boolean }) {
  const id = useId();
  return (
    <figure className="chart" role="group" aria-labelledby={id}>
      <figcaption id={id}>{title}</figcaption>
      <div role="img" aria-label={`${title} (chart; the same figures are in the table below)`} data-chart={title}>
        {children}
      </div>
      <details open={openTable}>
        <summary>Table: {title}</summary>
        <table>
          <thead>
            <tr>
              {table.columns.map((c, i) => (
                <th key={c} className={i > 0 ? "num" : undefined} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, ri) => (
              <tr key={ri}>
                {row.map((cell, ci) => (ci === 0 ? <th key={ci} scope="row">{cell}</th> : <td key={ci} className="num">{cell}</td>))}
              </tr>
            ))}
          </tbody>
          {table.footer ? (
            <tfoot>
              <tr>
                {table.footer.map((cell, ci) => (ci === 0 ? <th key={ci} scope="row">{cell}</th> : <td key={ci} className="num">{cell}</td>))}
              </tr>
            </tfoot>
          ) : null}
        </table>
      </details>
    </figure>
  );
}
