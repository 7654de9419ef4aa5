/**
 * The OpenAPI 3.1 document, generated from the endpoint table and its zod schemas (app/schemas/api.ts)
 * with zod's own JSON Schema output (JSON Schema 2020-12, OpenAPI 3.1's dialect). Nothing here is
 * written by hand that the code does not also use, so the document cannot drift
 * (docs/decisions/024-api-shape.md).
 */
import { z } from "zod";
import { apiSchemas, Problem, SCHEMA_DESCRIPTIONS } from "../../schemas/api";
import type { Endpoint } from "./endpoints.server";

const REF = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** A schema as a component reference when it is named, inline otherwise. */
function schemaOf(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const id = apiSchemas.get(schema)?.id;
  if (id) return REF(id);
  return strip(z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>);
}

function strip(s: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, $id: _i, ...rest } = s;
  return rest;
}

/** What each problem status means, in the document and on the reference page. */
export const PROBLEM_MEANINGS: Record<number, string> = {
  400: "Bad query string or request",
  401: "No token, or an unknown, expired or revoked one",
  403: "The token's user may not do this",
  404: "No such record, or outside the user's centers",
  409: "Conflict: the record changed, or the Idempotency-Key is still in use",
  413: "Body too large",
  415: "Unsupported media type",
  422: "Invalid body, or the file has errors (row and column in `errors`)",
  429: "Too many failed tokens from this address (Retry-After)",
  405: "The path exists but not with this method (Allow)",
  411: "A body without a Content-Length",
  500: "Something failed on the server",
};

function parametersOf(e: Endpoint) {
  const shape = (e.query as z.ZodObject).shape ?? {};
  return Object.entries(shape).map(([name, field]) => {
    const schema = strip(z.toJSONSchema(field as z.ZodType, { io: "input", unrepresentable: "any" }) as Record<string, unknown>);
    const { description, ...rest } = schema;
    const required = !(field as z.ZodType).safeParse(undefined).success;
    return { name, in: "query", required, ...(description ? { description } : {}), schema: rest };
  });
}

let cached: Record<string, unknown> | undefined;

/** The document for the endpoint table, built once per process (it only changes with the code). */
export function openApiDocument(endpoints: readonly Endpoint[]): Record<string, unknown> {
  return (cached ??= buildDocument(endpoints));
}

function buildDocument(endpoints: readonly Endpoint[], serverUrl = "/"): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(apiSchemas, { io: "output", unrepresentable: "any", uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  const components: Record<string, unknown> = {};
  for (const [id, s] of Object.entries(schemas)) {
    const description = SCHEMA_DESCRIPTIONS[id];
    components[id] = { ...strip(s), ...(description ? { description } : {}) };
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of endpoints) {
    // Every write may also be refused by server.ts before it reaches the API: cross-site (403), no length (411), too long (413).
    const writes = e.method === "POST" ? [403, 411, 413] : [];
    const statuses = [...new Set([...(e.public ? [] : [400, 401, 429]), ...writes, ...e.errors])].sort((a, b) => a - b);
    const responses: Record<string, unknown> = {
      200: {
        description: "OK",
        ...(e.method === "GET" ? { headers: { ETag: { description: "Send as If-None-Match to get 304 while nothing changed", schema: { type: "string" } } } } : {}),
        content: { "application/json": { schema: schemaOf(e.response, "output") } },
      },
    };
    if (e.method === "GET") responses[304] = { description: "Not modified (If-None-Match named the current ETag)" };
    for (const s of statuses) responses[s] = { description: PROBLEM_MEANINGS[s] ?? "Error", content: { "application/problem+json": { schema: REF(apiSchemas.get(Problem)!.id) } } };
    const parameters: unknown[] = parametersOf(e);
    if (e.method === "POST") {
      parameters.push({
        name: "Idempotency-Key",
        in: "header",
        required: false,
        description: "Makes a retry safe: the same key and request within 24 hours get the first answer again, and nothing is written twice",
        schema: { type: "string", minLength: 1, maxLength: 255 },
      });
    }
    paths[e.path] ??= {};
    paths[e.path][e.method.toLowerCase()] = {
      operationId: e.id,
      ...(e.public ? { security: [] } : {}),
      summary: e.summary,
      description: `Who: ${e.who}`,
      parameters,
      ...(e.body
        ? {
            requestBody: {
              required: true,
              description: e.body.description,
              content: Object.fromEntries(
                e.body.types.map((t) => [t, t === "application/json" && e.body!.json ? { schema: schemaOf(e.body!.json, "input") } : { schema: { type: "string", contentMediaType: t } }]),
              ),
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Baseline API",
      version: "1.0.0",
      description:
        "Read Baseline's grant, assessment and compliance data and import files. Authenticate with `Authorization: Bearer <token>` " +
        "(tokens: the account page, or `npm run -s cli -- tokens add`). Lists answer `{items, next_cursor}`; money is integer cents " +
        "and a decimal string; errors are application/problem+json (RFC 9457).",
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    paths,
    components: { schemas: components, securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API token (bl_…)" } } },
  };
}
