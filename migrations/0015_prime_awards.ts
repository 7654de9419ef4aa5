import { Kysely, sql } from "kysely";
import { isPostgres, pgRaise, pgTrigger, runAll } from "./engine";

/**
 * How money really reaches a center (docs/domain.md §3.7, docs/decisions/018-prime-and-sub-awards.md):
 *
 * 1. `prime_awards`: a federal award to a recipient (usually the State Administrative Agency), keyed by
 *    its FAIN, funding one or more programs (`prime_award_programs`). A prime is never a center's money.
 * 2. `awards` (a center's award) may name its prime (`prime_award_id`, then it is a sub-award) and the
 *    pass-through entity. Triggers refuse a sub-award whose program the prime does not fund, whose period
 *    lies outside the prime's, or that takes the live sub-awards of a prime over the prime's amount; the
 *    models check first with the figures (app/domain/subawards.ts), these make it impossible regardless.
 * 3. `centers.uei`: the 12-character SAM Unique Entity ID of the agency receiving the center's funds; the
 *    reconciliation finds a USAspending sub-award's center through it, so it is unique.
 * 4. Refunds and credits: a payment may be negative. The spending table is rebuilt without its
 *    `amount_cents >= 0` check (SQLite cannot drop a check); its indexes and triggers, whoever added them,
 *    are recreated from sqlite_master. New guards keep a line's and an award's spent at zero or above.
 * 5. `usaspending_subawards`: reference rows from a USAspending sub-award download, one per
 *    (prime FAIN, sub-award number), never awards.
 * 6. OPSG (Operation Stonegarden, HSGP): federal, DHS, the same rule parameters as SHSP.
 */

const ALPHANUM_UPPER = "'[A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9]'";

const SUBAWARD_GUARDS = (when: string, row: string) => [
  `CREATE TRIGGER awards_subaward_program_${when} AFTER ${when === "insert" ? "INSERT" : "UPDATE OF prime_award_id, program_code"} ON awards
     WHEN ${row}.prime_award_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM prime_award_programs WHERE prime_award_id = ${row}.prime_award_id AND program_code = ${row}.program_code) BEGIN
     SELECT RAISE(ABORT, 'BASELINE_SUBAWARD_PROGRAM: the prime award does not fund this program');
   END`,
  `CREATE TRIGGER awards_subaward_period_${when} AFTER ${when === "insert" ? "INSERT" : "UPDATE OF prime_award_id, pop_start, pop_end"} ON awards
     WHEN ${row}.prime_award_id IS NOT NULL AND EXISTS (
       SELECT 1 FROM prime_awards p WHERE p.id = ${row}.prime_award_id AND (${row}.pop_start < p.pop_start OR ${row}.pop_end > p.pop_end)) BEGIN
     SELECT RAISE(ABORT, 'BASELINE_SUBAWARD_PERIOD: the sub-award period lies outside the prime award''s');
   END`,
  `CREATE TRIGGER awards_overallocated_${when} AFTER ${when === "insert" ? "INSERT" : "UPDATE OF prime_award_id, amount_cents, voided_at"} ON awards
     WHEN ${row}.prime_award_id IS NOT NULL AND (
       SELECT coalesce(sum(a.amount_cents), 0) FROM awards a WHERE a.prime_award_id = ${row}.prime_award_id AND a.voided_at IS NULL
     ) > (SELECT amount_cents FROM prime_awards WHERE id = ${row}.prime_award_id) BEGIN
     SELECT RAISE(ABORT, 'BASELINE_OVERALLOCATED: the sub-awards would add up to more than the prime award');
   END`,
];

