import type { ColumnType, Generated, Insertable, Kysely, Selectable, Transaction, Updateable } from "kysely";

/** The typed view of the schema built by migrations/. Keep in step with every migration. */

import type { AssessmentStatus, Poete, CostCategory, Role, CenterKind, Agency, Disposition, ReportKind, ReviewState } from "../app/domain/vocabulary";
export type { AssessmentStatus, Poete, CostCategory, Role, CenterKind, Agency, Disposition, ReportKind, ReviewState };

export interface FrameworksTable {
  id: string;
  title: string;
  description: Generated<string>;
  sort_order: Generated<number>;
}

export interface CapabilitiesTable {
  id: string;
  framework_id: string;
  parent_id: string | null;
  title: string;
  description: Generated<string>;
  privacy: Generated<number>;
  sort_order: Generated<number>;
  import_batch_id: number | null;
}

export interface CapabilityLinksTable {
  from_id: string;
  to_id: string;
  note: Generated<string>;
}

export interface CentersTable {
  id: Generated<number>;
  code: string;
  name: string;
  state: string;
  kind: CenterKind;
  /** SAM Unique Entity ID (12 characters) of the agency receiving the center's funds (migrations/0015). */
  uei: ColumnType<string | null, string | null | undefined, string | null>;
  version: Generated<number>;
  import_batch_id: number | null;
  created_at: string;
}

export interface ProgramsTable {
  code: string;
  name: string;
  agency: Agency;
  federal: number;
  pop_months: number | null;
  ma_cap_pct: number | null;
  personnel_cap_pct: number | null;
  match_pct: number | null;
  reports: Generated<string>;
  sort_order: Generated<number>;
  version: Generated<number>;
}

export interface ImportBatchesTable {
  id: Generated<number>;
  at: string;
  user_id: number | null;
  type: string;
  file_name: string;
  sha256: string;
  rows_added: Generated<number>;
  rows_changed: Generated<number>;
  rows_unchanged: Generated<number>;
}

/** Money rows that are versioned, voided rather than deleted (voided_at, void_reason), and may come from an import. */
interface VoidableImportedRow {
  version: Generated<number>;
  voided_at: string | null;
  void_reason: string | null;
  import_batch_id: number | null;
  created_at: string;
}

export interface AwardsTable extends VoidableImportedRow {
  id: Generated<number>;
  award_number: string;
  center_id: number;
  program_code: string;
  fiscal_year: number;
  amount_cents: number;
  pop_start: string;
  pop_end: string;
  match_required_cents: Generated<number>;
  /** The prime award this award is a sub-award of (docs/decisions/018); null for a direct award. */
  prime_award_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** The pass-through entity that made the sub-award (usually the SAA). */
  pass_through: ColumnType<string | null, string | null | undefined, string | null>;
  /** Maintained by triggers: sum of live budget lines. */
  budgeted_cents: ColumnType<number, never, never>;
  /** Maintained by triggers: sum of live spending. */
  spent_cents: ColumnType<number, never, never>;
}

export interface BudgetLinesTable extends VoidableImportedRow {
  id: Generated<number>;
  line_id: string;
  award_id: number;
  capability_id: string | null;
  poete: Poete;
  cost_category: CostCategory;
  amount_cents: number;
  description: Generated<string>;
  /** Maintained by triggers: sum of live spending on this line. */
  spent_cents: ColumnType<number, never, never>;
}

export interface SpendingTable extends VoidableImportedRow {
  id: Generated<number>;
  spend_id: string;
  budget_line_id: number;
  date: string;
  amount_cents: number;
  description: Generated<string>;
}

export interface AssessmentsTable {
  id: Generated<number>;
  center_id: number;
  fiscal_year: number;
  capability_id: string;
  status: AssessmentStatus;
  evidence: Generated<string>;
  est_cost_cents: number | null;
  updated_by: number | null;
  updated_at: string;
  version: Generated<number>;
  import_batch_id: number | null;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  display_name: Generated<string>;
  role: Role;
  center_id: number | null;
  states: Generated<string>;
  password_hash: string;
  active: Generated<number>;
  ics_token: string | null;
  demo: Generated<number>;
  version: Generated<number>;
  created_at: string;
}

