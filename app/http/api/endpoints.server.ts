/**
 * Every endpoint of the JSON API, in one table (docs/decisions/024-api-shape.md). The dispatcher
 * (handle.server.ts) routes by it, the OpenAPI document (openapi.server.ts) is generated from it,
 * and tests/api/authorization.test.ts fails when one of these has no case. Handlers stay thin: who,
 * input, model call, reply.
 */
import type { z } from "zod";
import { getDb } from "../../db.server";
import { parseFindingKey } from "../../domain/compliance";
import { todayIso } from "../../domain/dates";
import { centsToDecimal } from "../../domain/money";
import { allows, centerScope, type Principal } from "../../domain/permissions";
import { HEADLINE_FRAMEWORK } from "../../domain/scores";
import { apiAssessments, apiAwards, apiBudgetLines, apiCapabilities, apiCenters, apiPrimeAwards, apiSpending } from "../../models/api-lists.server";
import { scoreRecord, scoresForYear } from "../../models/assessments.server";
import { getCenterByCode } from "../../models/centers.server";
import { centerIdsFor, findingFires, findings } from "../../models/compliance.server";
import { saveDisposition, saveResponse, type SaveResult } from "../../models/findings.server";
import { listDeadlines } from "../../models/obligations.server";
import { reconciliation } from "../../models/reconcile.server";
import { DispositionBody, FindingResponseResult, ImportJsonBody, ImportResult, OpenApiDocument, PAGES, QUERIES, ResponseBody, type Item } from "../../schemas/api";
import { ApiError, decodeCursor, forbidden, isInt, isStr, notFound, pageOf, pageOfComputed } from "./core.server";
import { runApiImport, type ReceivedBody } from "./imports.server";
import { openApiDocument } from "./openapi.server";

export interface ApiContext<Q> {
  request: Request;
  user: Principal;
  query: Q;
  /** POST only: the body as received (held in memory, or in a temp file for imports). */
  body?: ReceivedBody;
}

export interface Endpoint<QS extends z.ZodType = z.ZodType> {
  /** operationId in the OpenAPI document. */
  id: string;
  method: "GET" | "POST";
  path: string;
  summary: string;
  /** Who may call it, for the document (the handler checks). */
  who: string;
  query: QS;
  /** The 200 answer. */
  response: z.ZodType;
  /** POST: the body's media types and the JSON body's schema. */
  body?: { types: string[]; json?: z.ZodType; description: string };
  /** Problems it may answer besides 400/401/429 (every endpoint). */
  errors: number[];
  /** Answered without a token (the document describing the API). */
  public?: boolean;
  run(ctx: ApiContext<z.output<QS>>): Promise<unknown>;
}

function endpoint<QS extends z.ZodType>(e: Endpoint<QS>): Endpoint {
  return e as unknown as Endpoint;
}

const money = (cents: number) => centsToDecimal(cents);
const maybeMoney = (cents: number | null) => (cents === null ? null : centsToDecimal(cents));

/** A center named in a filter: 404 when it does not exist or is outside the user's scope. */
async function readableCenter(user: Principal, code: string | undefined) {
  if (code === undefined) return undefined;
  const center = await getCenterByCode(getDb(), code.toUpperCase());
  if (!center || !allows(user, { can: "read", center })) throw notFound(`No center ${code.toUpperCase()} among the centers you may see.`);
  return center;
}

const ALL_READERS = "Every role; lists hold only the centers the token's user may see.";

