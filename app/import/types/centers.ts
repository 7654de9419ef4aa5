/**
 * Import type `centers`: code, name, state, kind, and optionally the SAM UEI of the agency receiving the
 * center's funds (the reconciliation finds USAspending sub-awards' centers through it; an empty cell
 * leaves a recorded UEI as it is). Only an administrator adds a center.
 */
import { z } from "zod";
import type { CenterKind } from "../../../db/schema";
import { CENTER_KINDS, centerKind, identifier, MAX_NAME_CHARS, state, text, uei } from "../fields";
import { EXPORT_PAGE, type ImportTypeDef } from "../handler";

export interface CenterRow {
  code: string;
  name: string;
  state: string;
  kind: CenterKind;
  uei: string | null;
}

export const centers: ImportTypeDef<CenterRow> = {
  label: "Fusion centers",
  columns: ["code", "name", "state", "kind", "uei"],
  optional: ["uei"],
  text: ["name"],
  key: ["code"],
  notes: {
    code: "The center's code, e.g. VA or TX-HOU (letters, digits, - . _). Key.",
    name: "Up to 200 characters.",
    state: "USPS code: the 50 states, DC, PR, GU, VI, AS, MP.",
    kind: `${CENTER_KINDS.join(" or ")} (also Primary or Recognized)`,
    uei: "Optional: the 12-character SAM Unique Entity ID of the agency receiving the center's funds. Empty leaves it as it is.",
  },
  schema: z
    .object({
      code: identifier("Center code"),
      name: text("Name", MAX_NAME_CHARS, true),
      state,
      kind: centerKind,
      uei,
    })
    .transform((v): CenterRow => v),
  cells: (r) => [r.code, r.name, r.state, r.kind, r.uei ?? ""],

  async handler(ctx) {
    const insert = ctx.prepare("insert into centers (code, name, state, kind, uei, import_batch_id, created_at) values (?, ?, ?, ?, ?, ?, ?) returning id");
    const update = ctx.prepare("update centers set name = ?, state = ?, kind = ?, uei = ?, version = version + 1, import_batch_id = ? where id = ?");
    const ueis = new Map(await ctx.prepare("select id, uei from centers").values<[number, string | null]>());
    return {
      async row(r, n) {
        const ex = ctx.centers.byKey.get(r.code);
        if (!ex) {
          if (ctx.user && ctx.user.role !== "admin") {
            ctx.error(n, "code", `Only an administrator can add a center; ${r.code} is not a center yet`);
            return;
          }
          const w = await ctx.attempt(n, "uei", () => insert.get<{ id: number }>(r.code, r.name, r.state, r.kind, r.uei, ctx.batchId, ctx.now));
          if (!w.ok) return;
          const id = w.value!.id;
          ueis.set(id, r.uei);
          const entry = { id, code: r.code, name: r.name, state: r.state, kind: r.kind };
          ctx.centers.byKey.set(r.code, entry);
          ctx.centers.byId.set(entry.id, entry);
          ctx.added(n, r);
          return;
        }
        if (!ctx.mine(ex.id)) return ctx.error(n, "code", ctx.unknown("center", r.code));
        const oldUei = ueis.get(ex.id) ?? null;
        const after: CenterRow = { ...r, uei: r.uei ?? oldUei };
        if (ex.name === r.name && ex.state === r.state && ex.kind === r.kind && after.uei === oldUei) return ctx.unchanged();
        const before: CenterRow = { code: ex.code, name: ex.name, state: ex.state, kind: ex.kind, uei: oldUei };
        if (!(await ctx.attempt(n, "uei", () => update.run(r.name, r.state, r.kind, after.uei, ctx.batchId, ex.id))).ok) return;
        Object.assign(ex, { name: r.name, state: r.state, kind: r.kind });
        ueis.set(ex.id, after.uei);
        ctx.changed(n, before, after);
      },
      finish() {},
    };
  },

  async *exportRows({ db, filter, inScope }) {
    let after = "";
    for (;;) {
      let q = db.selectFrom("centers").select(["centers.code", "centers.name", "centers.state", "centers.kind", "centers.uei"]).where("centers.code", ">", after);
      q = inScope(q);
      if (filter.centerId !== undefined) q = q.where("centers.id", "=", filter.centerId);
      const page = await q.orderBy("centers.code").limit(EXPORT_PAGE).execute();
      for (const r of page) yield { code: r.code, name: r.name, state: r.state, kind: r.kind, uei: r.uei };
      if (page.length < EXPORT_PAGE) return;
      after = page[page.length - 1].code;
    }
  },
};
