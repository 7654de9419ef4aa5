import { createHash } from "node:crypto";
import { parse } from "csv-parse/sync";
import type { Kysely } from "kysely";
import type { Database, Q } from "../../db/schema";
import { recordAudit } from "./audit.server";
import { perShared } from "./memo.server";

export async function listFrameworks(db: Q) {
  return db.selectFrom("frameworks").selectAll().orderBy("sort_order").execute();
}

/** The whole catalog in framework and tree order (a few hundred rows at most). */
export async function listCapabilities(db: Q) {
  return db
    .selectFrom("capabilities")
    .innerJoin("frameworks", "frameworks.id", "capabilities.framework_id")
    .select([
      "capabilities.id",
      "capabilities.framework_id",
      "capabilities.parent_id",
      "capabilities.title",
      "capabilities.description",
      "capabilities.privacy",
      "capabilities.sort_order",
    ])
    .orderBy("frameworks.sort_order")
    .orderBy("capabilities.sort_order")
    .orderBy("capabilities.id")
    .execute();
}

/**
 * The capability catalog as `listCapabilities` reads it, remembered while the shared counter holds
 * (memo.server.ts `perShared`): for read models rebuilt after a write to one center. Frozen, shared.
 */
export function rememberedCapabilities(db: Q): Promise<ReadonlyArray<Readonly<Awaited<ReturnType<typeof listCapabilities>>[number]>>> {
  return perShared(db, "capabilities", null, async () => Object.freeze((await listCapabilities(db)).map((c) => Object.freeze(c))));
}

export async function listLinks(db: Q) {
  return db.selectFrom("capability_links").selectAll().orderBy("from_id").orderBy("to_id").execute();
}

export type CatalogImportResult =
  | { ok: true; added: number; changed: number; unchanged: number }
  | { ok: false; errors: Array<{ row: number; column: string; message: string }> };

const COLUMNS = ["framework", "id", "parent", "title", "description", "privacy"];
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9.-]{0,39}$/;

function parseFlag(text: string): 0 | 1 | null {
  const t = text.trim().toLowerCase();
  if (["", "0", "false", "no", "n"].includes(t)) return 0;
  if (["1", "true", "yes", "y"].includes(t)) return 1;
  return null;
}

/**
 * `cli catalog import`: adds or updates catalog items (framework,id,parent,title,description,privacy),
 * e.g. the numbered items I.A.1 … of the 2008 document. All or nothing; one audit row for the batch.
 * Items under an area inherit the area's links (resolved when links are read, not copied).
 */