/** A failed sign-in: a keyed hash of the typed username, never the text (migrations/0008). */
export interface LoginFailuresTable {
  id: Generated<number>;
  username_hash: string;
  client_address: string;
  at_ms: number;
}

/** A signed-in browser; the cookie holds the id whose SHA-256 is token_hash (migrations/0008). */
export interface SessionsTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  created_at_ms: number;
  last_seen_ms: number;
  expires_at_ms: number;
  client_address: Generated<string>;
  user_agent: Generated<string>;
}

export interface AuditLogTable {
  id: number;
  at: string;
  user_id: number | null;
  action: string;
  entity: string;
  entity_id: string;
  before_json: string | null;
  after_json: string | null;
  prev_hash: string;
  hash: string;
}

export interface FindingResponsesTable {
  id: Generated<number>;
  rule: string;
  center_code: string;
  award_number: Generated<string>;
  fiscal_year: number;
  capability_id: Generated<string>;
  response: Generated<string>;
  disposition: Generated<Disposition>;
  auditor_note: Generated<string>;
  updated_by: number | null;
  updated_at: string;
  version: Generated<number>;
}

export interface PlansTable {
  id: Generated<number>;
  center_id: number;
  fiscal_year: number;
  status: Generated<"draft" | "applied">;
  notes: Generated<string>;
  version: Generated<number>;
  updated_by: number | null;
  updated_at: string;
}

export interface PlanFundingTable {
  id: Generated<number>;
  plan_id: number;
  program_code: string;
  amount_cents: number;
}

export interface PlanLinesTable {
  id: Generated<number>;
  plan_id: number;
  program_code: string;
  capability_id: string | null;
  poete: Poete;
  cost_category: CostCategory;
  amount_cents: number;
  description: Generated<string>;
}

/** One-time repairs a migration left pending for the start-up to run (migrations/0010). */
export interface PendingRepairsTable {
  name: string;
  recorded_at: string;
}

export interface AppSettingsTable {
  key: string;
  value: string;
}

export interface ReportingObligationsTable {
  id: Generated<number>;
  award_id: number;
  report: ReportKind;
  period_start: string;
  period_end: string;
  due: string;
  submitted_on: string | null;
  reference: Generated<string>;
  submitted_by: number | null;
  version: Generated<number>;
}

export interface AssessmentReviewsTable {
  id: Generated<number>;
  center_id: number;
  fiscal_year: number;
  state: Generated<ReviewState>;
  submitted_by: number | null;
  submitted_at: string | null;
  reviewed_by: number | null;
  reviewed_at: string | null;
  note: Generated<string>;
  version: Generated<number>;
}

export interface AmendmentsTable {
  id: Generated<number>;
  award_id: number;
  number: number;
  date: string;
  reason: string;
  before_amount_cents: number;
  after_amount_cents: number;
  before_pop_start: string;
  after_pop_start: string;
  before_pop_end: string;
  after_pop_end: string;
  created_by: number | null;
}

export interface MatchContributionsTable {
  id: Generated<number>;
  award_id: number;
  date: string;
  kind: "cash" | "in_kind";
  amount_cents: number;
  description: Generated<string>;
  version: Generated<number>;
  voided_at: string | null;
  void_reason: string | null;
  created_at: string;
}

export interface ClosedPeriodsTable {
  id: Generated<number>;
  award_id: number;
  period_start: string;
  period_end: string;
  closed_by: number | null;
  closed_at: string;
  reopened_by: number | null;
  reopened_at: string | null;
}

/** Live spending per budget line per federal fiscal year, kept by triggers (migrations/0006). */
export interface LineSpendingYearsTable {
  budget_line_id: number;
  fiscal_year: number;
  amount_cents: number;
  payments: number;
}

