import { Kysely, sql } from "kysely";

/**
 * The core schema. Table and column names are a contract other tools read.
 * Money: INTEGER cents in `*_cents`; dates: ISO text; fiscal years: integers (federal).
 * Financial rows are never deleted: they carry `voided_at` and `void_reason`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("frameworks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("sort_order", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("capabilities")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("framework_id", "text", (c) => c.notNull().references("frameworks.id"))
    .addColumn("parent_id", "text", (c) => c.references("capabilities.id"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("privacy", "integer", (c) => c.notNull().defaultTo(0).check(sql`privacy in (0, 1)`))
    .addColumn("sort_order", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("import_batch_id", "integer")
    .execute();
  await db.schema.createIndex("capabilities_framework").on("capabilities").columns(["framework_id", "sort_order"]).execute();
  await db.schema.createIndex("capabilities_parent").on("capabilities").column("parent_id").execute();

  await db.schema
    .createTable("capability_links")
    .addColumn("from_id", "text", (c) => c.notNull().references("capabilities.id"))
    .addColumn("to_id", "text", (c) => c.notNull().references("capabilities.id"))
    .addColumn("note", "text", (c) => c.notNull().defaultTo(""))
    .addPrimaryKeyConstraint("capability_links_pk", ["from_id", "to_id"])
    .execute();
  await db.schema.createIndex("capability_links_to").on("capability_links").column("to_id").execute();

  await db.schema
    .createTable("centers")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("code", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().check(sql`length(state) = 2 and state = upper(state)`))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('state', 'urban_area')`))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("import_batch_id", "integer")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("centers_state").on("centers").columns(["state", "code"]).execute();

  await db.schema
    .createTable("programs")
    .addColumn("code", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("agency", "text", (c) => c.notNull().check(sql`agency in ('DHS', 'DOJ', 'STATE', 'LOCAL', 'OTHER')`))
    .addColumn("federal", "integer", (c) => c.notNull().check(sql`federal in (0, 1)`))
    .addColumn("pop_months", "integer", (c) => c.check(sql`pop_months is null or pop_months > 0`))
    .addColumn("ma_cap_pct", "integer", (c) => c.check(sql`ma_cap_pct is null or (ma_cap_pct >= 0 and ma_cap_pct <= 100)`))
    .addColumn("personnel_cap_pct", "integer", (c) =>
      c.check(sql`personnel_cap_pct is null or (personnel_cap_pct >= 0 and personnel_cap_pct <= 100)`),
    )
    .addColumn("match_pct", "integer", (c) => c.check(sql`match_pct is null or (match_pct >= 0 and match_pct <= 100)`))
    .addColumn("reports", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("sort_order", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable("import_batches")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("user_id", "integer")
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("rows_added", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("rows_changed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("rows_unchanged", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("awards")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("award_number", "text", (c) => c.notNull().unique())
    .addColumn("center_id", "integer", (c) => c.notNull().references("centers.id"))
    .addColumn("program_code", "text", (c) => c.notNull().references("programs.code"))
    .addColumn("fiscal_year", "integer", (c) => c.notNull().check(sql`fiscal_year between 2000 and 2100`))
    .addColumn("amount_cents", "integer", (c) => c.notNull().check(sql`amount_cents >= 0`))
    .addColumn("pop_start", "text", (c) => c.notNull())
    .addColumn("pop_end", "text", (c) => c.notNull())
    .addColumn("match_required_cents", "integer", (c) => c.notNull().defaultTo(0).check(sql`match_required_cents >= 0`))
    // Summary columns kept in step by triggers (migration 0003) inside the writing transaction.
    .addColumn("budgeted_cents", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("spent_cents", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("voided_at", "text")
    .addColumn("void_reason", "text")
    .addColumn("import_batch_id", "integer", (c) => c.references("import_batches.id"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addCheckConstraint("awards_pop_order", sql`pop_start <= pop_end`)
    .addCheckConstraint("awards_void_reason", sql`voided_at is null or void_reason is not null`)
    .execute();
  await db.schema.createIndex("awards_center_year").on("awards").columns(["center_id", "fiscal_year"]).execute();
  await db.schema.createIndex("awards_year_program").on("awards").columns(["fiscal_year", "program_code"]).execute();

  await db.schema
    .createTable("budget_lines")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("line_id", "text", (c) => c.notNull().unique())
    .addColumn("award_id", "integer", (c) => c.notNull().references("awards.id"))
    .addColumn("capability_id", "text", (c) => c.references("capabilities.id"))
    .addColumn("poete", "text", (c) =>
      c.notNull().check(sql`poete in ('planning', 'organization', 'equipment', 'training', 'exercises')`),
    )
    .addColumn("cost_category", "text", (c) =>
      c
        .notNull()
        .check(
          sql`cost_category in ('personnel', 'fringe', 'travel', 'equipment', 'supplies', 'contractual', 'other', 'indirect', 'ma')`,
        ),
    )
    .addColumn("amount_cents", "integer", (c) => c.notNull().check(sql`amount_cents >= 0`))
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("spent_cents", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("voided_at", "text")
    .addColumn("void_reason", "text")
    .addColumn("import_batch_id", "integer", (c) => c.references("import_batches.id"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addCheckConstraint("budget_lines_void_reason", sql`voided_at is null or void_reason is not null`)
    .execute();
  await db.schema.createIndex("budget_lines_award").on("budget_lines").column("award_id").execute();
  await db.schema.createIndex("budget_lines_capability").on("budget_lines").column("capability_id").execute();

  await db.schema
    .createTable("spending")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("spend_id", "text", (c) => c.notNull().unique())
    .addColumn("budget_line_id", "integer", (c) => c.notNull().references("budget_lines.id"))
    .addColumn("date", "text", (c) => c.notNull())
    .addColumn("amount_cents", "integer", (c) => c.notNull().check(sql`amount_cents >= 0`))
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("voided_at", "text")
    .addColumn("void_reason", "text")
    .addColumn("import_batch_id", "integer", (c) => c.references("import_batches.id"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addCheckConstraint("spending_void_reason", sql`voided_at is null or void_reason is not null`)
    .execute();
  await db.schema.createIndex("spending_line_date").on("spending").columns(["budget_line_id", "date"]).execute();
  await db.schema.createIndex("spending_date").on("spending").column("date").execute();

  await db.schema
    .createTable("assessments")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("center_id", "integer", (c) => c.notNull().references("centers.id"))
    .addColumn("fiscal_year", "integer", (c) => c.notNull().check(sql`fiscal_year between 2000 and 2100`))
    .addColumn("capability_id", "text", (c) => c.notNull().references("capabilities.id"))
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('achieved', 'partial', 'not_achieved', 'not_applicable')`),
    )
    .addColumn("evidence", "text", (c) => c.notNull().defaultTo("").check(sql`length(evidence) <= 4000`))
    .addColumn("est_cost_cents", "integer", (c) => c.check(sql`est_cost_cents is null or est_cost_cents >= 0`))
    .addColumn("updated_by", "integer")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("import_batch_id", "integer", (c) => c.references("import_batches.id"))
    .addUniqueConstraint("assessments_center_year_capability", ["center_id", "fiscal_year", "capability_id"])
    .execute();
  await db.schema.createIndex("assessments_year_capability").on("assessments").columns(["fiscal_year", "capability_id"]).execute();

  await db.schema
    .createTable("users")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("username", "text", (c) => c.notNull().unique())
    .addColumn("display_name", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('admin', 'director', 'auditor', 'state_official')`))
    .addColumn("center_id", "integer", (c) => c.references("centers.id"))
    // Comma-separated USPS codes for state officials, e.g. "VA,MD".
    .addColumn("states", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("active", "integer", (c) => c.notNull().defaultTo(1).check(sql`active in (0, 1)`))
    .addColumn("ics_token", "text")
    .addColumn("demo", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addCheckConstraint("users_director_center", sql`role <> 'director' or center_id is not null`)
    .execute();

  await db.schema
    .createTable("login_failures")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("username", "text", (c) => c.notNull())
    .addColumn("at_ms", "integer", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("login_failures_user").on("login_failures").columns(["username", "at_ms"]).execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("user_id", "integer")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("entity", "text", (c) => c.notNull())
    .addColumn("entity_id", "text", (c) => c.notNull())
    .addColumn("before_json", "text")
    .addColumn("after_json", "text")
    .addColumn("prev_hash", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("audit_log_entity").on("audit_log").columns(["entity", "entity_id"]).execute();
  await db.schema.createIndex("audit_log_user").on("audit_log").columns(["user_id", "at"]).execute();

  await db.schema
    .createTable("finding_responses")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("rule", "text", (c) => c.notNull())
    .addColumn("center_code", "text", (c) => c.notNull())
    .addColumn("award_number", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("fiscal_year", "integer", (c) => c.notNull())
    .addColumn("capability_id", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("response", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("disposition", "text", (c) =>
      c.notNull().defaultTo("open").check(sql`disposition in ('open', 'accepted', 'resolved')`),
    )
    .addColumn("auditor_note", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("updated_by", "integer")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint("finding_responses_key", ["rule", "center_code", "award_number", "fiscal_year", "capability_id"])
    .execute();

  await db.schema
    .createTable("plans")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("center_id", "integer", (c) => c.notNull().references("centers.id"))
    .addColumn("fiscal_year", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("draft").check(sql`status in ('draft', 'applied')`))
    .addColumn("notes", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("updated_by", "integer")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("plans_center_year", ["center_id", "fiscal_year"])
    .execute();

  await db.schema
    .createTable("plan_funding")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("plan_id", "integer", (c) => c.notNull().references("plans.id"))
    .addColumn("program_code", "text", (c) => c.notNull().references("programs.code"))
    .addColumn("amount_cents", "integer", (c) => c.notNull().check(sql`amount_cents >= 0`))
    .addUniqueConstraint("plan_funding_program", ["plan_id", "program_code"])
    .execute();

  await db.schema
    .createTable("plan_lines")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("plan_id", "integer", (c) => c.notNull().references("plans.id"))
    .addColumn("program_code", "text", (c) => c.notNull().references("programs.code"))
    .addColumn("capability_id", "text", (c) => c.references("capabilities.id"))
    .addColumn("poete", "text", (c) =>
      c.notNull().check(sql`poete in ('planning', 'organization', 'equipment', 'training', 'exercises')`),
    )
    .addColumn("cost_category", "text", (c) =>
      c
        .notNull()
        .check(
          sql`cost_category in ('personnel', 'fringe', 'travel', 'equipment', 'supplies', 'contractual', 'other', 'indirect', 'ma')`,
        ),
    )
    .addColumn("amount_cents", "integer", (c) => c.notNull().check(sql`amount_cents >= 0`))
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  await db.schema.createIndex("plan_lines_plan").on("plan_lines").column("plan_id").execute();

  await db.schema
    .createTable("app_settings")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  throw new Error("Baseline migrations are forward-only: restore a backup instead.");
}
