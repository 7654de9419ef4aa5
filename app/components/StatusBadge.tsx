import type { CenterYearStatus, Severity } from "~/domain/compliance";

/**
 * Compliance status per center and year: red = any violation, amber = warnings only,
 * green = no findings. The word is always shown, so the badge never relies on colour alone.
 */
export const STATUS_TEXT: Record<CenterYearStatus, string> = {
  red: "Red: violations",
  amber: "Amber: warnings only",
  green: "Green: no findings",
  not_assessed: "Not assessed: no assessment for the year",
};

export function StatusBadge({ status, fiscalYear }: { status: CenterYearStatus; fiscalYear?: number | null }) {
  const text = STATUS_TEXT[status];
  return (
    <span className={`badge ${status}`} title={fiscalYear ? `FY${fiscalYear} compliance` : "Compliance"}>
      {fiscalYear ? `FY${fiscalYear} compliance — ` : "Compliance — "}
      {text}
    </span>
  );
}

export const SEVERITY_TEXT: Record<Severity, string> = { violation: "Violation", warning: "Warning" };

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span className={`badge ${severity === "violation" ? "red" : "amber"}`}>{SEVERITY_TEXT[severity]}</span>;
}