const GUARDS = [
  ...SUBAWARD_GUARDS("insert", "NEW"),
  ...SUBAWARD_GUARDS("update", "NEW"),
  `CREATE TRIGGER prime_awards_overallocated AFTER UPDATE OF amount_cents ON prime_awards
     WHEN (SELECT coalesce(sum(amount_cents), 0) FROM awards WHERE prime_award_id = NEW.id AND voided_at IS NULL) > NEW.amount_cents BEGIN
     SELECT RAISE(ABORT, 'BASELINE_OVERALLOCATED: the sub-awards would add up to more than the prime award');
   END`,
  `CREATE TRIGGER prime_awards_period AFTER UPDATE OF pop_start, pop_end ON prime_awards
     WHEN EXISTS (SELECT 1 FROM awards WHERE prime_award_id = NEW.id AND (pop_start < NEW.pop_start OR pop_end > NEW.pop_end)) BEGIN
     SELECT RAISE(ABORT, 'BASELINE_SUBAWARD_PERIOD: the sub-award period lies outside the prime award''s');
   END`,
  `CREATE TRIGGER prime_award_programs_in_use BEFORE DELETE ON prime_award_programs
     WHEN EXISTS (SELECT 1 FROM awards WHERE prime_award_id = OLD.prime_award_id AND program_code = OLD.program_code) BEGIN
     SELECT RAISE(ABORT, 'BASELINE_SUBAWARD_PROGRAM: the prime award does not fund this program');
   END`,
  // Refunds: spent may fall, never below zero (line and award; the award is the sum of its lines,
  // guarded on its own too as the last line of defence).
  `CREATE TRIGGER budget_lines_spent_negative AFTER UPDATE OF spent_cents ON budget_lines
     WHEN NEW.spent_cents < 0 BEGIN
     SELECT RAISE(ABORT, 'BASELINE_SPENT_NEGATIVE: spending on the budget line would fall below zero');
   END`,
  `CREATE TRIGGER awards_spent_negative AFTER UPDATE OF spent_cents ON awards
     WHEN NEW.spent_cents < 0 BEGIN
     SELECT RAISE(ABORT, 'BASELINE_SPENT_NEGATIVE: spending on the award would fall below zero');
   END`,
];

/** Rebuilds `spending` without the non-negative amount check, keeping its rows, ids, indexes and triggers. */
async function allowNegativeSpending(db: Kysely<any>): Promise<void> {
  const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'spending'`.execute(db);
  const ddl = table.rows[0]?.sql;
  if (!ddl) throw new Error("spending table not found");
  const CHECK = /\s*check \(amount_cents >= 0\)/i;
  if (!CHECK.test(ddl)) throw new Error(`spending.amount_cents check not found in: ${ddl}`);
  const newDdl = ddl.replace(CHECK, "").replace(/^CREATE TABLE "?spending"?/i, 'CREATE TABLE "spending_rebuilt"');
  const dependents = await sql<{ sql: string }>`select sql from sqlite_master
    where tbl_name = 'spending' and type in ('index', 'trigger') and sql is not null order by type, name`.execute(db);
  const seq = await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'spending'`.execute(db);
  await sql.raw(newDdl).execute(db);
  await sql`insert into spending_rebuilt select * from spending`.execute(db);
  // Triggers on other tables naming `spending` must not be rewritten or checked while it is briefly gone.
  await sql`pragma legacy_alter_table = on`.execute(db);
  await sql`drop table spending`.execute(db);
  await sql`alter table spending_rebuilt rename to spending`.execute(db);
  await sql`pragma legacy_alter_table = off`.execute(db);
  for (const d of dependents.rows) await sql.raw(d.sql).execute(db);
  const oldSeq = seq.rows[0]?.seq;
  if (oldSeq !== undefined) await sql`update sqlite_sequence set seq = max(seq, ${oldSeq}) where name = 'spending'`.execute(db);
}

/**
 * data_version (migrations/0007) bumps on `UPDATE OF` every awards column except the trigger-kept
 * summary columns; the list is rebuilt from the table so columns added here (and by any earlier
 * migration) are covered.
 */
async function refreshAwardsDataVersionTrigger(db: Kysely<any>): Promise<void> {
  const cols = await sql<{ name: string }>`select name from pragma_table_info('awards')`.execute(db);
  const of = cols.rows.map((c) => c.name).filter((c) => c !== "budgeted_cents" && c !== "spent_cents");
  await sql`drop trigger if exists data_version_awards_au`.execute(db);
  await sql
    .raw(`CREATE TRIGGER data_version_awards_au AFTER UPDATE OF ${of.join(", ")} ON awards BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END`)
    .execute(db);
}

const M = {
  program: "BASELINE_SUBAWARD_PROGRAM: the prime award does not fund this program",
  period: "BASELINE_SUBAWARD_PERIOD: the sub-award period lies outside the prime award's",
  overallocated: "BASELINE_OVERALLOCATED: the sub-awards would add up to more than the prime award",
};

