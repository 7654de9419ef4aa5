/**
 * The API's authorization table, as tests/routes/authorization.test.ts is the pages': every endpoint
 * of app/http/api/endpoints.server.ts, called as each role (through an API token bound to the demo
 * account) and without a token. Every answer, refusals included, must match the OpenAPI document.
 * A refused write must leave the audit trail, the finding responses and the import batches as they were.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ENDPOINTS } from "~/http/api/endpoints.server";
import { loadDemo } from "~/demo/load.server";
import { useTestDatabase } from "../helpers/db";
import { cases, type Role } from "./cases";
import { call, tokenFor } from "./contract";

const USERNAMES: Record<Role, string> = { admin: "demo-admin", director: "demo-director", auditor: "demo-auditor", state_official: "demo-state" };
const ROLES = Object.keys(USERNAMES) as Role[];

const t = useTestDatabase();
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  for (const r of ROLES) tokens[r] = await tokenFor(t.db, USERNAMES[r]);
});

async function fingerprint() {
  const count = async (table: "finding_responses" | "import_batches") =>
    Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
  const audit = await t.db.selectFrom("audit_log").select((eb) => eb.fn.max("id").as("m")).executeTakeFirstOrThrow();
  return { audit: audit.m, responses: await count("finding_responses"), batches: await count("import_batches") };
}

describe("API authorization table", () => {
  it("has a case for every endpoint, and every case names an endpoint", () => {
    const ids = new Set(ENDPOINTS.map((e) => e.id));
    const problems = [
      ...ENDPOINTS.filter((e) => !cases.some((c) => c.endpoint === e.id)).map((e) => `${e.method} ${e.path} (${e.id}): no case in tests/api/cases.ts`),
      ...cases.filter((c) => !ids.has(c.endpoint)).map((c) => `case "${c.name}" names ${c.endpoint}, which is not an endpoint`),
      ...cases
        .filter((c) => {
          const e = ENDPOINTS.find((x) => x.id === c.endpoint);
          return e && (e.method !== c.method || e.path !== new URL(c.path, "http://x").pathname);
        })
        .map((c) => `case "${c.name}": ${c.method} ${c.path} is not ${c.endpoint}`),
    ];
    expect(problems).toEqual([]);
  });

  for (const c of cases) {
    describe(`${c.method} ${c.path} — ${c.name}`, () => {
      for (const who of [...ROLES, "no token" as const]) {
        const expected = who === "no token" ? (c.anonymous ?? 401) : c.expect[who];
        it(`${who}: ${expected === "ok" ? "allowed" : expected}`, async () => {
          const input = c.body ? await c.body(t.db) : {};
          const before = expected !== "ok" && c.method === "POST" ? await fingerprint() : null;
          const { res, body } = await call(c.method, c.path, {
            token: who === "no token" ? undefined : tokens[who],
            json: input.json,
            body: input.text,
            contentType: input.contentType,
          });
          if (expected === "ok") expect(res.status, JSON.stringify(body)).toBe(200);
          else expect(res.status, JSON.stringify(body)).toBe(expected);
          if (before) expect(await fingerprint(), "a refused write changed the database").toEqual(before);
        });
      }
    });
  }
});