export async function importCatalogCsv(db: Kysely<Database>, file: Buffer, who: { userId: number | null; fileName: string }): Promise<CatalogImportResult> {
  let records: string[][];
  try {
    records = parse(file, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: false });
  } catch (error) {
    return { ok: false, errors: [{ row: 0, column: "", message: `Not a readable CSV file: ${(error as Error).message}` }] };
  }
  if (records.length === 0) return { ok: false, errors: [{ row: 1, column: "", message: "The file is empty" }] };
  const header = records[0].map((h) => h.trim().toLowerCase());
  const errors: Array<{ row: number; column: string; message: string }> = [];
  const unknown = header.filter((h) => !COLUMNS.includes(h));
  const missing = COLUMNS.filter((c) => c !== "description" && c !== "privacy" && !header.includes(c));
  if (unknown.length) errors.push({ row: 1, column: unknown.join(", "), message: `Unknown column(s): ${unknown.join(", ")}` });
  if (missing.length) errors.push({ row: 1, column: missing.join(", "), message: `Missing column(s): ${missing.join(", ")}` });
  if (errors.length) return { ok: false, errors };
  if (records.length === 1) return { ok: false, errors: [{ row: 1, column: "", message: "The file has a header row but no data rows" }] };

  const frameworks = new Set((await listFrameworks(db)).map((f) => f.id));
  const existing = new Map((await listCapabilities(db)).map((c) => [c.id, c]));
  const inFile = new Map<string, { framework: string; row: number }>();
  const rows = records.slice(1).map((rec, i) => {
    const get = (c: string) => (header.indexOf(c) >= 0 ? (rec[header.indexOf(c)] ?? "").trim() : "");
    return { row: i + 2, framework: get("framework"), id: get("id"), parent: get("parent"), title: get("title"), description: get("description"), privacy: get("privacy") };
  });
  for (const r of rows) {
    if (!frameworks.has(r.framework)) errors.push({ row: r.row, column: "framework", message: `Unknown framework "${r.framework}"` });
    if (!ID_RE.test(r.id)) errors.push({ row: r.row, column: "id", message: `"${r.id}" is not a valid capability id (letters, digits, dots, dashes)` });
    else if (inFile.has(r.id)) errors.push({ row: r.row, column: "id", message: `${r.id} appears twice (first on row ${inFile.get(r.id)!.row})` });
    else inFile.set(r.id, { framework: r.framework, row: r.row });
    const ex = existing.get(r.id);
    if (ex && ex.framework_id !== r.framework) errors.push({ row: r.row, column: "framework", message: `${r.id} belongs to ${ex.framework_id}` });
    if (!r.title) errors.push({ row: r.row, column: "title", message: "Title is required" });
    if (r.title.length > 300) errors.push({ row: r.row, column: "title", message: "Title is over 300 characters" });
    if (r.description.length > 4000) errors.push({ row: r.row, column: "description", message: "Description is over 4,000 characters" });
    if (parseFlag(r.privacy) === null) errors.push({ row: r.row, column: "privacy", message: `"${r.privacy}" is not yes/no` });
  }
  for (const r of rows) {
    if (!r.parent) continue;
    const parentFramework = inFile.get(r.parent)?.framework ?? existing.get(r.parent)?.framework_id;
    if (!parentFramework) errors.push({ row: r.row, column: "parent", message: `Unknown parent "${r.parent}"` });
    else if (parentFramework !== r.framework) errors.push({ row: r.row, column: "parent", message: `Parent ${r.parent} is in another framework` });
    if (r.parent === r.id) errors.push({ row: r.row, column: "parent", message: "A capability cannot be its own parent" });
  }
  // No cycles: walk each chain through the merged tree.
  if (errors.length === 0) {
    const parentOf = new Map<string, string | null>([...existing].map(([id, c]) => [id, c.parent_id]));
    for (const r of rows) parentOf.set(r.id, r.parent || null);
    for (const r of rows) {
      const seen = new Set<string>();
      let cur: string | null | undefined = r.id;
      while (cur) {
        if (seen.has(cur)) {
          errors.push({ row: r.row, column: "parent", message: `${r.id} would be its own ancestor` });
          break;
        }
        seen.add(cur);
        cur = parentOf.get(cur);
      }
    }
  }
  if (errors.length) return { ok: false, errors };

  let added = 0, changed = 0, unchanged = 0;
  const sha256 = createHash("sha256").update(file).digest("hex");
  await db.transaction().execute(async (trx) => {
    const batch = await trx
      .insertInto("import_batches")
      .values({ at: new Date().toISOString(), user_id: who.userId, type: "catalog", file_name: who.fileName, sha256 })
      .returning("id")
      .executeTakeFirstOrThrow();
    // Parents first, so foreign keys hold row by row.
    const ordered = [...rows].sort((a, b) => depth(a.id) - depth(b.id));
    function depth(id: string): number {
      let d = 0;
      let cur = rows.find((x) => x.id === id)?.parent || existing.get(id)?.parent_id || null;
      while (cur && d < 50) {
        d++;
        cur = rows.find((x) => x.id === cur)?.parent || existing.get(cur)?.parent_id || null;
      }
      return d;
    }
    let order = 1000;
    for (const r of ordered) {
      const values = { framework_id: r.framework, parent_id: r.parent || null, title: r.title, description: r.description, privacy: parseFlag(r.privacy)! };
      const ex = existing.get(r.id);
      if (!ex) {
        await trx.insertInto("capabilities").values({ id: r.id, ...values, sort_order: order++, import_batch_id: batch.id }).execute();
        added++;
      } else if (ex.parent_id !== values.parent_id || ex.title !== values.title || ex.description !== values.description || ex.privacy !== values.privacy) {
        await trx.updateTable("capabilities").set({ ...values, import_batch_id: batch.id }).where("id", "=", r.id).execute();
        changed++;
      } else unchanged++;
    }
    await trx.updateTable("import_batches").set({ rows_added: added, rows_changed: changed, rows_unchanged: unchanged }).where("id", "=", batch.id).execute();
    await recordAudit(trx, { userId: who.userId, action: "import", entity: "import_batch", entityId: batch.id, after: { type: "catalog", file: who.fileName, sha256, added, changed, unchanged } });
  });
  return { ok: true, added, changed, unchanged };
}
