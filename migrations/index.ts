import type { Migration } from "kysely";
import * as m0001 from "./0001_core_schema";
import * as m0002 from "./0002_catalog_and_programs";
import * as m0003 from "./0003_triggers";
import * as m0004 from "./0004_lifecycle";
import * as m0005 from "./0005_closed_periods";
import * as m0006 from "./0006_perf_indexes";
import * as m0007 from "./0007_data_version";
import * as m0008 from "./0008_sessions_and_sign_in";
import * as m0010 from "./0010_pending_repairs";
import * as m0012 from "./0012_form_tokens";
import * as m0014 from "./0014_audit_keyed_chain";
import * as m0015 from "./0015_prime_awards";
import * as m0016 from "./0016_audit_seals";
import * as m0017 from "./0017_shared_import_state";
import * as m0018 from "./0018_api";
import * as m0019 from "./0019_center_versions";
import * as m0020 from "./0020_spending_statement_triggers";
import * as m0021 from "./0021_watch_responses_and_settings";
import * as m0022 from "./0022_open_obligations_by_award";
import * as m0023 from "./0023_responses_counter";
import * as m0024 from "./0024_center_core_versions";
import * as m0025 from "./0025_watch_assessment_reviews";

/**
 * In-code migration list (Kysely's FileMigrationProvider imports .ts at run time, which fails in the
 * server bundle and in vitest; see ../shared/reference/stack.md). Names sort in order.
 */
export const migrations: Record<string, Migration> = {
  "0001_core_schema": m0001,
  "0002_catalog_and_programs": m0002,
  "0003_triggers": m0003,
  "0004_lifecycle": m0004,
  "0005_closed_periods": m0005,
  "0006_perf_indexes": m0006,
  "0007_data_version": m0007,
  "0008_sessions_and_sign_in": m0008,
  "0010_pending_repairs": m0010,
  "0012_form_tokens": m0012,
  "0014_audit_keyed_chain": m0014,
  "0015_prime_awards": m0015,
  "0016_audit_seals": m0016,
  "0017_shared_import_state": m0017,
  "0018_api": m0018,
  "0019_center_versions": m0019,
  "0020_spending_statement_triggers": m0020,
  "0021_watch_responses_and_settings": m0021,
  "0022_open_obligations_by_award": m0022,
  "0023_responses_counter": m0023,
  "0024_center_core_versions": m0024,
  "0025_watch_assessment_reviews": m0025,
};