/** The same guards as PL/pgSQL row triggers (docs/decisions/025-postgresql-engine.md). */
const PG_SUBAWARD_GUARDS = (when: "insert" | "update") => [
  ...pgTrigger({
    name: `awards_subaward_program_${when}`,
    table: "awards",
    on: when === "insert" ? "AFTER INSERT" : "AFTER UPDATE OF prime_award_id, program_code",
    when: "NEW.prime_award_id IS NOT NULL",
    body: `IF NOT EXISTS (SELECT 1 FROM prime_award_programs WHERE prime_award_id = NEW.prime_award_id AND program_code = NEW.program_code) THEN ${pgRaise(M.program)} END IF;`,
  }),
  ...pgTrigger({
    name: `awards_subaward_period_${when}`,
    table: "awards",
    on: when === "insert" ? "AFTER INSERT" : "AFTER UPDATE OF prime_award_id, pop_start, pop_end",
    when: "NEW.prime_award_id IS NOT NULL",
    body: `IF EXISTS (SELECT 1 FROM prime_awards p WHERE p.id = NEW.prime_award_id AND (NEW.pop_start < p.pop_start OR NEW.pop_end > p.pop_end)) THEN ${pgRaise(M.period)} END IF;`,
  }),
  ...pgTrigger({
    name: `awards_overallocated_${when}`,
    table: "awards",
    on: when === "insert" ? "AFTER INSERT" : "AFTER UPDATE OF prime_award_id, amount_cents, voided_at",
    when: "NEW.prime_award_id IS NOT NULL",
    body: `IF (SELECT coalesce(sum(a.amount_cents), 0) FROM awards a WHERE a.prime_award_id = NEW.prime_award_id AND a.voided_at IS NULL)
         > (SELECT amount_cents FROM prime_awards WHERE id = NEW.prime_award_id) THEN ${pgRaise(M.overallocated)} END IF;`,
  }),
];

const PG_GUARDS = [
  ...PG_SUBAWARD_GUARDS("insert"),
  ...PG_SUBAWARD_GUARDS("update"),
  ...pgTrigger({
    name: "prime_awards_overallocated",
    table: "prime_awards",
    on: "AFTER UPDATE OF amount_cents",
    body: `IF (SELECT coalesce(sum(amount_cents), 0) FROM awards WHERE prime_award_id = NEW.id AND voided_at IS NULL) > NEW.amount_cents THEN ${pgRaise(M.overallocated)} END IF;`,
  }),
  ...pgTrigger({
    name: "prime_awards_period",
    table: "prime_awards",
    on: "AFTER UPDATE OF pop_start, pop_end",
    body: `IF EXISTS (SELECT 1 FROM awards WHERE prime_award_id = NEW.id AND (pop_start < NEW.pop_start OR pop_end > NEW.pop_end)) THEN ${pgRaise(M.period)} END IF;`,
  }),
  ...pgTrigger({
    name: "prime_award_programs_in_use",
    table: "prime_award_programs",
    on: "BEFORE DELETE",
    body: `IF EXISTS (SELECT 1 FROM awards WHERE prime_award_id = OLD.prime_award_id AND program_code = OLD.program_code) THEN ${pgRaise(M.program)} END IF;`,
  }),
  ...pgTrigger({
    name: "budget_lines_spent_negative",
    table: "budget_lines",
    on: "AFTER UPDATE OF spent_cents",
    when: "NEW.spent_cents < 0",
    body: pgRaise("BASELINE_SPENT_NEGATIVE: spending on the budget line would fall below zero"),
  }),
  ...pgTrigger({
    name: "awards_spent_negative",
    table: "awards",
    on: "AFTER UPDATE OF spent_cents",
    when: "NEW.spent_cents < 0",
    body: pgRaise("BASELINE_SPENT_NEGATIVE: spending on the award would fall below zero"),
  }),
];

