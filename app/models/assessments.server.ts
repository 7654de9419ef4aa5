import type { Kysely } from "kysely";
import type { AssessmentStatus, Database, Q } from "../../db/schema";
import type { CenterScope } from "../domain/permissions";
import { buildCapabilityGraph } from "../domain/compliance";
import { formatMoney } from "../domain/money";
import {
  areaOf,
  assessableCapabilities,
  baselineStatus,
  cocEcGaps,
  cocEcGroup,
  COC_EC_FRAMEWORK,
  computeScore,
  HEADLINE_FRAMEWORK,
  STATUS_LABELS,
  type CapabilityTrendPoint,
  type ScoreResult,
} from "../domain/scores";
import type { AssessmentInput } from "../schemas/assessment";
import { getReview, lockMessage, reviewLabel, reviewsOfCenter, REVIEW_STATE_LABELS, type ReviewInfo } from "./assessment-reviews.server";
import { historyOf, recordAudit } from "./audit.server";
import { listCapabilities, listFrameworks, listLinks } from "./catalog.server";
import { scoped } from "./centers.server";
import { updateVersioned } from "./versioning.server";

type CatalogRow = Awaited<ReturnType<typeof listCapabilities>>[number];
export type StatusOrNotAssessed = AssessmentStatus | "not_assessed";

export async function assessmentYears(db: Q, centerId: number): Promise<number[]> {
  const rows = await db.selectFrom("assessments").select("fiscal_year").distinct().where("center_id", "=", centerId).orderBy("fiscal_year", "desc").execute();
  return rows.map((r) => r.fiscal_year);
}

/** capability id → status for one center and fiscal year. */
export async function statusesFor(db: Q, centerId: number, fiscalYear: number): Promise<Map<string, AssessmentStatus>> {
  const rows = await db
    .selectFrom("assessments")
    .select(["capability_id", "status"])
    .where("center_id", "=", centerId)
    .where("fiscal_year", "=", fiscalYear)
    .execute();
  return new Map(rows.map((r) => [r.capability_id, r.status]));
}

export interface AssessmentRowView {
  id: number;
  capability_id: string;
  status: AssessmentStatus;
  evidence: string;
  est_cost_cents: number | null;
  version: number;
  updated_at: string;
  updated_by_name: string | null;
}

/** The rows of one center-year, with who last set each. */
export async function assessmentRows(db: Q, centerId: number, fiscalYear: number): Promise<AssessmentRowView[]> {
  const rows = await db
    .selectFrom("assessments as a")
    .leftJoin("users as u", "u.id", "a.updated_by")
    .select(["a.id", "a.capability_id", "a.status", "a.evidence", "a.est_cost_cents", "a.version", "a.updated_at", "u.display_name", "u.username"])
    .where("a.center_id", "=", centerId)
    .where("a.fiscal_year", "=", fiscalYear)
    .orderBy("a.id")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    capability_id: r.capability_id,
    status: r.status,
    evidence: r.evidence,
    est_cost_cents: r.est_cost_cents,
    version: r.version,
    updated_at: r.updated_at,
    updated_by_name: r.display_name || r.username || null,
  }));
}

// ---------------------------------------------------------------------------------------------
// Saving
// ---------------------------------------------------------------------------------------------

export interface RowConflict {
  index: number;
  capabilityId: string;
  message: string;
  current: AssessmentRowView;
}

export type SaveOutcome =
  | { ok: true; created: number; updated: number; versions: Record<string, number> }
  | { ok: false; reason: "locked"; message: string }
  | { ok: false; reason: "conflict"; conflicts: RowConflict[] };

class Rollback extends Error {
  constructor(readonly outcome: SaveOutcome) {
    super("rollback");
  }
}

const sameValues = (row: { status: string; evidence: string; est_cost_cents: number | null }, input: AssessmentInput) =>
  row.status === input.status && row.evidence === input.evidence && row.est_cost_cents === input.estCostCents;

