// The vocabulary of grants and assessments: the values a status, category or kind may take.
// Pure types; db/schema.ts builds its tables from them (docs/decisions/020-layers.md).
export type AssessmentStatus = "achieved" | "partial" | "not_achieved" | "not_applicable";
export type Poete = "planning" | "organization" | "equipment" | "training" | "exercises";
export type CostCategory =
  | "personnel"
  | "fringe"
  | "travel"
  | "equipment"
  | "supplies"
  | "contractual"
  | "other"
  | "indirect"
  | "ma";
export type Role = "admin" | "director" | "auditor" | "state_official";
export type CenterKind = "state" | "urban_area";
export type Agency = "DHS" | "DOJ" | "STATE" | "LOCAL" | "OTHER";
export type Disposition = "open" | "accepted" | "resolved";
export type ReportKind = "BSIR" | "SF-425" | "PMT" | "FINAL";
export type ReviewState = "draft" | "submitted" | "validated" | "changes_requested";