export const ENDPOINTS: Endpoint[] = [
  endpoint({
    id: "getOpenApiDocument",
    method: "GET",
    path: "/api/v1/openapi.json",
    summary: "This document: OpenAPI 3.1, generated from the schemas the API validates with",
    who: "Anyone; no token needed.",
    query: QUERIES.none,
    response: OpenApiDocument,
    errors: [],
    public: true,
    async run() {
      return openApiDocument(ENDPOINTS);
    },
  }),
  endpoint({
    id: "listCenters",
    method: "GET",
    path: "/api/v1/centers",
    summary: "Fusion centers",
    who: ALL_READERS,
    query: QUERIES.centers,
    response: PAGES.centers,
    errors: [],
    async run({ user, query }) {
      const rows = await apiCenters(getDb(), user, query, { after: decodeCursor(query.cursor, isInt), limit: query.limit });
      return pageOf(rows, query.limit, (r) => r.id, (r): Item<"centers"> => r);
    },
  }),
  endpoint({
    id: "listCapabilities",
    method: "GET",
    path: "/api/v1/capabilities",
    summary: "The capability catalog (baseline-2008, coc-ec, guidelines-2006)",
    who: "Every role.",
    query: QUERIES.capabilities,
    response: PAGES.capabilities,
    errors: [],
    async run({ query }) {
      const rows = await apiCapabilities(getDb(), query, { after: decodeCursor(query.cursor, isStr), limit: query.limit });
      return pageOf(rows, query.limit, (r) => r.id, (r): Item<"capabilities"> => ({
        id: r.id,
        framework: r.framework_id,
        parent: r.parent_id,
        title: r.title,
        description: r.description,
        privacy: r.privacy === 1,
      }));
    },
  }),
  endpoint({
    id: "listAssessments",
    method: "GET",
    path: "/api/v1/assessments",
    summary: "Capability assessments, one row per center, year and capability",
    who: ALL_READERS,
    query: QUERIES.assessments,
    response: PAGES.assessments,
    errors: [404],
    async run({ user, query }) {
      const center = await readableCenter(user, query.center);
      const rows = await apiAssessments(getDb(), user, { centerId: center?.id, fiscalYear: query.fy, capability: query.capability }, { after: decodeCursor(query.cursor, isInt), limit: query.limit });
      return pageOf(rows, query.limit, (r) => r.id, (r): Item<"assessments"> => ({
        id: r.id,
        center: r.center,
        fiscal_year: r.fiscal_year,
        capability: r.capability_id,
        status: r.status,
        evidence: r.evidence,
        est_cost_cents: r.est_cost_cents,
        est_cost: maybeMoney(r.est_cost_cents),
        updated_at: r.updated_at,
      }));
    },
  }),
  endpoint({
    id: "listPrimeAwards",
    method: "GET",
    path: "/api/v1/prime-awards",
    summary: "Prime awards (federal awards to the State Administrative Agencies)",
    who: "Every role: administrators and auditors all, state officials their states', directors those funding their center.",
    query: QUERIES.prime_awards,
    response: PAGES.prime_awards,
    errors: [],
    async run({ user, query }) {
      const rows = await apiPrimeAwards(getDb(), user, { state: query.state, fiscalYear: query.fy }, { after: decodeCursor(query.cursor, isInt), limit: query.limit });
      return pageOf(rows, query.limit, (r) => r.id, (r): Item<"prime_awards"> => ({ ...r, amount: money(r.amount_cents) }));
    },
  }),
  endpoint({
    id: "listAwards",
    method: "GET",
    path: "/api/v1/awards",
    summary: "Centers' awards (sub-awards of a prime, or direct awards)",
    who: ALL_READERS,
    query: QUERIES.awards,
    response: PAGES.awards,
    errors: [404],
    async run({ user, query }) {
      const center = await readableCenter(user, query.center);
      const rows = await apiAwards(getDb(), user, { centerId: center?.id, fiscalYear: query.fy, program: query.program, voided: query.voided }, { after: decodeCursor(query.cursor, isInt), limit: query.limit });
      return pageOf(rows, query.limit, (r) => r.id, (r): Item<"awards"> => ({
        id: r.id,
        award_number: r.award_number,
        center: r.center,
        program: r.program_code,
        fiscal_year: r.fiscal_year,
        amount_cents: r.amount_cents,
        amount: money(r.amount_cents),
        budgeted_cents: r.budgeted_cents,
        budgeted: money(r.budgeted_cents),
        spent_cents: r.spent_cents,
        spent: money(r.spent_cents),
        match_required_cents: r.match_required_cents,
        match_required: money(r.match_required_cents),
        pop_start: r.pop_start,
        pop_end: r.pop_end,
        prime_award: r.prime_award,
        pass_through: r.pass_through,
        voided_at: r.voided_at,
      }));
    },
  }),
  endpoint({
    id: "listBudgetLines",
    method: "GET",
    path: "/api/v1/budget-lines",
    summary: "Budget lines of the awards",
    who: ALL_READERS,
    query: QUERIES.budget_lines,
    response: PAGES.budget_lines,
    errors: [404],
    async run({ user, query }) {
      const center = await readableCenter(user, query.center);
      const rows = await apiBudgetLines(getDb(), user, { centerId: center?.id, fiscalYear: query.fy, award: query.award, voided: query.voided }, { after: decodeCursor(query.cursor, isInt), limit: query.limit });
      return pageOf(rows, query.limit, (r) => r.id, (r): Item<"budget_lines"> => ({
        id: r.id,
        line_id: r.line_id,
        award: r.award,
        center: r.center,
        fiscal_year: r.fiscal_year,
        capability: r.capability_id,
        poete: r.poete,
        cost_category: r.cost_category,
        amount_cents: r.amount_cents,
        amount: money(r.amount_cents),
        spent_cents: r.spent_cents,
        spent: money(r.spent_cents),
        description: r.description,
        voided_at: r.voided_at,
      }));
    },
  }),
  endpoint({
    id: "listSpending",
    method: "GET",
    path: "/api/v1/spending",
    summary: "Payments against budget lines (negative for refunds)",
    who: ALL_READERS,
    query: QUERIES.spending,
    response: PAGES.spending,
    errors: [404],
    async run({ user, query }) {
      const center = await readableCenter(user, query.center);
      const rows = await apiSpending(
        getDb(),
        user,
        { centerId: center?.id, fiscalYear: query.fy, award: query.award, from: query.from, to: query.to, voided: query.voided },
        { after: decodeCursor(query.cursor, isInt), limit: query.limit },
      );
      return pageOf(rows, query.limit, (r) => r.id, (r): Item<"spending"> => ({ ...r, amount: money(r.amount_cents) }));
    },
  }),
  endpoint({
    id: "listFindings",
    method: "GET",
    path: "/api/v1/findings",
    summary: "Compliance findings, as the findings report and the `findings` command list them",
    who: ALL_READERS,
    query: QUERIES.findings,
    response: PAGES.findings,
    errors: [404],
    async run({ user, query }) {
      const db = getDb();
      await readableCenter(user, query.center);
      const centerIds = await centerIdsFor(db, centerScope(user), { center: query.center?.toUpperCase() });
      const result = await findings(db, { asOf: query.as_of ?? todayIso(), fiscalYear: query.fy, centerIds, rule: query.rule, severity: query.severity });
      return pageOfComputed(
        result.findings,
        (f) => [f.centerCode, f.rule, f.awardNumber ?? "", f.fiscalYear, f.capabilityId ?? ""],
        query.cursor,
        query.limit,
        (f): Item<"findings"> => ({
          key: f.key,
          rule: f.rule,
          severity: f.severity,
          center: f.centerCode,
          award: f.awardNumber,
          fiscal_year: f.fiscalYear,
          capability: f.capabilityId,
          amount_cents: f.amountCents,
          amount: maybeMoney(f.amountCents),
          message: f.message,
          response: f.response?.response ?? null,
          disposition: f.response?.disposition ?? null,
          auditor_note: f.response?.auditorNote ?? null,
          version: f.response?.version ?? 0,
        }),
      );
    },
  }),
  endpoint({
    id: "listScores",
    method: "GET",
    path: "/api/v1/scores",
    summary: "Each center's score and gap counts for a fiscal year",
    who: ALL_READERS,
    query: QUERIES.scores,
    response: PAGES.scores,
    errors: [],
    async run({ user, query }) {
      const rows = await scoresForYear(getDb(), query.fy, query.framework ?? HEADLINE_FRAMEWORK, centerScope(user));
      return pageOfComputed(rows, (r) => [r.center], query.cursor, query.limit, (r): Item<"scores"> => scoreRecord(r));
    },
  }),
  endpoint({
    id: "listDeadlines",
    method: "GET",
    path: "/api/v1/deadlines",
    summary: "Federal reporting deadlines (BSIR, SF-425, PMT, final) with their status at a date",
    who: ALL_READERS,
    query: QUERIES.deadlines,
    response: PAGES.deadlines,
    errors: [404],
    async run({ user, query }) {
      const center = await readableCenter(user, query.center);
      const rows = await listDeadlines(getDb(), { asOf: query.as_of ?? todayIso(), scope: centerScope(user), centerId: center?.id, openOnly: query.open });
      return pageOfComputed(rows, (r) => [r.id], query.cursor, query.limit, (r): Item<"deadlines"> => ({
        id: r.id,
        center: r.centerCode,
        award: r.awardNumber,
        program: r.programCode,
        report: r.report,
        period_start: r.periodStart,
        period_end: r.periodEnd,
        due: r.due,
        submitted_on: r.submittedOn,
        status: r.status,
      }));
    },
  }),
  endpoint({
    id: "listReconciliation",
    method: "GET",
    path: "/api/v1/reconciliation",
    summary: "Centers' sub-awards against the imported USAspending sub-award download",
    who: ALL_READERS,
    query: QUERIES.reconciliation,
    response: PAGES.reconciliation,
    errors: [404],
    async run({ user, query }) {
      const center = await readableCenter(user, query.center);
      const { rows } = await reconciliation(getDb(), centerScope(user), { fiscalYear: query.fy, centerCode: center?.code });
      return pageOfComputed(rows, (r) => [r.primeAward, r.subawardNumber, r.center], query.cursor, query.limit, (r): Item<"reconciliation"> => ({
        status: r.status,
        prime_award: r.primeAward,
        subaward_number: r.subawardNumber,
        center: r.center,
        baseline_amount_cents: r.baselineCents,
        baseline_amount: maybeMoney(r.baselineCents),
        usaspending_amount_cents: r.usaspendingCents,
        usaspending_amount: maybeMoney(r.usaspendingCents),
        difference_cents: r.differenceCents,
        difference: maybeMoney(r.differenceCents),
      }));
    },
  }),
  endpoint({
    id: "createImport",
    method: "POST",
    path: "/api/v1/imports",
    summary: "Import a CSV, XLSX or JSON file: the same checks, all-or-nothing transaction and audit as the import page (dry run unless dry_run=false)",
    who: "Administrators (every center) and directors (their own center's rows).",
    query: QUERIES.imports,
    response: ImportResult,
    body: {
      types: ["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/json"],
      json: ImportJsonBody,
      description: "The file itself (CSV or XLSX, as on the import page), or JSON rows keyed by the format's column names.",
    },
    errors: [403, 409, 413, 415, 422],
    async run({ user, query, body }) {
      if (!allows(user, { can: "import" })) throw forbidden("Only administrators and center directors may import.");
      return runApiImport(getDb(), user, body!, query);
    },
  }),
  endpoint({
    id: "respondToFinding",
    method: "POST",
    path: "/api/v1/findings/responses",
    summary: "A center's corrective-action response to a finding",
    who: "Administrators, and directors for their own center's findings.",
    query: QUERIES.none,
    response: FindingResponseResult,
    body: { types: ["application/json"], json: ResponseBody, description: "The finding's key and version, the report date, and the response." },
    errors: [403, 404, 409, 413, 415, 422],
    async run({ user, body }) {
      if (user.role !== "admin" && user.role !== "director") throw forbidden("Only administrators and center directors answer findings.");
      const input = body!.parse(ResponseBody);
      const { parts } = await findingCenter(user, input.key);
      const db = getDb();
      const firesNow = await findingFires(db, parts, input.as_of);
      const saved = await saveResponse(db, user.id, { key: parts, version: input.version, response: input.response, firesNow, via: "api" });
      return savedReply(input.key, input.as_of, saved);
    },
  }),
  endpoint({
    id: "disposeFinding",
    method: "POST",
    path: "/api/v1/findings/dispositions",
    summary: "An auditor's disposition of a finding, with a note",
    who: "Administrators and auditors.",
    query: QUERIES.none,
    response: FindingResponseResult,
    body: { types: ["application/json"], json: DispositionBody, description: "The finding's key and version, the report date, the disposition and a note." },
    errors: [403, 404, 409, 413, 415, 422],
    async run({ user, body }) {
      if (!allows(user, { can: "audit" })) throw forbidden("Only administrators and auditors record dispositions.");
      const input = body!.parse(DispositionBody);
      const { parts } = await findingCenter(user, input.key);
      const db = getDb();
      const firesNow = await findingFires(db, parts, input.as_of);
      const saved = await saveDisposition(db, user.id, { key: parts, version: input.version, disposition: input.disposition, note: input.note, firesNow, via: "api" });
      return savedReply(input.key, input.as_of, saved);
    },
  }),
];