/** PostgreSQL drops a check in place; the awards data_version trigger is recreated from the table's columns. */
async function postgresChanges(db: Kysely<any>): Promise<void> {
  await sql`alter table spending drop constraint spending_amount_cents_check`.execute(db);
  const cols = await sql<{ name: string }>`select column_name as name from information_schema.columns
    where table_schema = current_schema() and table_name = 'awards' order by ordinal_position`.execute(db);
  const of = cols.rows.map((c) => c.name).filter((c) => c !== "budgeted_cents" && c !== "spent_cents");
  await sql`drop trigger if exists data_version_awards_au on awards`.execute(db);
  await sql.raw(`CREATE TRIGGER data_version_awards_au AFTER UPDATE OF ${of.join(", ")} ON awards FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()`).execute(db);
  await runAll(db, PG_GUARDS);
}

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = isPostgres(db);
  await db.schema
    .createTable("prime_awards")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("award_number", "text", (c) => c.notNull().unique())
    .addColumn("recipient", "text", (c) => c.notNull().check(sql`length(recipient) between 1 and 200`))
    .addColumn("state", "text", (c) => c.notNull().check(sql`length(state) = 2 and state = upper(state)`))
    .addColumn("fiscal_year", "integer", (c) => c.notNull().check(sql`fiscal_year between 2000 and 2100`))
    .addColumn("amount_cents", "integer", (c) => c.notNull().check(sql`amount_cents > 0`))
    .addColumn("pop_start", "text", (c) => c.notNull())
    .addColumn("pop_end", "text", (c) => c.notNull())
    .addColumn("assistance_listing", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("import_batch_id", "integer", (c) => c.references("import_batches.id"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addCheckConstraint("prime_awards_pop_order", sql`pop_start <= pop_end`)
    .execute();
  await db.schema.createIndex("prime_awards_state_year").on("prime_awards").columns(["state", "fiscal_year"]).execute();

  await db.schema
    .createTable("prime_award_programs")
    .addColumn("prime_award_id", "integer", (c) => c.notNull().references("prime_awards.id"))
    .addColumn("program_code", "text", (c) => c.notNull().references("programs.code"))
    .addPrimaryKeyConstraint("prime_award_programs_pk", ["prime_award_id", "program_code"])
    .execute();

  await db.schema.alterTable("awards").addColumn("prime_award_id", "integer", (c) => c.references("prime_awards.id")).execute();
  await db.schema
    .alterTable("awards")
    .addColumn("pass_through", "text", (c) => c.check(sql`pass_through is null or length(pass_through) between 1 and 200`))
    .execute();
  await db.schema.createIndex("awards_prime").on("awards").columns(["prime_award_id"]).where(sql.ref("prime_award_id"), "is not", null).execute();

  await db.schema
    .alterTable("centers")
    .addColumn("uei", "text", (c) => c.check(sql.raw(postgres ? `uei is null or uei ~ '^[A-Z0-9]{12}$'` : `uei is null or uei glob ${ALPHANUM_UPPER}`)))
    .execute();
  await db.schema.createIndex("centers_uei").unique().on("centers").column("uei").where(sql.ref("uei"), "is not", null).execute();

  await db.schema
    .createTable("usaspending_subawards")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("prime_award_fain", "text", (c) => c.notNull())
    .addColumn("prime_award_amount_cents", "integer")
    .addColumn("prime_awardee_name", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("prime_award_cfda", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("prime_pop_start", "text")
    .addColumn("prime_pop_end", "text")
    .addColumn("subaward_number", "text", (c) => c.notNull())
    .addColumn("subaward_amount_cents", "integer", (c) => c.notNull())
    .addColumn("subaward_action_date", "text", (c) => c.notNull())
    .addColumn("subawardee_uei", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("subawardee_name", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("subaward_description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("usaspending_permalink", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("import_batch_id", "integer", (c) => c.references("import_batches.id"))
    .addUniqueConstraint("usaspending_subawards_key", ["prime_award_fain", "subaward_number"])
    .execute();
  await db.schema.createIndex("usaspending_subawards_uei").on("usaspending_subawards").column("subawardee_uei").execute();

  await db
    .insertInto("programs")
    .values({
      code: "OPSG",
      name: "Operation Stonegarden (HSGP)",
      agency: "DHS",
      federal: 1,
      // The same rule parameters as SHSP until an administrator edits them (docs/domain.md §3.1).
      pop_months: 36,
      ma_cap_pct: 5,
      personnel_cap_pct: 50,
      match_pct: null,
      reports: "BSIR,SF-425,FINAL",
      sort_order: 3,
    })
    .execute();
  // Keep HSGP programs together in lists: SHSP 1, UASI 2, OPSG 3, then the others one later.
  await sql`update programs set sort_order = sort_order + 1 where code <> 'OPSG' and sort_order >= 3`.execute(db);

  if (postgres) return postgresChanges(db);
  await allowNegativeSpending(db);
  await refreshAwardsDataVersionTrigger(db);
  for (const statement of GUARDS) await sql.raw(statement).execute(db);
}

export async function down(): Promise<void> {
  throw new Error("forward-only");
}
