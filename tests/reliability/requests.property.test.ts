import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { open, openPostgres } from "../../db/client";
import { withFriendlyErrorPages } from "../../app/http/storage-errors.server";
import { cookieFor } from "../helpers/auth";
import { allRoutes } from "./forms";
import { databaseEnv, demoDatabase, ensureBuild, fingerprint, isPostgresRef, tempDir } from "./harness";

/**
 * Arbitrary requests to every loader and action, through the production build as server.ts serves
 * it (the wrapped build, pages rendered): arbitrary methods, content types, field names (bracketed
 * list indexes up to billions, Conform's __intent__/__state__, prototype names), values, query
 * strings and route params, signed out or as each role. Whatever comes in, the answer is not a
 * 5xx and nothing is written: the audit trail stays where it was after every request, and every
 * table but the failed sign-in counter hashes the same at the end.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const ROUTES = allRoutes();
const USERS = ["", "demo-admin", "demo-director", "demo-auditor", "demo-state"];

let dir: string;
let dbFile: string;
let handler: (request: Request) => Promise<Response>;
let audit: () => Promise<{ last: number; rows: number }>;
let closeAudit: () => Promise<void>;
const cookies: Record<string, string> = {};
const valid: Record<string, string[]> = {};

beforeAll(async () => {
  const root = ensureBuild({ fresh: true });
  dir = tempDir();
  dbFile = await demoDatabase(path.join(dir, "fuzz.sqlite"));
  // The app in this process opens the fuzzed database, on either engine.
  Object.assign(process.env, databaseEnv(dbFile));
  const db = isPostgresRef(dbFile) ? openPostgres(dbFile) : open(dbFile).db;
  for (const u of USERS) cookies[u] = u ? await cookieFor(db, u) : "";
  const award = (await db.selectFrom("awards").select("award_number").where("voided_at", "is", null).orderBy("id").limit(1).executeTakeFirstOrThrow()).award_number;
  const user = (await db.selectFrom("users").select("id").where("username", "=", "demo-director").executeTakeFirstOrThrow()).id;
  await db.destroy();
  Object.assign(valid, { code: ["VA", "MD"], fy: ["2025"], number: [award], id: [String(user), "I.A"], token: ["x".repeat(32)], type: ["awards"] });
  const build = (await import(/* @vite-ignore */ pathToFileURL(path.join(root, "build/index.js")).href)) as ServerBuild;
  handler = createRequestHandler(withFriendlyErrorPages(build), "production") as unknown as (request: Request) => Promise<Response>;
  const reader = isPostgresRef(dbFile) ? openPostgres(dbFile) : open(dbFile).db;
  audit = async () =>
    (await sql<{ last: number; rows: number }>`select coalesce(max(id), 0) as last, count(*) as rows from audit_log`.execute(reader)).rows[0];
  closeAudit = () => reader.destroy();
}, 180_000);

afterAll(async () => {
  await closeAudit?.();
  delete process.env.DATABASE_PATH;
  fs.rmSync(dir, { recursive: true, force: true });
});

const ident = fc.stringMatching(/^[a-z][A-Za-z]{0,8}$/);
const index = fc.oneof(fc.nat(3000), fc.integer({ min: 0, max: 4_000_000_000 }), fc.constant(10_000_000));
const bracketed = fc
  .tuple(ident, fc.array(index, { minLength: 1, maxLength: 3 }), fc.option(ident))
  .map(([a, idx, leaf]) => `${a}${idx.map((i) => `[${i}]`).join("")}${leaf ? `.${leaf}` : ""}`);
const fieldName = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  bracketed,
  fc.constantFrom("intent", "__intent__", "__state__", "__proto__", "constructor", "toString", "rows[0].status", "lines[0].amount", "version", "token", "file", "x".repeat(200)),
);
const fieldValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.json({ maxDepth: 2 }),
  fc.constantFrom(
    "{",
    "null",
    '{"type":"insert","payload":{"name":"x","index":99999999}}',
    '{"type":"update","payload":{"name":"rows[5000000]","value":1}}',
    '{"type":"remove","payload":{"name":"intent","index":0}}',
    "__proto__",
    "\u0000",
    "A".repeat(1024 * 1024 + 1),
  ),
);
const queryKey = fc.oneof(fc.constantFrom("done", "page", "fy", "center", "line", "spend", "payments", "void", "guidelines", "download", "redirectTo", "year", "state", "kind", "agency", "program"), fieldName);
const queryValue = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "-1", "0", "99999999999999", "1e309", "NaN", "", "errors", "%", "/\r\nSet-Cookie: x=1", "//evil.example"),
  fc.string({ maxLength: 30 }),
);
const param = (name: string) => fc.oneof(fc.constantFrom(...(valid[name] ?? ["1"])), fc.string({ maxLength: 20 }), fc.constantFrom("__proto__", "999999999", "-1", "..", "%00"));