function conflictMessage(current: AssessmentRowView): string {
  const who = current.updated_by_name ?? "someone else";
  const when = current.updated_at.slice(0, 16).replace("T", " ");
  const evidence = current.evidence ? `“${current.evidence.length > 120 ? current.evidence.slice(0, 120) + "…" : current.evidence}”` : "none";
  return (
    `${who} changed this row at ${when} UTC while you were editing: now ${STATUS_LABELS[current.status]}, ` +
    `evidence ${evidence}, estimated cost ${current.est_cost_cents === null ? "none" : formatMoney(current.est_cost_cents)}. ` +
    `Your input is kept: save again to replace theirs, or reload the page to keep it.`
  );
}

/**
 * Saves the rows of one center-year in ONE transaction: a stale version on any row (someone else
 * saved it since the form was loaded) saves nothing. Unchanged rows write nothing; every created or
 * changed row writes one audit row (entity "assessment") in the same transaction. A locked
 * (submitted or validated) year refuses every change.
 * `versions` in the result: the version each saved or confirmed row now has.
 */
export async function saveAssessments(
  db: Kysely<Database>,
  input: { centerId: number; fiscalYear: number; userId: number; rows: AssessmentInput[] },
): Promise<SaveOutcome> {
  try {
    return await db.transaction().execute(async (trx): Promise<SaveOutcome> => {
      const review = await getReview(trx, input.centerId, input.fiscalYear);
      if (review?.locked) return { ok: false, reason: "locked", message: lockMessage(review) };
      const existing = new Map((await assessmentRows(trx, input.centerId, input.fiscalYear)).map((r) => [r.capability_id, r]));
      const versions: Record<string, number> = {};
      const conflicts: RowConflict[] = [];
      const now = new Date().toISOString();
      let created = 0;
      let updated = 0;
      for (const row of input.rows) {
        const ex = existing.get(row.capabilityId);
        if (!ex) {
          if (row.status === null) continue;
          const inserted = await trx
            .insertInto("assessments")
            .values({
              center_id: input.centerId,
              fiscal_year: input.fiscalYear,
              capability_id: row.capabilityId,
              status: row.status,
              evidence: row.evidence,
              est_cost_cents: row.estCostCents,
              updated_by: input.userId,
              updated_at: now,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          await recordAudit(trx, { userId: input.userId, action: "create", entity: "assessment", entityId: inserted.id, after: inserted });
          versions[row.capabilityId] = inserted.version;
          created++;
          continue;
        }
        // A blank row the user never assessed, though someone else has meanwhile: leave theirs alone.
        if (row.status === null) continue;
        if (sameValues(ex, row)) {
          versions[row.capabilityId] = ex.version;
          continue;
        }
        if (row.version !== ex.version) {
          conflicts.push({ index: row.index, capabilityId: row.capabilityId, current: ex, message: conflictMessage(ex) });
          continue;
        }
        const result = await updateVersioned<Record<string, unknown> & { version: number }>(trx, "assessments", ex.id, row.version, {
          status: row.status,
          evidence: row.evidence,
          est_cost_cents: row.estCostCents,
          updated_by: input.userId,
          updated_at: now,
        });
        if (!result.ok) {
          const current = (await assessmentRows(trx, input.centerId, input.fiscalYear)).find((r) => r.id === ex.id)!;
          conflicts.push({ index: row.index, capabilityId: row.capabilityId, current, message: conflictMessage(current) });
          continue;
        }
        await recordAudit(trx, { userId: input.userId, action: "update", entity: "assessment", entityId: ex.id, before: result.before, after: result.after });
        versions[row.capabilityId] = result.after.version;
        updated++;
      }
      if (conflicts.length > 0) throw new Rollback({ ok: false, reason: "conflict", conflicts });
      return { ok: true, created, updated, versions };
    });
  } catch (error) {
    if (error instanceof Rollback) return error.outcome;
    throw error;
  }
}

export type CarryOutcome =
  | { ok: true; copied: number }
  | { ok: false; reason: "locked" | "not_empty" | "no_prior"; message: string };

/**
 * Starts FY N from FY N-1: copies every row (status, evidence, estimated cost) exactly, one audit
 * row per copied row, all in one transaction. Only into an empty, unlocked year.
 */
export async function carryForward(db: Kysely<Database>, input: { centerId: number; fiscalYear: number; userId: number }): Promise<CarryOutcome> {
  return db.transaction().execute(async (trx): Promise<CarryOutcome> => {
    const review = await getReview(trx, input.centerId, input.fiscalYear);
    if (review?.locked) return { ok: false, reason: "locked", message: lockMessage(review) };
    const already = await trx
      .selectFrom("assessments")
      .select("id")
      .where("center_id", "=", input.centerId)
      .where("fiscal_year", "=", input.fiscalYear)
      .limit(1)
      .executeTakeFirst();
    if (already) return { ok: false, reason: "not_empty", message: `FY${input.fiscalYear} already has assessment rows; carrying forward only fills an empty year.` };
    const prior = await trx
      .selectFrom("assessments")
      .select(["capability_id", "status", "evidence", "est_cost_cents"])
      .where("center_id", "=", input.centerId)
      .where("fiscal_year", "=", input.fiscalYear - 1)
      .orderBy("id")
      .execute();
    if (prior.length === 0) return { ok: false, reason: "no_prior", message: `FY${input.fiscalYear - 1} has no assessment to carry forward.` };
    const now = new Date().toISOString();
    for (const p of prior) {
      const row = await trx
        .insertInto("assessments")
        .values({ ...p, center_id: input.centerId, fiscal_year: input.fiscalYear, updated_by: input.userId, updated_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx, {
        userId: input.userId,
        action: "create",
        entity: "assessment",
        entityId: row.id,
        after: { ...row, carried_forward_from: input.fiscalYear - 1 },
      });
    }
    return { ok: true, copied: prior.length };
  });
}

// ---------------------------------------------------------------------------------------------
// Catalog layout: frameworks → sections → areas → assessable capabilities
// ---------------------------------------------------------------------------------------------

export type LayoutEntry =
  | { kind: "section" | "area"; id: string; title: string }
  | { kind: "capability"; id: string; title: string; description: string; areaId: string; sectionId: string | null };

export interface FrameworkLayout {
  id: string;
  title: string;
  entries: LayoutEntry[];
  capabilityIds: string[];
}

/** The assessable capabilities of each framework in catalog order, with section and area headings. */
export function frameworkLayouts(frameworks: { id: string; title: string }[], catalog: CatalogRow[]): FrameworkLayout[] {
  const byId = new Map(catalog.map((c) => [c.id, c]));
  const order = new Map(catalog.map((c, i) => [c.id, i]));
  const topOf = (id: string) => {
    let node = byId.get(id);
    while (node?.parent_id) node = byId.get(node.parent_id);
    return node?.id ?? id;
  };
  return frameworks.map((f) => {
    const leaves = assessableCapabilities(catalog, f.id);
    // Sort by (section order, area order, own order) so imported items sit under their area.
    const key = (id: string) => [order.get(topOf(id)) ?? 0, order.get(areaOf(byId, id)) ?? 0, order.get(id) ?? 0];
    const sorted = [...leaves].sort((a, b) => {
      const ka = key(a.id);
      const kb = key(b.id);
      return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
    });
    const entries: LayoutEntry[] = [];
    let section: string | null = null;
    let area: string | null = null;
    for (const leaf of sorted) {
      const top = topOf(leaf.id);
      const sectionId = top === leaf.id ? null : top;
      const areaId = areaOf(byId, leaf.id);
      if (sectionId && sectionId !== section) entries.push({ kind: "section", id: sectionId, title: byId.get(sectionId)!.title });
      section = sectionId;
      if (areaId !== leaf.id && areaId !== area) entries.push({ kind: "area", id: areaId, title: byId.get(areaId)!.title });
      area = areaId;
      entries.push({ kind: "capability", id: leaf.id, title: leaf.title, description: leaf.description, areaId, sectionId });
    }
    return { id: f.id, title: f.title, entries, capabilityIds: sorted.map((l) => l.id) };
  });
}

/** Every assessable capability id (all frameworks): what an assessment form may name. */
export function assessableIds(catalog: CatalogRow[], frameworkIds: string[]): Set<string> {
  return new Set(frameworkIds.flatMap((f) => assessableCapabilities(catalog, f).map((c) => c.id)));
}

// ---------------------------------------------------------------------------------------------
// Assessment page, years list, history
// ---------------------------------------------------------------------------------------------

export interface FrameworkScore extends ScoreResult {
  frameworkId: string;
  title: string;
  status: string;
}

/** An audit row shaped for the shared HistoryPanel (app/components/HistoryPanel.tsx). */
export interface HistoryEntry {
  id: number;
  at: string;
  username: string | null;
  action: string;
  entity: string;
  entity_id: string;
  before_json: string | null;
  after_json: string | null;
}

/** Fields that say nothing to a reader of the history (keys, bookkeeping). */
const HISTORY_NOISE = ["id", "center_id", "fiscal_year", "capability_id", "import_batch_id", "updated_by", "updated_at", "version", "submitted_by", "reviewed_by"];

function trimJson(json: string | null): string | null {
  if (!json) return json;
  const value = JSON.parse(json) as Record<string, unknown>;
  for (const k of HISTORY_NOISE) delete value[k];
  return JSON.stringify(value);
}

/**
 * Audit rows of one center-year's assessment rows and its sign-off, newest first. The record
 * column names the capability (or "sign-off FYnnnn") rather than the row id.
 */
export async function assessmentHistory(
  db: Kysely<Database>,
  rows: { id: number; capability_id: string }[],
  review: ReviewInfo | null,
): Promise<HistoryEntry[]> {
  const capOf = new Map(rows.map((r) => [String(r.id), r.capability_id]));
  const entries = [
    ...(await historyOf(db, "assessment", rows.map((r) => r.id))),
    ...(review ? await historyOf(db, "assessment_review", [review.id]) : []),
  ].sort((a, b) => b.id - a.id);
  return entries.slice(0, 200).map((e) => ({
    id: e.id,
    at: e.at,
    username: e.username,
    action: e.action,
    entity: e.entity === "assessment_review" ? "sign-off" : "capability",
    entity_id: e.entity === "assessment_review" ? `FY${review?.fiscalYear}` : (capOf.get(e.entity_id) ?? e.entity_id),
    before_json: trimJson(e.before_json),
    after_json: trimJson(e.after_json),
  }));
}

export interface AssessmentPageData {
  fiscalYear: number;
  layouts: FrameworkLayout[];
  rows: AssessmentRowView[];
  scores: FrameworkScore[];
  review: ReviewInfo | null;
  reviewText: string | null;
  priorYearRows: number;
  history: HistoryEntry[];
  knownCapabilities: string[];
}

/** Everything the assessment page shows for one center-year. The 2006 guidelines only on request or when assessed. */
export async function assessmentPage(db: Kysely<Database>, centerId: number, fiscalYear: number, opts: { guidelines?: boolean } = {}): Promise<AssessmentPageData> {
  const [frameworks, catalog, rows, review, prior] = await Promise.all([
    listFrameworks(db),
    listCapabilities(db),
    assessmentRows(db, centerId, fiscalYear),
    getReview(db, centerId, fiscalYear),
    db
      .selectFrom("assessments")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("center_id", "=", centerId)
      .where("fiscal_year", "=", fiscalYear - 1)
      .executeTakeFirstOrThrow(),
  ]);
  const assessed = new Set(rows.map((r) => r.capability_id));
  const frameworkOf = new Map(catalog.map((c) => [c.id, c.framework_id]));
  const shown = frameworks.filter(
    (f) => f.id !== "guidelines-2006" || opts.guidelines || [...assessed].some((id) => frameworkOf.get(id) === f.id),
  );
  const statusOf = new Map(rows.map((r) => [r.capability_id, r.status]));
  const scores = shown.map((f): FrameworkScore => {
    const result = computeScore(assessableCapabilities(catalog, f.id), (id) => statusOf.get(id));
    return { frameworkId: f.id, title: f.title, ...result, status: baselineStatus(result).label };
  });
  return {
    fiscalYear,
    layouts: frameworkLayouts(shown, catalog),
    rows,
    scores,
    review,
    reviewText: reviewLabel(review),
    priorYearRows: Number(prior.n),
    history: await assessmentHistory(db, rows, review),
    knownCapabilities: [...assessableIds(catalog, shown.map((f) => f.id))],
  };
}

export interface YearSummary {
  fiscalYear: number;
  rows: number;
  score: number | null;
  status: string;
  notAssessed: number;
  reviewState: string;
  reviewText: string | null;
}

/** Years of a center that have rows or a sign-off record, newest first, with the headline score. */
export async function assessmentYearSummaries(db: Kysely<Database>, centerId: number): Promise<YearSummary[]> {
  const [catalog, rows, reviews] = await Promise.all([
    listCapabilities(db),
    db.selectFrom("assessments").select(["fiscal_year", "capability_id", "status"]).where("center_id", "=", centerId).execute(),
    reviewsOfCenter(db, centerId),
  ]);
  const leaves = assessableCapabilities(catalog, HEADLINE_FRAMEWORK);
  const byYear = new Map<number, Map<string, AssessmentStatus>>();
  for (const r of rows) {
    if (!byYear.has(r.fiscal_year)) byYear.set(r.fiscal_year, new Map());
    byYear.get(r.fiscal_year)!.set(r.capability_id, r.status);
  }
  const years = [...new Set([...byYear.keys(), ...reviews.keys()])].sort((a, b) => b - a);
  return years.map((fy) => {
    const statuses = byYear.get(fy) ?? new Map<string, AssessmentStatus>();
    const result = computeScore(leaves, (id) => statuses.get(id));
    const review = reviews.get(fy) ?? null;
    return {
      fiscalYear: fy,
      rows: statuses.size,
      score: result.score,
      status: baselineStatus(result).label,
      notAssessed: result.notAssessed,
      reviewState: REVIEW_STATE_LABELS[review?.state ?? "draft"],
      reviewText: reviewLabel(review),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Center page: gaps of a year, their funding and cost to close, charts
// ---------------------------------------------------------------------------------------------

export interface GapRow {
  capabilityId: string;
  title: string;
  areaId: string;
  areaTitle: string;
  status: StatusOrNotAssessed;
  statusLabel: string;
  estCostCents: number | null;
  /** Live budget lines of the year's awards aimed at the gap (itself, an item of it, or a linked capability). */
  fundingCents: number;
  /** COC/EC capabilities the gap maps to (capability_links, inherited from its area). */
  cocEc: string[];
}

export interface CenterGapView {
  fiscalYear: number | null;
  years: number[];
  score: (ScoreResult & { status: string }) | null;
  review: ReviewInfo | null;
  reviewText: string | null;
  gaps: GapRow[];
  /** Gaps by area (by section for gaps that are areas themselves), in catalog order. */
  byArea: { areaId: string; title: string; gaps: GapRow[] }[];
  byCocEc: { id: string | null; title: string; gaps: GapRow[] }[];
  /** Distinct live budget lines aimed at any gap (a line counts once even if it serves two gaps). */
  fundingTotalCents: number;
  estCostTotalCents: number;
  areaScores: { areaId: string; title: string; score: number | null; gaps: number }[];
  yearScores: { fiscalYear: number; score: number | null; gaps: number }[];
}

/**
 * The gap view of one center for `fiscalYear` (default: its latest assessed year). Gaps per
 * scores.ts over baseline-2008; "aimed at" per compliance.ts's capability graph, so the page and
 * the GAP-PRIORITY rule agree on what funds a gap.
 */
export async function centerGapView(db: Kysely<Database>, centerId: number, fiscalYear?: number | null): Promise<CenterGapView> {
  const view = await centerGapFigures(db, centerId, fiscalYear);
  return withGapReview(view, view.fiscalYear === null ? null : await getReview(db, centerId, view.fiscalYear));
}

/** The sign-off of the view's year (assessment_reviews, remembered apart from the figures under the responses counter, migrations/0025). */
export function withGapReview(view: CenterGapView, review: ReviewInfo | null): CenterGapView {
  return view.fiscalYear === null ? view : { ...view, review, reviewText: reviewLabel(review) };
}

/**
 * centerGapView without the year's sign-off (review and reviewText null): it reads only tables
 * data_version watches, so the center page may remember it (app/models/center-page.server.ts).
 */
export async function centerGapFigures(db: Q, centerId: number, fiscalYear?: number | null): Promise<CenterGapView> {
  const [catalog, links, rows] = await Promise.all([
    listCapabilities(db),
    listLinks(db),
    db.selectFrom("assessments").select(["fiscal_year", "capability_id", "status", "est_cost_cents"]).where("center_id", "=", centerId).execute(),
  ]);
  const byId = new Map(catalog.map((c) => [c.id, c]));
  const leaves = assessableCapabilities(catalog, HEADLINE_FRAMEWORK);
  const byYear = new Map<number, Map<string, { status: AssessmentStatus; est: number | null }>>();
  for (const r of rows) {
    if (!byYear.has(r.fiscal_year)) byYear.set(r.fiscal_year, new Map());
    byYear.get(r.fiscal_year)!.set(r.capability_id, { status: r.status, est: r.est_cost_cents });
  }
  const years = [...byYear.keys()].sort((a, b) => b - a);
  const fy = fiscalYear ?? years[0] ?? null;
  const yearScores = [...years].sort((a, b) => a - b).map((y) => {
    const s = byYear.get(y)!;
    const r = computeScore(leaves, (id) => s.get(id)?.status);
    return { fiscalYear: y, score: r.score, gaps: r.gaps.length };
  });
  const empty: CenterGapView = {
    fiscalYear: fy,
    years,
    score: null,
    review: null,
    reviewText: null,
    gaps: [],
    byArea: [],
    byCocEc: [],
    fundingTotalCents: 0,
    estCostTotalCents: 0,
    areaScores: [],
    yearScores,
  };
  if (fy === null) return empty;

  const statuses = byYear.get(fy) ?? new Map();
  const statusOf = (id: string) => statuses.get(id)?.status;
  const result = computeScore(leaves, statusOf);

  const lines = await db
    .selectFrom("budget_lines as bl")
    .innerJoin("awards as a", "a.id", "bl.award_id")
    .select(["bl.id", "bl.capability_id", "bl.amount_cents"])
    .where("a.center_id", "=", centerId)
    .where("a.fiscal_year", "=", fy)
    .where("a.voided_at", "is", null)
    .where("bl.voided_at", "is", null)
    .where("bl.capability_id", "is not", null)
    .execute();
  const graph = buildCapabilityGraph(
    catalog.map((c) => ({ id: c.id, parent_id: c.parent_id, privacy: c.privacy === 1 })),
    links,
  );
  const cocEcIds = new Set(catalog.filter((c) => c.framework_id === "coc-ec").map((c) => c.id));
  const linkedCocEc = (id: string): string[] => {
    const chain = graph.ancestorsOrSelf(id);
    const out = new Set<string>();
    for (const l of links) {
      if (chain.includes(l.from_id) && cocEcIds.has(l.to_id)) out.add(l.to_id);
      if (chain.includes(l.to_id) && cocEcIds.has(l.from_id)) out.add(l.from_id);
    }
    return catalog.filter((c) => out.has(c.id)).map((c) => c.id);
  };

  const aimedLines = new Set<number>();
  const cocEc = cocEcGaps(assessableCapabilities(catalog, COC_EC_FRAMEWORK), statusOf);
  const gaps: GapRow[] = [...result.gaps, ...cocEc].map((id) => {
    const status: StatusOrNotAssessed = statusOf(id) ?? "not_assessed";
    let funding = 0;
    for (const l of lines) {
      if (graph.funds(l.capability_id!, id)) {
        funding += l.amount_cents;
        aimedLines.add(l.id);
      }
    }
    // A COC/EC gap is grouped under COC or EC, as a baseline gap is under its area.
    const group = cocEcIds.has(id) ? cocEcGroup(id) : null;
    const areaId = group?.id ?? areaOf(byId, id);
    return {
      capabilityId: id,
      title: byId.get(id)?.title ?? id,
      areaId,
      areaTitle: group?.title ?? byId.get(areaId)?.title ?? areaId,
      status,
      statusLabel: STATUS_LABELS[status],
      estCostCents: statuses.get(id)?.est ?? null,
      fundingCents: funding,
      cocEc: cocEcIds.has(id) ? [id] : linkedCocEc(id),
    };
  });

  // Grouped by area; while an area is itself the assessed capability (no items imported), a heading
  // per gap would repeat the row, so such gaps are grouped under their section (I, II) instead.
  const byArea: CenterGapView["byArea"] = [];
  for (const g of gaps) {
    const key = g.areaId !== g.capabilityId ? g.areaId : (graph.ancestorsOrSelf(g.capabilityId).at(-1) ?? g.areaId);
    let group = byArea.find((a) => a.areaId === key);
    if (!group) byArea.push((group = { areaId: key, title: g.areaId === key ? g.areaTitle : (byId.get(key)?.title ?? key), gaps: [] }));
    group.gaps.push(g);
  }
  const byCocEc: CenterGapView["byCocEc"] = catalog
    .filter((c) => cocEcIds.has(c.id))
    .map((c) => ({ id: c.id as string | null, title: c.title, gaps: gaps.filter((g) => g.cocEc.includes(c.id)) }))
    .filter((g) => g.gaps.length > 0);
  const unmapped = gaps.filter((g) => g.cocEc.length === 0);
  if (unmapped.length > 0) byCocEc.push({ id: null, title: "Not mapped to a COC or EC", gaps: unmapped });

  // Radar and bar: every area of the framework (score of its leaves, gaps among them).
  const areaIds: string[] = [];
  for (const l of leaves) {
    const a = areaOf(byId, l.id);
    if (!areaIds.includes(a)) areaIds.push(a);
  }
  const areaScores = areaIds.map((areaId) => {
    const members = leaves.filter((l) => areaOf(byId, l.id) === areaId);
    const r = computeScore(members, statusOf);
    return { areaId, title: byId.get(areaId)?.title ?? areaId, score: r.score, gaps: r.gaps.length };
  });

  return {
    ...empty,
    score: { ...result, status: baselineStatus(result).label },
    gaps,
    byArea,
    byCocEc,
    fundingTotalCents: lines.filter((l) => aimedLines.has(l.id)).reduce((s, l) => s + l.amount_cents, 0),
    estCostTotalCents: gaps.reduce((s, g) => s + (g.estCostCents ?? 0), 0),
    areaScores,
  };
}

// ---------------------------------------------------------------------------------------------
// Capability page and the scores command
// ---------------------------------------------------------------------------------------------

export type CapabilityTrendRow = CapabilityTrendPoint;

export interface CapabilityView {
  capability: CatalogRow;
  frameworkTitle: string;
  parent: { id: string; title: string } | null;
  children: { id: string; title: string }[];
  linked: { id: string; title: string }[];
  assessable: boolean;
  fiscalYear: number | null;
  years: number[];
  gapCenters: { code: string; name: string; state: string; status: StatusOrNotAssessed; statusLabel: string; estCostCents: number | null }[];
  trend: CapabilityTrendRow[];
}

/**
 * One capability across the centers the user may see: which have it as a gap in `fiscalYear`
 * (default: the latest year with any assessment) and, per year, how many meet it. Gap and "meets"
 * come from scores.ts applied to this one capability.
 */
export async function capabilityView(db: Kysely<Database>, capabilityId: string, scope: CenterScope, fiscalYear?: number | null): Promise<CapabilityView | null> {
  const [frameworks, catalog, links] = await Promise.all([listFrameworks(db), listCapabilities(db), listLinks(db)]);
  const capability = catalog.find((c) => c.id === capabilityId);
  if (!capability) return null;
  const byId = new Map(catalog.map((c) => [c.id, c]));
  const assessable = assessableCapabilities(catalog, capability.framework_id).some((c) => c.id === capabilityId);
  const linkedIds = links.flatMap((l) => (l.from_id === capabilityId ? [l.to_id] : l.to_id === capabilityId ? [l.from_id] : []));
  const yearRows = await db.selectFrom("assessments").select("fiscal_year").distinct().orderBy("fiscal_year", "desc").execute();
  const years = yearRows.map((r) => r.fiscal_year);
  const fy = fiscalYear ?? years[0] ?? null;

  const centers = await scoped(db.selectFrom("centers").select(["centers.id", "centers.code", "centers.name", "centers.state"]), scope)
    .orderBy("centers.code")
    .execute();
  const rows = assessable
    ? await scoped(
        db
          .selectFrom("assessments")
          .innerJoin("centers", "centers.id", "assessments.center_id")
          .select(["assessments.center_id", "assessments.fiscal_year", "assessments.status", "assessments.est_cost_cents"]),
        scope,
      )
        .where("assessments.capability_id", "=", capabilityId)
        .execute()
    : [];
  const rowOf = new Map(rows.map((r) => [`${r.center_id}|${r.fiscal_year}`, r]));
  const only = [{ id: capabilityId }];

  const gapCenters: CapabilityView["gapCenters"] = [];
  if (assessable && fy !== null) {
    for (const c of centers) {
      const row = rowOf.get(`${c.id}|${fy}`);
      if (computeScore(only, () => row?.status).gaps.length === 0) continue;
      const status: StatusOrNotAssessed = row?.status ?? "not_assessed";
      gapCenters.push({ code: c.code, name: c.name, state: c.state, status, statusLabel: STATUS_LABELS[status], estCostCents: row?.est_cost_cents ?? null });
    }
  }
  const trend: CapabilityTrendRow[] = !assessable
    ? []
    : [...years].sort((a, b) => a - b).map((y) => {
        const t: CapabilityTrendRow = { fiscalYear: y, centers: centers.length, meets: 0, partial: 0, notAchieved: 0, notApplicable: 0, notAssessed: 0, gaps: 0 };
        for (const c of centers) {
          const r = computeScore(only, () => rowOf.get(`${c.id}|${y}`)?.status);
          t.meets += r.achieved;
          t.partial += r.partial;
          t.notAchieved += r.notAchieved;
          t.notApplicable += r.notApplicable;
          t.notAssessed += r.notAssessed;
          t.gaps += r.gaps.length;
        }
        return t;
      });
  const parent = capability.parent_id ? byId.get(capability.parent_id) : undefined;
  return {
    capability,
    frameworkTitle: frameworks.find((f) => f.id === capability.framework_id)?.title ?? capability.framework_id,
    parent: parent ? { id: parent.id, title: parent.title } : null,
    children: catalog.filter((c) => c.parent_id === capabilityId).map((c) => ({ id: c.id, title: c.title })),
    linked: linkedIds.map((id) => ({ id, title: byId.get(id)?.title ?? id })),
    assessable,
    fiscalYear: fy,
    years,
    gapCenters,
    trend,
  };
}

export interface CenterScoreRow extends Pick<ScoreResult, "score" | "achieved" | "partial" | "notAchieved" | "notApplicable" | "notAssessed"> {
  center: string;
  fiscalYear: number;
  framework: string;
  gaps: number;
}

/** A score row as `cli scores --format json` and `/api/v1/scores` write it (snake_case, one shape for both). */
export function scoreRecord(r: CenterScoreRow) {
  return {
    center: r.center,
    fiscal_year: r.fiscalYear,
    framework: r.framework,
    score: r.score,
    achieved: r.achieved,
    partial: r.partial,
    not_achieved: r.notAchieved,
    not_applicable: r.notApplicable,
    not_assessed: r.notAssessed,
    gaps: r.gaps,
  };
}

/** One row per center (sorted by code) for a fiscal year and framework; for `cli scores` and exports. */
export async function scoresForYear(db: Kysely<Database>, fiscalYear: number, frameworkId: string, scope: CenterScope = { kind: "all" }): Promise<CenterScoreRow[]> {
  const catalog = await listCapabilities(db);
  const leaves = assessableCapabilities(catalog, frameworkId);
  const centers = await scoped(db.selectFrom("centers").select(["centers.id", "centers.code"]), scope).orderBy("centers.code").execute();
  const rows = await db.selectFrom("assessments").select(["center_id", "capability_id", "status"]).where("fiscal_year", "=", fiscalYear).execute();
  const byCenter = new Map<number, Map<string, AssessmentStatus>>();
  for (const r of rows) {
    if (!byCenter.has(r.center_id)) byCenter.set(r.center_id, new Map());
    byCenter.get(r.center_id)!.set(r.capability_id, r.status);
  }
  return centers.map((c) => {
    const s = byCenter.get(c.id);
    const r = computeScore(leaves, (id) => s?.get(id));
    return {
      center: c.code,
      fiscalYear,
      framework: frameworkId,
      score: r.score,
      achieved: r.achieved,
      partial: r.partial,
      notAchieved: r.notAchieved,
      notApplicable: r.notApplicable,
      notAssessed: r.notAssessed,
      gaps: r.gaps.length,
    };
  });
}
