/**
 * Exports in the import formats (issue #8): the rows of one type as typed rows, in natural-key
 * order, voided rows (and rows under a voided award or line) left out, limited to the centers a
 * user may read, optionally to one center and one fiscal year. The CSV text comes from
 * app/domain/import/export.ts, so an export reads back through the importer unchanged.
 *
 * Rows are fetched 5,000 at a time by keyset (the natural key), so a national spending table
 * streams without being held in memory.
 */
import { stringify } from "csv-stringify/sync";
import { sql } from "kysely";
import type { Q } from "../../db/schema";
import type { CenterScope } from "../auth/permissions";
import {
  FORMATS,
  toCells,
  type AssessmentRow,
  type AwardRow,
  type BudgetLineRow,
  type CenterRow,
  type ImportType,
  type RowOf,
  type SpendingRow,
} from "../domain/import";
import { scoped } from "./centers.server";

export interface ExportFilter {
  scope: CenterScope;
  /** Awards, budget lines and spending by the award's fiscal year; assessments by their own. Ignored for centers. */
  fiscalYear?: number;
  centerId?: number;
}

const PAGE = 5000;

export function exportRows<T extends ImportType>(db: Q, type: T, filter: ExportFilter): AsyncGenerator<RowOf<T>> {
  const generators: { [K in ImportType]: () => AsyncGenerator<RowOf<K>> } = {
    centers: () => centerRows(db, filter),
    awards: () => awardRows(db, filter),
    budget_lines: () => lineRows(db, filter),
    spending: () => spendingRows(db, filter),
    assessments: () => assessmentRows(db, filter),
  };
  return generators[type]() as AsyncGenerator<RowOf<T>>;
}

/**
 * The CSV of one type as text chunks: the header row, then 500 rows per chunk. Pulled, not pushed:
 * nothing is read from the database until the consumer asks, and a consumer that stops early
 * (a closed download) stops the queries too.
 */
export async function* exportCsvChunks(db: Q, type: ImportType, filter: ExportFilter, opts: { bom?: boolean } = {}): AsyncGenerator<string> {
  yield (opts.bom ? "\uFEFF" : "") + stringify([[...FORMATS[type].columns]]);
  let batch: string[][] = [];
  for await (const row of exportRows(db, type, filter)) {
    batch.push(toCells(type, row));
    if (batch.length === 500) {
      yield stringify(batch);
      batch = [];
    }
  }
  if (batch.length > 0) yield stringify(batch);
}