/** A federal award to a recipient (usually the SAA), never a center's money (migrations/0015). */
export interface PrimeAwardsTable {
  id: Generated<number>;
  award_number: string;
  recipient: string;
  state: string;
  fiscal_year: number;
  amount_cents: number;
  pop_start: string;
  pop_end: string;
  assistance_listing: Generated<string>;
  version: Generated<number>;
  import_batch_id: number | null;
  created_at: string;
}

export interface PrimeAwardProgramsTable {
  prime_award_id: number;
  program_code: string;
}

/** Reference rows from a USAspending sub-award download: one per (prime FAIN, sub-award number). */
export interface UsaspendingSubawardsTable {
  id: Generated<number>;
  prime_award_fain: string;
  prime_award_amount_cents: number | null;
  prime_awardee_name: Generated<string>;
  prime_award_cfda: Generated<string>;
  prime_pop_start: string | null;
  prime_pop_end: string | null;
  subaward_number: string;
  subaward_amount_cents: number;
  subaward_action_date: string;
  subawardee_uei: Generated<string>;
  subawardee_name: Generated<string>;
  subaward_description: Generated<string>;
  usaspending_permalink: Generated<string>;
  import_batch_id: number | null;
}

/** One row (id 1): bumped by triggers on every write the compliance engine reads (migrations/0007). */
export interface DataVersionTable {
  id: number;
  version: number;
}

/** A change counter per center, and row 0 for the tables every center reads (migrations/0019). */
export interface CenterVersionsTable {
  center_id: number;
  version: number;
  /** Moves as `version` does, except on writes to the center's budget lines and spending (migrations/0024). */
  core_version: Generated<number>;
}

/** One-time form tokens already used (migrations/0012_form_tokens.ts). */
export interface FormTokensTable {
  token: string;
  expires_at: string;
  /** Where the first submission was sent after its write, for the replay's answer. */
  location: string | null;
}

/** Seals of rows written in bulk, under the audit row of their batch (migrations/0016, docs/decisions/022). */
export interface AuditSealsTable {
  entity: string;
  entity_id: string;
  audit_id: number;
  /** 32 hex of HMAC over the row's sealed values, then 4 hex per sealed column to name the one that moved. */
  tags: string;
}

/** API bearer tokens (migrations/0018_api.ts, docs/decisions/023-api-tokens.md). */
export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** SHA-256 (hex) of the token; the token itself is shown once and never stored. */
  token_hash: string;
  created_at: string;
  created_by: number | null;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A write's Idempotency-Key and the answer it got (migrations/0018_api.ts). */
export interface IdempotencyKeysTable {
  id: Generated<number>;
  user_id: number;
  key: string;
  request_hash: string;
  created_at: string;
  /** null while the first request runs. */
  status: number | null;
  content_type: string | null;
  body: string | null;
}

/** An uploaded file waiting for its dry run and confirmation (migrations/0017_shared_import_state.ts). */
export interface ImportUploadsTable {
  token: string;
  user_id: number;
  path: string;
  file_name: string;
  size: number;
  sha256: string;
  type: string | null;
  expires_at_ms: number;
  commit_job_id: string | null;
}

/** One run of an import from the upload page, claimed by one server process at a time (docs/decisions/027). */
export interface ImportJobsTable {
  id: string;
  user_id: number;
  token: string;
  dry_run: number;
  allow_move: Generated<number>;
  file_name: string;
  status: "queued" | "running" | "done" | "failed";
  rows_read: Generated<number>;
  bytes_read: Generated<number>;
  total_bytes: number;
  created_at_ms: number;
  started_at_ms: number | null;
  elapsed_ms: Generated<number>;
  /** The runner's ImportResult as JSON, once done. */
  result: string | null;
  failure: string | null;
  errors_path: string;
  expires_at_ms: number;
  claimed_by: string | null;
  lease_until_ms: number | null;
}

