/**
 * The API's contract in tests: every response is checked against /api/v1/openapi.json with ajv
 * (JSON Schema 2020-12, OpenAPI 3.1's dialect), and requests go through the real dispatcher.
 */
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { expect } from "vitest";
import type { DB } from "../../db/client";
import { handleApi, apiDocument } from "../../app/http/api/handle.server";
import { createApiToken } from "../../app/models/api-tokens.server";

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const DOC_ID = "baseline-openapi";
let added = false;

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
}

/** Validates one response against the document's schema for its path, method, status and type. */
export async function expectMatchesDocument(method: string, path: string, res: Response): Promise<unknown> {
  const doc = apiDocument() as any;
  if (!added) {
    ajv.addSchema(doc, DOC_ID);
    added = true;
  }
  const pathname = new URL(path, "http://localhost").pathname;
  const op = doc.paths[pathname]?.[method.toLowerCase()];
  expect(op, `${method} ${pathname} is not in the OpenAPI document`).toBeDefined();
  const described = op.responses[String(res.status)];
  expect(described, `${method} ${pathname} answered ${res.status}, which the document does not list`).toBeDefined();
  if (res.status === 304) return null;
  const type = (res.headers.get("Content-Type") ?? "").split(";")[0];
  expect(Object.keys(described.content ?? {}), `${method} ${pathname} ${res.status}: Content-Type ${type}`).toContain(type);
  const body = await res.clone().json();
  const validate = ajv.getSchema(`${DOC_ID}#/${pointer("paths", pathname, method.toLowerCase(), "responses", String(res.status), "content", type, "schema")}`)!;
  expect(validate, "schema not found in the document").toBeTypeOf("function");
  const ok = validate(body);
  expect(ok, `${method} ${path} ${res.status} does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`).toBe(true);
  return body;
}

export interface CallOptions {
  token?: string;
  json?: unknown;
  body?: BodyInit;
  contentType?: string;
  headers?: Record<string, string>;
  clientAddress?: string;
}

/** One API request through the dispatcher, validated against the document. */
export async function call(method: "GET" | "POST", path: string, opts: CallOptions = {}): Promise<{ res: Response; body: any }> {
  const headers = new Headers(opts.headers);
  if (opts.token) headers.set("Authorization", `Bearer ${opts.token}`);
  let body: BodyInit | undefined = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers.set("Content-Type", "application/json");
  } else if (opts.contentType) headers.set("Content-Type", opts.contentType);
  const req = new Request(`http://localhost${path}`, { method, headers, body });
  const res = await handleApi(req, { clientAddress: opts.clientAddress ?? "192.0.2.10" });
  const parsed = await expectMatchesDocument(method, path, res);
  return { res, body: parsed };
}

export async function tokenFor(db: DB, username: string, name = "test"): Promise<string> {
  const user = await db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirstOrThrow();
  const created = await createApiToken(db, { userId: user.id, name, actorId: null });
  if (!created.ok) throw new Error(created.error);
  return created.token;
}
