/**
 * Findings as CSV rows: one column layout for the report's export and the CLI, so both
 * print the same rows. Written by app/http/csv.server.ts toCsv/csvResponse, which escapes text
 * cells against spreadsheet formulas and writes `{ raw }` figures as they are.
 */
import type { Finding } from "./compliance";
import { centsToDecimal } from "./money";

export const FINDINGS_CSV_HEADER = ["rule", "severity", "center", "award", "fiscal_year", "capability", "amount", "message"];

type Cell = string | number | null | { raw: string };

/** Amount in dollars with two decimals (blank when the rule has no amount). */
export function findingRow(f: Finding): Cell[] {
  return [
    f.rule,
    f.severity,
    f.centerCode,
    f.awardNumber,
    f.fiscalYear,
    f.capabilityId,
    f.amountCents === null ? null : { raw: centsToDecimal(f.amountCents) },
    f.message,
  ];
}

export function findingsCsvRows(findings: readonly Finding[]): Cell[][] {
  return [FINDINGS_CSV_HEADER, ...findings.map(findingRow)];
}
