/**
 * The API's replies (docs/decisions/024-api-shape.md): JSON, errors as application/problem+json
 * (RFC 9457), opaque cursors and ETags. Bodies are received in imports.server.ts.
 */
import { createHash } from "node:crypto";
import type { z } from "zod";
import type { RowError } from "../../import/rows";

/** Problem types are links to their explanation on the API reference page (RFC 9457 §3.1.1: a URI reference). */
export const PROBLEM_TYPE_BASE = "/api/v1/docs#problem-";

/** Thrown anywhere below a handler; the dispatcher answers it as a problem. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = "ApiError";
  }
}

export const TYPE_OF: Record<number, string> = {
  400: "bad-request",
  401: "unauthorized",
  403: "forbidden",
  404: "not-found",
  405: "method-not-allowed",
  409: "conflict",
  411: "length-required",
  413: "too-large",
  415: "unsupported-media-type",
  422: "unprocessable",
  429: "too-many-requests",
  500: "server-error",
};

export function problemResponse(error: ApiError, instance?: string): Response {
  const body = {
    type: PROBLEM_TYPE_BASE + (TYPE_OF[error.status] ?? "error"),
    title: error.title,
    status: error.status,
    ...(error.detail ? { detail: error.detail } : {}),
    ...(instance ? { instance } : {}),
    ...error.extra,
  };
  return new Response(`${JSON.stringify(body)}\n`, {
    status: error.status,
    headers: { "Content-Type": "application/problem+json", "Cache-Control": "no-store", ...error.headers },
  });
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) => new ApiError(400, "Bad request", detail, extra);
export const notFound = (detail = "No such record, or not yours to see.") => new ApiError(404, "Not found", detail);
export const forbidden = (detail = "Your account may not do this.") => new ApiError(403, "Forbidden", detail);

/** The first zod issue as one sentence naming the parameter or field. */
export function zodProblem(error: z.ZodError, where: "query" | "body"): ApiError {
  const issue = error.issues[0];
  const name = issue.path.map(String).join(".");
  const what = where === "query" ? `Query parameter "${name}"` : name ? `Field "${name}"` : "The body";
  const unknown = issue.code === "unrecognized_keys" ? `${where === "query" ? "Unknown query parameter" : "Unknown field"}: ${issue.keys.join(", ")}` : null;
  return where === "query" ? badRequest(unknown ?? `${what}: ${issue.message}`) : new ApiError(422, "Invalid body", unknown ?? `${what}: ${issue.message}`);
}

/** Import row errors as a problem: the rows and columns, so a client can point at the cell. */
export function importProblem(detail: string, errors: RowError[], errorCount: number): ApiError {
  return new ApiError(422, "The file has errors; nothing was imported", detail, { errors, error_count: errorCount });
}

// ---- Cursors ----------------------------------------------------------------------------------

/** A cursor is the last item's key, base64url JSON: opaque to clients, stable across writes. */
export function encodeCursor(key: number | string | (number | string)[]): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

export function decodeCursor<K>(cursor: string | undefined, check: (v: unknown) => v is K): K | undefined {
  if (cursor === undefined) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (check(v)) return v;
  } catch {}
  throw badRequest('Query parameter "cursor": not a cursor this list gave out. Start again without it.');
}

export const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
export const isStr = (v: unknown): v is string => typeof v === "string";
export const isTuple = (v: unknown): v is (string | number)[] => Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number");

/** One page of rows read with limit + 1: the extra row only says there is a next page. */
export function pageOf<R, T>(rows: R[], limit: number, keyOf: (row: R) => number | string | (number | string)[], map: (row: R) => T) {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { items: shown.map(map), next_cursor: more ? encodeCursor(keyOf(shown[shown.length - 1])) : null };
}

function compareKeys(a: (string | number)[], b: (string | number)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * A computed list (findings, scores, deadlines, reconciliation) paged like a stored one: sorted by a
 * unique key tuple, and the page starts after the cursor's key, wherever that key now falls.
 */
export function pageOfComputed<R, T>(rows: readonly R[], keyOf: (row: R) => (string | number)[], cursor: string | undefined, limit: number, map: (row: R) => T) {
  const after = decodeCursor(cursor, isTuple);
  const sorted = rows.map((r) => ({ r, k: keyOf(r) })).sort((x, y) => compareKeys(x.k, y.k));
  const start = after === undefined ? 0 : sorted.findIndex((x) => compareKeys(x.k, after) > 0);
  const slice = start < 0 ? [] : sorted.slice(start, start + limit + 1);
  return pageOf(slice, limit, (x) => x.k, (x) => map(x.r));
}

// ---- Replies ----------------------------------------------------------------------------------

/**
 * A JSON reply with a strong ETag of its body; `If-None-Match` naming it gets 304 without the body,
 * so a client polling an unchanged list moves no data.
 */
export function jsonWithEtag(request: Request, value: unknown): Response {
  // A final newline, so a reply printed by curl ends its line.
  const body = `${JSON.stringify(value)}\n`;
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;
  const headers = { ETag: etag, "Cache-Control": "private, no-cache", Vary: "Authorization" };
  const match = request.headers.get("If-None-Match");
  if (match && (match.trim() === "*" || match.split(",").some((t) => t.trim().replace(/^W\//, "") === etag))) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(body, { status: 200, headers: { ...headers, "Content-Type": "application/json" } });
}

export function json(value: unknown, status = 200): Response {
  return new Response(`${JSON.stringify(value)}\n`, { status, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
}

// ---- Bodies (read in imports.server.ts) ---------------------------------------------------

export function tooLarge(limit: number): ApiError {
  return new ApiError(413, "Request body too large", `The body may be at most ${limit / (1024 * 1024)} MB. Nothing was saved.`);
}
