import type { DB } from "../../db/client";
import { findings } from "../../app/models/compliance.server";

/**
 * The API's authorization cases: one or more per endpoint of app/http/api/endpoints.server.ts
 * (tests/api/authorization.test.ts fails when an endpoint has none). Demo data as of 2025-06-30:
 * demo-director directs VA; demo-state sees VA and TX, not MD.
 *
 * `expect` per signed-in role: "ok" (200), 403 (the role may never do this) or 404 (the record is
 * outside the user's centers). A request without a token is 401 everywhere. Allowed writes really
 * run, in the order admin, director, auditor, state_official: bodies are computed just before each.
 */
export type Role = "admin" | "director" | "auditor" | "state_official";
export type Expected = "ok" | 403 | 404;

export interface ApiCase {
  endpoint: string;
  name: string;
  method: "GET" | "POST";
  path: string;
  body?: (db: DB) => Promise<{ json?: unknown; text?: string; contentType?: string }>;
  expect: Record<Role, Expected>;
  /** Without a token: 401 unless the endpoint is public. */
  anonymous?: Expected;
}

const EVERYONE: Record<Role, Expected> = { admin: "ok", director: "ok", auditor: "ok", state_official: "ok" };
const OUTSIDE_MD: Record<Role, Expected> = { admin: "ok", director: 404, auditor: "ok", state_official: 404 };
export const AS_OF = "2025-06-30";

async function firstFinding(db: DB, code: string) {
  const center = await db.selectFrom("centers").select("id").where("code", "=", code).executeTakeFirstOrThrow();
  const { findings: list } = await findings(db, { asOf: AS_OF, centerIds: [center.id] });
  if (list.length === 0) throw new Error(`The demo has no finding for ${code} as of ${AS_OF}`);
  return list[0];
}

/** A body answering the center's first finding at its current version. */
function answer(code: string, fields: Record<string, string>) {
  return async (db: DB) => {
    const f = await firstFinding(db, code);
    return { json: { key: f.key, version: f.response?.version ?? 0, as_of: AS_OF, ...fields } };
  };
}

async function vaAward(db: DB) {
  const award = await db
    .selectFrom("awards")
    .innerJoin("centers", "centers.id", "awards.center_id")
    .select("awards.award_number")
    .where("centers.code", "=", "VA")
    .where("awards.fiscal_year", "=", 2025)
    .where("awards.voided_at", "is", null)
    .orderBy("awards.id")
    .executeTakeFirstOrThrow();
  return award.award_number;
}

export const cases: ApiCase[] = [
  { endpoint: "getOpenApiDocument", name: "the document", method: "GET", path: "/api/v1/openapi.json", expect: EVERYONE, anonymous: "ok" },
  { endpoint: "listCenters", name: "centers in scope", method: "GET", path: "/api/v1/centers", expect: EVERYONE },
  { endpoint: "listCapabilities", name: "catalog", method: "GET", path: "/api/v1/capabilities?framework=baseline-2008", expect: EVERYONE },
  { endpoint: "listAssessments", name: "VA's assessments", method: "GET", path: "/api/v1/assessments?center=VA&fy=2024", expect: EVERYONE },
  { endpoint: "listAssessments", name: "MD's assessments", method: "GET", path: "/api/v1/assessments?center=MD", expect: OUTSIDE_MD },
  { endpoint: "listPrimeAwards", name: "primes in scope", method: "GET", path: "/api/v1/prime-awards?fy=2024", expect: EVERYONE },
  { endpoint: "listAwards", name: "VA's awards", method: "GET", path: "/api/v1/awards?center=VA", expect: EVERYONE },
  { endpoint: "listAwards", name: "MD's awards", method: "GET", path: "/api/v1/awards?center=MD", expect: OUTSIDE_MD },
  { endpoint: "listBudgetLines", name: "VA's lines", method: "GET", path: "/api/v1/budget-lines?center=VA&fy=2024", expect: EVERYONE },
  { endpoint: "listBudgetLines", name: "MD's lines", method: "GET", path: "/api/v1/budget-lines?center=MD", expect: OUTSIDE_MD },
  { endpoint: "listSpending", name: "VA's payments", method: "GET", path: "/api/v1/spending?center=VA&limit=50", expect: EVERYONE },
  { endpoint: "listSpending", name: "MD's payments", method: "GET", path: "/api/v1/spending?center=MD", expect: OUTSIDE_MD },
  { endpoint: "listFindings", name: "findings in scope", method: "GET", path: `/api/v1/findings?fy=2025&as_of=${AS_OF}`, expect: EVERYONE },
  { endpoint: "listFindings", name: "MD's findings", method: "GET", path: `/api/v1/findings?center=MD&as_of=${AS_OF}`, expect: OUTSIDE_MD },
  { endpoint: "listScores", name: "scores of FY2024", method: "GET", path: "/api/v1/scores?fy=2024", expect: EVERYONE },
  { endpoint: "listDeadlines", name: "VA's deadlines", method: "GET", path: `/api/v1/deadlines?center=VA&as_of=${AS_OF}`, expect: EVERYONE },
  { endpoint: "listDeadlines", name: "MD's deadlines", method: "GET", path: "/api/v1/deadlines?center=MD", expect: OUTSIDE_MD },
  { endpoint: "listReconciliation", name: "reconciliation in scope", method: "GET", path: "/api/v1/reconciliation", expect: EVERYONE },
  { endpoint: "listReconciliation", name: "MD's reconciliation", method: "GET", path: "/api/v1/reconciliation?center=MD", expect: OUTSIDE_MD },
  {
    endpoint: "createImport",
    name: "dry run of a VA budget line",
    method: "POST",
    path: "/api/v1/imports?type=budget_lines",
    body: async (db) => ({
      contentType: "text/csv",
      text: `line_id,award_number,capability,poete,cost_category,amount,description\nAPI-CASE-1,${await vaAward(db)},I.A,planning,supplies,1.00,Matrix case\n`,
    }),
    expect: { admin: "ok", director: "ok", auditor: 403, state_official: 403 },
  },
  {
    endpoint: "respondToFinding",
    name: "answer a VA finding",
    method: "POST",
    path: "/api/v1/findings/responses",
    body: answer("VA", { response: "Corrective action planned." }),
    expect: { admin: "ok", director: "ok", auditor: 403, state_official: 403 },
  },
  {
    endpoint: "respondToFinding",
    name: "answer an MD finding",
    method: "POST",
    path: "/api/v1/findings/responses",
    body: answer("MD", { response: "Corrective action planned." }),
    expect: { admin: "ok", director: 404, auditor: 403, state_official: 403 },
  },
  {
    endpoint: "disposeFinding",
    name: "dispose of a VA finding",
    method: "POST",
    path: "/api/v1/findings/dispositions",
    body: answer("VA", { disposition: "accepted", note: "Evidence reviewed." }),
    expect: { admin: "ok", director: 403, auditor: "ok", state_official: 403 },
  },
];
