import type { ReactNode } from "react";

/**
 * One key figure in a row of tiles (`<div className="tiles">`): the figure large, what it counts
 * below. The same on the dashboard, award, prime-award, match, plan, findings and import pages.
 */
export function FigureTile({ value, label, title }: { value: ReactNode; label: ReactNode; title?: string }) {
  return (
    <div className="tile">
      <div className="value" title={title}>
        {value}
      </div>
      <div className="label">{label}</div>
    </div>
  );
}
