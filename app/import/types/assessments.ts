/**
 * Import type `assessments`: one capability's status for a center and fiscal year. A year whose
 * review is submitted or validated is locked (app/domain/guards.ts) until a reviewer reopens it.
 */
import { sql } from "kysely";
import { z } from "zod";
import type { AssessmentStatus } from "../../../db/schema";
import { LOCKED_REVIEW_STATES } from "../../domain/guards";
import { ASSESSMENT_STATUSES, capability, choice, fiscalYear, identifier, MAX_EVIDENCE_CHARS, text } from "../fields";
import { EXPORT_PAGE, centerHint, unknownCapability, type CenterEntry, type ImportTypeDef } from "../handler";

export interface AssessmentRow {
  centerCode: string;
  fiscalYear: number;
  capabilityId: string;
  status: AssessmentStatus;
  evidence: string;
}

interface ExistingAssessment {
  id: number;
  status: string;
  evidence: string;
}

export const assessments: ImportTypeDef<AssessmentRow> = {
  label: "Assessments",
  columns: ["center", "fiscal_year", "capability", "status", "evidence"],
  optional: ["evidence"],
  text: ["evidence"],
  key: ["center", "fiscal_year", "capability"],
  notes: {
    center: "Code of a center in Baseline. Key, with fiscal_year and capability.",
    fiscal_year: "2024 or FY2024.",
    capability: "A catalog id such as I.A or COC-2.",
    status: ASSESSMENT_STATUSES.join(", "),
    evidence: "Up to 4,000 characters.",
  },
  schema: z
    .object({
      center: identifier("Center code"),
      fiscal_year: fiscalYear,
      capability: capability(true),
      status: choice("Status", ASSESSMENT_STATUSES),
      evidence: text("Evidence", MAX_EVIDENCE_CHARS, false),
    })
    .transform(
      (v): AssessmentRow => ({
        centerCode: v.center,
        fiscalYear: v.fiscal_year,
        capabilityId: v.capability as string,
        status: v.status,
        evidence: v.evidence,
      }),
    ),
  cells: (r) => [r.centerCode, String(r.fiscalYear), r.capabilityId, r.status, r.evidence],

  async handler(ctx) {
    const insertIfNew = ctx.prepare(
      `insert into assessments (center_id, fiscal_year, capability_id, status, evidence, updated_by, updated_at, import_batch_id)
         values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (center_id, fiscal_year, capability_id) do nothing`,
    );
    const get = ctx.prepare("select id, status, evidence from assessments where center_id = ? and fiscal_year = ? and capability_id = ?");
    const update = ctx.prepare(
      `update assessments set status = ?, evidence = ?, updated_by = ?, updated_at = ?, version = version + 1,
         import_batch_id = ? where id = ?`,
    );
    const capabilities = await ctx.capabilities();
    const locked = new Set(
      (
        await ctx.trx
          .selectFrom("assessment_reviews")
          .select(["center_id", "fiscal_year"])
          .where("state", "in", [...LOCKED_REVIEW_STATES])
          .execute()
      ).map((r) => `${r.center_id}:${r.fiscal_year}`),
    );
    const userId = ctx.user?.id ?? null;
    const lockedMessage = (center: CenterEntry, fy: number) =>
      `The FY${fy} assessment of ${center.code} is locked (submitted or validated); a reviewer must reopen it before it can change`;
    return {
      async row(r, n) {
        const found = ctx.centers.byKey.get(r.centerCode);
        const center = found && ctx.mine(found.id) ? found : undefined;
        if (!center) ctx.error(n, "center", ctx.unknown("center", r.centerCode, centerHint(ctx.centers, r.centerCode)));
        if (!capabilities.has(r.capabilityId)) ctx.error(n, "capability", unknownCapability(capabilities, r.capabilityId));
        if (!center || !capabilities.has(r.capabilityId)) return;
        const isLocked = locked.has(`${center.id}:${r.fiscalYear}`);
        if (!isLocked) {
          const w = await ctx.attempt(
            n,
            "status",
            async () => (await insertIfNew.run(center.id, r.fiscalYear, r.capabilityId, r.status, r.evidence, userId, ctx.now, ctx.batchId)).changes === 1,
          );
          if (!w.ok) return;
          if (w.value) return ctx.added(n, r);
        }
        const cur = await get.get<ExistingAssessment>(center.id, r.fiscalYear, r.capabilityId);
        if (!cur) return ctx.error(n, "fiscal_year", lockedMessage(center, r.fiscalYear));
        if (cur.status === r.status && cur.evidence === r.evidence) return ctx.unchanged();
        if (isLocked) return ctx.error(n, "fiscal_year", lockedMessage(center, r.fiscalYear));
        if (!(await ctx.attempt(n, "status", () => update.run(r.status, r.evidence, userId, ctx.now, ctx.batchId, cur.id))).ok) return;
        ctx.changed(n, { ...r, status: cur.status as AssessmentRow["status"], evidence: cur.evidence }, r);
      },
      finish() {},
    };
  },

  async *exportRows({ db, filter, inScope }) {
    let after: [string, number, string] = ["", 0, ""];
    for (;;) {
      let q = db
        .selectFrom("assessments")
        .innerJoin("centers", "centers.id", "assessments.center_id")
        .select(["centers.code", "assessments.fiscal_year", "assessments.capability_id", "assessments.status", "assessments.evidence"])
        .where(sql<boolean>`(centers.code, assessments.fiscal_year, assessments.capability_id) > (${after[0]}, ${after[1]}, ${after[2]})`);
      q = inScope(q);
      if (filter.centerId !== undefined) q = q.where("assessments.center_id", "=", filter.centerId);
      if (filter.fiscalYear !== undefined) q = q.where("assessments.fiscal_year", "=", filter.fiscalYear);
      const page = await q.orderBy("centers.code").orderBy("assessments.fiscal_year").orderBy("assessments.capability_id").limit(EXPORT_PAGE).execute();
      for (const r of page) {
        yield { centerCode: r.code, fiscalYear: r.fiscal_year, capabilityId: r.capability_id, status: r.status, evidence: r.evidence };
      }
      if (page.length < EXPORT_PAGE) return;
      const last = page[page.length - 1];
      after = [last.code, last.fiscal_year, last.capability_id];
    }
  },
};