/** The same chunks as a web stream, for a download Response. */
export function exportCsvBody(db: Q, type: ImportType, filter: ExportFilter, opts: { bom?: boolean } = {}): ReadableStream<Uint8Array> {
  const chunks = exportCsvChunks(db, type, filter, opts);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

async function* centerRows(db: Q, filter: ExportFilter): AsyncGenerator<CenterRow> {
  let after = "";
  for (;;) {
    let q = db.selectFrom("centers").select(["centers.code", "centers.name", "centers.state", "centers.kind"]).where("centers.code", ">", after);
    q = scoped(q, filter.scope);
    if (filter.centerId !== undefined) q = q.where("centers.id", "=", filter.centerId);
    const page = await q.orderBy("centers.code").limit(PAGE).execute();
    for (const r of page) yield { code: r.code, name: r.name, state: r.state, kind: r.kind };
    if (page.length < PAGE) return;
    after = page[page.length - 1].code;
  }
}

async function* awardRows(db: Q, filter: ExportFilter): AsyncGenerator<AwardRow> {
  let after = "";
  for (;;) {
    let q = db
      .selectFrom("awards")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select([
        "awards.award_number",
        "centers.code",
        "awards.program_code",
        "awards.fiscal_year",
        "awards.amount_cents",
        "awards.pop_start",
        "awards.pop_end",
      ])
      .where("awards.voided_at", "is", null)
      .where("awards.award_number", ">", after);
    q = scoped(q, filter.scope);
    if (filter.centerId !== undefined) q = q.where("awards.center_id", "=", filter.centerId);
    if (filter.fiscalYear !== undefined) q = q.where("awards.fiscal_year", "=", filter.fiscalYear);
    const page = await q.orderBy("awards.award_number").limit(PAGE).execute();
    for (const r of page) {
      yield {
        awardNumber: r.award_number,
        centerCode: r.code,
        programCode: r.program_code as AwardRow["programCode"],
        fiscalYear: r.fiscal_year,
        amountCents: r.amount_cents,
        popStart: r.pop_start,
        popEnd: r.pop_end,
      };
    }
    if (page.length < PAGE) return;
    after = page[page.length - 1].award_number;
  }
}

async function* lineRows(db: Q, filter: ExportFilter): AsyncGenerator<BudgetLineRow> {
  let after = "";
  for (;;) {
    let q = db
      .selectFrom("budget_lines")
      .innerJoin("awards", "awards.id", "budget_lines.award_id")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select([
        "budget_lines.line_id",
        "awards.award_number",
        "budget_lines.capability_id",
        "budget_lines.poete",
        "budget_lines.cost_category",
        "budget_lines.amount_cents",
        "budget_lines.description",
      ])
      .where("budget_lines.voided_at", "is", null)
      .where("awards.voided_at", "is", null)
      .where("budget_lines.line_id", ">", after);
    q = scoped(q, filter.scope);
    if (filter.centerId !== undefined) q = q.where("awards.center_id", "=", filter.centerId);
    if (filter.fiscalYear !== undefined) q = q.where("awards.fiscal_year", "=", filter.fiscalYear);
    const page = await q.orderBy("budget_lines.line_id").limit(PAGE).execute();
    for (const r of page) {
      yield {
        lineId: r.line_id,
        awardNumber: r.award_number,
        capabilityId: r.capability_id,
        poete: r.poete,
        costCategory: r.cost_category,
        amountCents: r.amount_cents,
        description: r.description,
      };
    }
    if (page.length < PAGE) return;
    after = page[page.length - 1].line_id;
  }
}

async function* spendingRows(db: Q, filter: ExportFilter): AsyncGenerator<SpendingRow> {
  let after = "";
  for (;;) {
    let q = db
      .selectFrom("spending")
      .innerJoin("budget_lines", "budget_lines.id", "spending.budget_line_id")
      .innerJoin("awards", "awards.id", "budget_lines.award_id")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select(["spending.spend_id", "budget_lines.line_id", "spending.date", "spending.amount_cents", "spending.description"])
      .where("spending.voided_at", "is", null)
      .where("budget_lines.voided_at", "is", null)
      .where("awards.voided_at", "is", null)
      .where("spending.spend_id", ">", after);
    q = scoped(q, filter.scope);
    if (filter.centerId !== undefined) q = q.where("awards.center_id", "=", filter.centerId);
    if (filter.fiscalYear !== undefined) q = q.where("awards.fiscal_year", "=", filter.fiscalYear);
    const page = await q.orderBy("spending.spend_id").limit(PAGE).execute();
    for (const r of page) {
      yield { spendId: r.spend_id, lineId: r.line_id, date: r.date, amountCents: r.amount_cents, description: r.description };
    }
    if (page.length < PAGE) return;
    after = page[page.length - 1].spend_id;
  }
}

async function* assessmentRows(db: Q, filter: ExportFilter): AsyncGenerator<AssessmentRow> {
  let after: [string, number, string] = ["", 0, ""];
  for (;;) {
    let q = db
      .selectFrom("assessments")
      .innerJoin("centers", "centers.id", "assessments.center_id")
      .select(["centers.code", "assessments.fiscal_year", "assessments.capability_id", "assessments.status", "assessments.evidence"])
      .where(sql<boolean>`(centers.code, assessments.fiscal_year, assessments.capability_id) > (${after[0]}, ${after[1]}, ${after[2]})`);
    q = scoped(q, filter.scope);
    if (filter.centerId !== undefined) q = q.where("assessments.center_id", "=", filter.centerId);
    if (filter.fiscalYear !== undefined) q = q.where("assessments.fiscal_year", "=", filter.fiscalYear);
    const page = await q.orderBy("centers.code").orderBy("assessments.fiscal_year").orderBy("assessments.capability_id").limit(PAGE).execute();
    for (const r of page) {
      yield { centerCode: r.code, fiscalYear: r.fiscal_year, capabilityId: r.capability_id, status: r.status, evidence: r.evidence };
    }
    if (page.length < PAGE) return;
    const last = page[page.length - 1];
    after = [last.code, last.fiscal_year, last.capability_id];
  }
}