const request = fc.record({
  route: fc.nat(),
  user: fc.constantFrom(...USERS),
  method: fc.constantFrom("GET", "GET", "HEAD", "POST", "POST", "POST", "PUT", "PATCH", "DELETE"),
  type: fc.constantFrom("urlencoded", "urlencoded", "multipart", "multipart", "multipart-no-boundary", "json", "text", "none", "urlencoded-utf16"),
  fields: fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 8 }),
  query: fc.array(fc.tuple(queryKey, queryValue), { maxLength: 4 }),
  seed: fc.nat(),
});

type Generated = typeof request extends fc.Arbitrary<infer R> ? R : never;

function bodyOf(g: Generated): { headers: Record<string, string>; body?: BodyInit } {
  const pairs = g.fields.map(([k, v]) => [k, v] as [string, string]);
  switch (g.type) {
    case "urlencoded":
      return { headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(pairs).toString() };
    case "urlencoded-utf16":
      return { headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-16" }, body: new URLSearchParams(pairs).toString() };
    case "multipart": {
      const fd = new FormData();
      for (const [k, v] of pairs) fd.append(k, v);
      return { headers: {}, body: fd };
    }
    case "multipart-no-boundary":
      return { headers: { "Content-Type": "multipart/form-data" }, body: pairs.map(([k, v]) => `--X\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join("") + "--X--\r\n" };
    case "json":
      return { headers: { "Content-Type": "application/json" }, body: JSON.stringify(Object.fromEntries(pairs)) };
    case "text":
      return { headers: { "Content-Type": "text/plain" }, body: pairs.map(([k, v]) => `${k}=${v}`).join("\n") };
    default:
      return { headers: {}, body: pairs.length ? pairs.map(([k, v]) => `${k}=${v}`).join("&") : undefined };
  }
}

describe("arbitrary requests to every loader and action", () => {
  it("found the routes", () => {
    expect(ROUTES.length).toBeGreaterThan(30);
    expect(ROUTES.filter((r) => r.exports.includes("action")).length).toBeGreaterThan(10);
  });

  it(`${RUNS} requests: never a 5xx, never a write`, async () => {
    const before = await fingerprint(dbFile);
    const start = await audit();
    const statuses: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(request, fc.array(fc.tuple(fc.nat(), fc.oneof(...Object.keys(valid).map(param), fc.string({ maxLength: 20 }))), { maxLength: 3 }), async (g, overrides) => {
        const route = ROUTES[g.route % ROUTES.length];
        // Mostly reads for pages without an action (Remix answers anything else 405), a few writes anyway.
        const method = route.exports.includes("action") || g.seed % 4 === 0 ? g.method : g.seed % 2 ? "GET" : "HEAD";
        const params: Record<string, string> = {};
        for (const p of route.params) params[p] = (valid[p.replace(/\..*$/, "")] ?? ["1"])[0];
        for (const [i, v] of overrides) if (route.params.length) params[route.params[i % route.params.length]] = v;
        const pathname =
          "/" +
          route.segments
            .map((s) => {
              if (!s.startsWith("$")) return s;
              const suffix = s.slice(1).split(".").slice(1);
              return encodeURIComponent(params[s.slice(1)] ?? "") + (suffix.length ? `.${suffix.join(".")}` : "");
            })
            .join("/");
        const query = new URLSearchParams(g.query);
        if (route.index && method !== "GET") query.set("index", "");
        const url = `http://localhost${pathname}${query.size ? `?${query}` : ""}`;
        const { headers, body } = method === "GET" || method === "HEAD" ? { headers: {}, body: undefined } : bodyOf(g);
        const init: RequestInit = { method, headers: { ...headers, ...(cookies[g.user] ? { Cookie: cookies[g.user] } : {}) }, body };
        const res = await handler(new Request(url, init));
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        expect(res.status, `${method} ${url.slice(0, 200)} (${g.type}) as ${g.user || "anonymous"}`).toBeLessThan(500);
        expect(await audit(), `${method} ${url.slice(0, 200)} wrote to the audit trail`).toEqual(start);
      }),
      { numRuns: RUNS },
    );
    expect(await fingerprint(dbFile)).toBe(before);
    console.log(`statuses: ${JSON.stringify(statuses)}`);
  }, 300_000);
});
