import { Kysely, sql } from "kysely";

/** Grant lifecycle: reporting obligations, assessment sign-off, amendments, match, closed periods. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("reporting_obligations")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("award_id", "integer", (c) => c.notNull().references("awards.id"))
    .addColumn("report", "text", (c) => c.notNull().check(sql`report in ('BSIR', 'SF-425', 'PMT', 'FINAL')`))
    .addColumn("period_start", "text", (c) => c.notNull())
    .addColumn("period_end", "text", (c) => c.notNull())
    .addColumn("due", "text", (c) => c.notNull())
    .addColumn("submitted_on", "text")
    .addColumn("reference", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("submitted_by", "integer", (c) => c.references("users.id"))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint("reporting_obligations_key", ["award_id", "report", "period_start"])
    .execute();
  await db.schema.createIndex("reporting_obligations_due").on("reporting_obligations").columns(["due", "submitted_on"]).execute();

  await db.schema
    .createTable("assessment_reviews")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("center_id", "integer", (c) => c.notNull().references("centers.id"))
    .addColumn("fiscal_year", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) =>
      c.notNull().defaultTo("draft").check(sql`state in ('draft', 'submitted', 'validated', 'changes_requested')`),
    )
    .addColumn("submitted_by", "integer", (c) => c.references("users.id"))
    .addColumn("submitted_at", "text")
    .addColumn("reviewed_by", "integer", (c) => c.references("users.id"))
    .addColumn("reviewed_at", "text")
    .addColumn("note", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint("assessment_reviews_center_year", ["center_id", "fiscal_year"])
    .execute();

  await db.schema
    .createTable("amendments")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("award_id", "integer", (c) => c.notNull().references("awards.id"))
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("date", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("before_amount_cents", "integer", (c) => c.notNull())
    .addColumn("after_amount_cents", "integer", (c) => c.notNull().check(sql`after_amount_cents >= 0`))
    .addColumn("before_pop_start", "text", (c) => c.notNull())
    .addColumn("after_pop_start", "text", (c) => c.notNull())
    .addColumn("before_pop_end", "text", (c) => c.notNull())
    .addColumn("after_pop_end", "text", (c) => c.notNull())
    .addColumn("created_by", "integer", (c) => c.references("users.id"))
    .addUniqueConstraint("amendments_award_number", ["award_id", "number"])
    .execute();

  await db.schema
    .createTable("match_contributions")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("award_id", "integer", (c) => c.notNull().references("awards.id"))
    .addColumn("date", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('cash', 'in_kind')`))
    .addColumn("amount_cents", "integer", (c) => c.notNull().check(sql`amount_cents >= 0`))
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("voided_at", "text")
    .addColumn("void_reason", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("match_contributions_award").on("match_contributions").column("award_id").execute();

  await db.schema
    .createTable("closed_periods")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("award_id", "integer", (c) => c.notNull().references("awards.id"))
    .addColumn("period_start", "text", (c) => c.notNull())
    .addColumn("period_end", "text", (c) => c.notNull())
    .addColumn("closed_by", "integer", (c) => c.references("users.id"))
    .addColumn("closed_at", "text", (c) => c.notNull())
    .addColumn("reopened_by", "integer", (c) => c.references("users.id"))
    .addColumn("reopened_at", "text")
    .execute();
  await db.schema.createIndex("closed_periods_award").on("closed_periods").column("award_id").execute();
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
