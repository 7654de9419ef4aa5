import { useId, type ReactNode } from "react";
import { StaticChart } from "./StaticChart";
import { ScrollTable } from "./ScrollTable";

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
export function ChartFigure({
  title,
  table,
  children,
  openTable = false,
  memoKey,
}: {
  title: string;
  table: ChartTable;
  children: ReactNode;
  openTable?: boolean;
  /** chartKey(...) of everything the SVG is drawn from: the server then draws it once per distinct key. */
  memoKey?: string;
}) {
  const id = useId();
  return (
    <figure className="chart" role="group" aria-labelledby={id}>
      <figcaption id={id}>{title}</figcaption>
      <div role="img" aria-label={`${title} (chart; the same figures are in the table below)`} data-chart={title}>
        <StaticChart memoKey={memoKey}>{children}</StaticChart>
      </div>
      <details open={openTable}>
        <summary>Table: {title}</summary>
        <ScrollTable>
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
        </ScrollTable>
      </details>
    </figure>
  );
}
