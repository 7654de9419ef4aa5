/**
 * The API's dispatcher (docs/decisions/023-api-tokens.md, 024-api-shape.md): finds the endpoint,
 * authenticates the bearer token, parses the query string, runs the handler, and answers JSON,
 * 304 for an unchanged list, or a problem. Writes honour `Idempotency-Key`.
 */
import { createHash } from "node:crypto";
import { apiPrincipal } from "../../auth/api-token.server";
import { getDb } from "../../db.server";
import { claimIdempotencyKey, releaseIdempotencyKey, storeIdempotentAnswer } from "../../models/idempotency.server";
import { ApiError, json, jsonWithEtag, problemResponse, zodProblem } from "./core.server";
import { ENDPOINTS, type Endpoint } from "./endpoints.server";
import { receiveBody, type ReceivedBody } from "./imports.server";
import { openApiDocument } from "./openapi.server";

export { PROBLEM_MEANINGS } from "./openapi.server";

export const API_PREFIX = "/api/v1";
export const OPENAPI_PATH = `${API_PREFIX}/openapi.json`;

export function apiDocument(): Record<string, unknown> {
  return openApiDocument(ENDPOINTS);
}

function route(method: string, pathname: string): Endpoint {
  const path = pathname.replace(/\/+$/, "");
  const here = ENDPOINTS.filter((e) => e.path === path);
  if (here.length === 0) throw new ApiError(404, "Not found", `No endpoint ${path}; the list is at ${OPENAPI_PATH}.`);
  const m = method === "HEAD" ? "GET" : method;
  const e = here.find((x) => x.method === m);
  if (!e) throw new ApiError(405, "Method not allowed", `${path} answers ${here.map((x) => x.method).join(", ")}.`, {}, { Allow: here.map((x) => x.method).join(", ") });
  return e;
}

export async function handleApi(request: Request, context: Record<string, unknown> = {}): Promise<Response> {
  const url = new URL(request.url);
  let body: ReceivedBody | undefined;
  try {
    const endpoint = route(request.method, url.pathname);
    if (endpoint.public) return jsonWithEtag(request, await endpoint.run({ request, user: null as never, query: {} }));
    const user = await apiPrincipal(request, context);
    const parsed = endpoint.query.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) throw zodProblem(parsed.error, "query");
    if (endpoint.method === "GET") return jsonWithEtag(request, await endpoint.run({ request, user, query: parsed.data }));

    const key = request.headers.get("Idempotency-Key");
    if (key !== null && !/^[\x21-\x7E]{1,255}$/.test(key)) throw new ApiError(400, "Bad request", "Idempotency-Key must be 1 to 255 visible ASCII characters.");
    body = await receiveBody(request, endpoint.path.endsWith("/imports") ? "import" : "json");
    if (key === null) return json(await endpoint.run({ request, user, query: parsed.data, body }));

    const requestHash = createHash("sha256").update([request.method, url.pathname, url.search, body.mediaType, body.sha256].join("\n")).digest("hex");
    const db = getDb();
    const claim = await claimIdempotencyKey(db, { userId: user.id, key, requestHash });
    if (claim.kind === "mismatch") throw new ApiError(422, "Idempotency-Key reused", "This Idempotency-Key was used for a different request; use a new key for a new request.");
    if (claim.kind === "in-progress") throw new ApiError(409, "Request in progress", "The first request with this Idempotency-Key is still running; retry in a moment.", {}, { "Retry-After": "1" });
    if (claim.kind === "replay") {
      return new Response(claim.answer.body, { status: claim.answer.status, headers: { "Content-Type": claim.answer.contentType, "Idempotent-Replayed": "true", "Cache-Control": "no-store" } });
    }
    let answer: Response;
    try {
      answer = json(await endpoint.run({ request, user, query: parsed.data, body }));
    } catch (error) {
      if (!(error instanceof ApiError)) {
        await releaseIdempotencyKey(db, claim.id);
        throw error;
      }
      answer = problemResponse(error, url.pathname);
    }
    const text = await answer.clone().text();
    await storeIdempotentAnswer(db, claim.id, { status: answer.status, contentType: answer.headers.get("Content-Type") ?? "application/json", body: text });
    return answer;
  } catch (error) {
    if (error instanceof ApiError) return problemResponse(error, url.pathname);
    console.error(`API ${request.method} ${url.pathname} failed:`, error);
    return problemResponse(new ApiError(500, "Server error", "Something went wrong on the server; nothing was saved. Try again, and tell an administrator if it keeps happening."), url.pathname);
  } finally {
    body?.dispose();
  }
}
