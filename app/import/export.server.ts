/**
 * Exports in the import formats: the rows of one type (each type's exportRows, app/import/types/),
 * in natural-key order, voided rows (and rows under a voided award or line) left out, limited to
 * the centers a user may read, optionally to one center and one fiscal year. The cells come from
 * the type's definition too (csv.ts), so an export reads back through the importer unchanged.
 *
 * Rows are fetched 5,000 at a time by keyset (the natural key), so a national spending table
 * streams without being held in memory.
 */
import { stringify } from "csv-stringify/sync";
import type { Q } from "../../db/schema";
import { scoped } from "../models/centers.server";
import { toCells } from "./csv";
import { FORMATS } from "./formats";
import type { ExportFilter, ImportTypeDef } from "./handler";
import { REGISTRY, type ImportType, type RowOf } from "./registry";

export type { ExportFilter };

export function exportRows<T extends ImportType>(db: Q, type: T, filter: ExportFilter): AsyncGenerator<RowOf<T>> {
  const def = REGISTRY[type] as unknown as ImportTypeDef<RowOf<T>>;
  return def.exportRows({ db, filter, inScope: (qb) => scoped(qb, filter.scope) });
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