export interface Database {
  frameworks: FrameworksTable;
  capabilities: CapabilitiesTable;
  capability_links: CapabilityLinksTable;
  centers: CentersTable;
  programs: ProgramsTable;
  import_batches: ImportBatchesTable;
  awards: AwardsTable;
  budget_lines: BudgetLinesTable;
  spending: SpendingTable;
  assessments: AssessmentsTable;
  users: UsersTable;
  login_failures: LoginFailuresTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  audit_seals: AuditSealsTable;
  finding_responses: FindingResponsesTable;
  plans: PlansTable;
  plan_funding: PlanFundingTable;
  plan_lines: PlanLinesTable;
  app_settings: AppSettingsTable;
  pending_repairs: PendingRepairsTable;
  reporting_obligations: ReportingObligationsTable;
  assessment_reviews: AssessmentReviewsTable;
  amendments: AmendmentsTable;
  match_contributions: MatchContributionsTable;
  closed_periods: ClosedPeriodsTable;
  line_spending_years: LineSpendingYearsTable;
  data_version: DataVersionTable;
  center_versions: CenterVersionsTable;
  form_tokens: FormTokensTable;
  prime_awards: PrimeAwardsTable;
  prime_award_programs: PrimeAwardProgramsTable;
  usaspending_subawards: UsaspendingSubawardsTable;
  api_tokens: ApiTokensTable;
  idempotency_keys: IdempotencyKeysTable;
  import_uploads: ImportUploadsTable;
  import_jobs: ImportJobsTable;
}

export type Center = Selectable<CentersTable>;
export type NewCenter = Insertable<CentersTable>;
export type Program = Selectable<ProgramsTable>;
export type Award = Selectable<AwardsTable>;
export type PrimeAward = Selectable<PrimeAwardsTable>;
export type NewAward = Insertable<AwardsTable>;
export type AwardUpdate = Updateable<AwardsTable>;
export type BudgetLine = Selectable<BudgetLinesTable>;
export type NewBudgetLine = Insertable<BudgetLinesTable>;
export type Spending = Selectable<SpendingTable>;
export type NewSpending = Insertable<SpendingTable>;
export type Assessment = Selectable<AssessmentsTable>;
export type Capability = Selectable<CapabilitiesTable>;
export type Framework = Selectable<FrameworksTable>;
export type User = Selectable<UsersTable>;
export type AuditRow = Selectable<AuditLogTable>;

/** A database handle models take first: the connection, or the transaction a write runs in. */
export type Q = Kysely<Database> | Transaction<Database>;

/** `list`, checked to name every column of T (a column added to the table and not to the list is a type error). */
function everyColumn<T>() {
  return <const L extends readonly (keyof T & string)[]>(list: L & ([Exclude<keyof T, L[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, L[number]> })) => list;
}

/** The columns every versioned, voidable, importable row has (VoidableImportedRow). */
const VOIDABLE_IMPORTED_COLUMNS = ["version", "voided_at", "void_reason", "import_batch_id", "created_at"] as const satisfies readonly (keyof VoidableImportedRow)[];

/**
 * Every column of awards and of budget_lines, by name, for the statements a save sends: a statement naming its
 * columns stays prepared on PostgreSQL, one selecting `*` is parsed and planned each time
 * (db/postgres-dialect.ts; docs/decisions/041-a-saved-centers-rebuild.md).
 */
export const AWARD_COLUMNS = everyColumn<AwardsTable>()([
  "id",
  "award_number",
  "center_id",
  "program_code",
  "fiscal_year",
  "amount_cents",
  "pop_start",
  "pop_end",
  "match_required_cents",
  "prime_award_id",
  "pass_through",
  "budgeted_cents",
  "spent_cents",
  ...VOIDABLE_IMPORTED_COLUMNS,
]);

export const BUDGET_LINE_COLUMNS = everyColumn<BudgetLinesTable>()([
  "id",
  "line_id",
  "award_id",
  "capability_id",
  "poete",
  "cost_category",
  "amount_cents",
  "description",
  "spent_cents",
  ...VOIDABLE_IMPORTED_COLUMNS,
]);
