/** Import type `centers`: code, name, state, kind. Only an administrator adds a center. */
import { z } from "zod";
import type { CenterKind } from "../../../db/schema";
import { CENTER_KINDS, choice, identifier, MAX_NAME_CHARS, state, text } from "../fields";
import { EXPORT_PAGE, type ImportTypeDef } from "../handler";

export interface CenterRow {
  code: string;
  name: string;
  state: string;
  kind: CenterKind;
}

export const centers: ImportTypeDef<CenterRow> = {
  label: "Fusion centers",
  columns: ["code", "name", "state", "kind"],
  optional: [],
  text: ["name"],
  key: ["code"],
  notes: {
    code: "The center's code, e.g. VA or TX-HOU (letters, digits, - . _). Key.",
    name: "Up to 200 characters.",
    state: "USPS code: the 50 states, DC, PR, GU, VI, AS, MP.",
    kind: CENTER_KINDS.join(" or "),
  },
  schema: z
    .object({
      code: identifier("Center code"),
      name: text("Name", MAX_NAME_CHARS, true),
      state,
      kind: choice("Kind", CENTER_KINDS),
    })
    .transform((v): CenterRow => v),
  cells: (r) => [r.code, r.name, r.state, r.kind],

  async handler(ctx) {
    const insert = ctx.prepare("insert into centers (code, name, state, kind, import_batch_id, created_at) values (?, ?, ?, ?, ?, ?)");
    const update = ctx.prepare("update centers set name = ?, state = ?, kind = ?, version = version + 1, import_batch_id = ? where id = ?");
    return {
      row(r, n) {
        const ex = ctx.centers.byKey.get(r.code);
        if (!ex) {
          if (ctx.user && ctx.user.role !== "admin") {
            ctx.error(n, "code", `Only an administrator can add a center; ${r.code} is not a center yet`);
            return;
          }
          const w = ctx.attempt(n, "code", () => Number(insert.run(r.code, r.name, r.state, r.kind, ctx.batchId, ctx.now).lastInsertRowid));
          if (!w.ok) return;
          const entry = { id: w.value, ...r };
          ctx.centers.byKey.set(r.code, entry);
          ctx.centers.byId.set(entry.id, entry);
          ctx.added(n, r);
          return;
        }
        if (!ctx.mine(ex.id)) return ctx.error(n, "code", ctx.unknown("center", r.code));
        if (ex.name === r.name && ex.state === r.state && ex.kind === r.kind) return ctx.unchanged();
        const before: CenterRow = { code: ex.code, name: ex.name, state: ex.state, kind: ex.kind };
        if (!ctx.attempt(n, "code", () => update.run(r.name, r.state, r.kind, ctx.batchId, ex.id)).ok) return;
        Object.assign(ex, { name: r.name, state: r.state, kind: r.kind });
        ctx.changed(n, before, r);
      },
      finish() {},
    };
  },

  async *exportRows({ db, filter, inScope }) {
    let after = "";
    for (;;) {
      let q = db.selectFrom("centers").select(["centers.code", "centers.name", "centers.state", "centers.kind"]).where("centers.code", ">", after);
      q = inScope(q);
      if (filter.centerId !== undefined) q = q.where("centers.id", "=", filter.centerId);
      const page = await q.orderBy("centers.code").limit(EXPORT_PAGE).execute();
      for (const r of page) yield { code: r.code, name: r.name, state: r.state, kind: r.kind };
      if (page.length < EXPORT_PAGE) return;
      after = page[page.length - 1].code;
    }
  },
};