/** The finding's center, checked: 404 outside the user's scope; 403 when they may not answer it. */
async function findingCenter(user: Principal, key: string) {
  const parts = parseFindingKey(key);
  if (!parts) throw new ApiError(422, "Invalid body", 'Field "key": not a finding key; copy it from /api/v1/findings.');
  const center = await getCenterByCode(getDb(), parts.center_code);
  if (!center || !allows(user, { can: "read", center })) throw notFound(`No center ${parts.center_code} among the centers you may see.`);
  if (user.role === "director" && !allows(user, { can: "respond", center })) throw forbidden("Directors answer their own center's findings only.");
  return { parts, center };
}

function savedReply(key: string, asOf: string, saved: SaveResult): z.output<typeof FindingResponseResult> {
  if (saved.ok) {
    const r = saved.row;
    return { key, response: r.response, disposition: r.disposition, auditor_note: r.auditor_note, version: r.version, updated_at: r.updated_at };
  }
  if (saved.reason === "conflict") {
    throw new ApiError(409, "Changed since you read it", `Someone saved this finding's response in the meantime (now version ${saved.current.version}${saved.changes.length ? `: ${saved.changes.join("; ")}` : ""}). Read it again and resend with that version.`, {
      current_version: saved.current.version,
    });
  }
  throw new ApiError(422, "Nothing to answer", `This finding does not fire as of ${asOf}, so there is nothing to answer.`);
}
