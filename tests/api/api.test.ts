/**
 * The JSON API as a state system uses it: tokens, pages, money, ETags, imports, finding answers,
 * idempotent retries and problems. Every response is checked against /api/v1/openapi.json
 * (tests/api/contract.ts), and the document itself against the OpenAPI 3.1 schema.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiDocument } from "~/http/api/handle.server";
import { loadDemo } from "~/demo/load.server";
import { createApiToken, revokeApiToken } from "~/models/api-tokens.server";
import { cookieFor, request, run } from "../helpers/auth";
import { runCli } from "../helpers/cli";
import { useTestDatabase } from "../helpers/db";
import { AS_OF } from "./cases";
import { call, tokenFor } from "./contract";

const t = useTestDatabase();
let admin = "";
let director = "";
let auditor = "";
const savedPath = process.env.DATABASE_PATH;

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: AS_OF });
  admin = await tokenFor(t.db, "demo-admin");
  director = await tokenFor(t.db, "demo-director");
  auditor = await tokenFor(t.db, "demo-auditor");
  process.env.DATABASE_PATH = t.file;
});
afterAll(() => {
  if (savedPath === undefined) delete process.env.DATABASE_PATH;
  else process.env.DATABASE_PATH = savedPath;
});

const cli = (argv: string[]) => runCli(argv);

async function lastAudit() {
  return t.db.selectFrom("audit_log").selectAll().orderBy("id", "desc").limit(1).executeTakeFirstOrThrow();
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document and is served without a token", async () => {
    const validator = new Validator();
    const result = await validator.validate(apiDocument() as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    const { res, body } = await call("GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(body).toEqual(apiDocument());
  });
});

describe("tokens", () => {
  it("a request without a token, with a cookie only, or with a revoked or expired token is 401", async () => {
    expect((await call("GET", "/api/v1/centers")).res.status).toBe(401);
    expect((await call("GET", "/api/v1/centers", { headers: { Cookie: "__session=anything" } })).res.status).toBe(401);
    const user = await t.db.selectFrom("users").select("id").where("username", "=", "demo-auditor").executeTakeFirstOrThrow();
    const created = await createApiToken(t.db, { userId: user.id, name: "to revoke", actorId: null });
    if (!created.ok) throw new Error(created.error);
    expect((await call("GET", "/api/v1/centers", { token: created.token })).res.status).toBe(200);
    expect(await revokeApiToken(t.db, { id: created.id, actorId: null })).toBe(true);
    const revoked = await call("GET", "/api/v1/centers", { token: created.token, clientAddress: "192.0.2.50" });
    expect(revoked.res.status).toBe(401);
    expect(revoked.res.headers.get("WWW-Authenticate")).toContain("Bearer");
    const expired = await createApiToken(t.db, { userId: user.id, name: "expired", actorId: null }, new Date(Date.now() - 100 * 86400_000));
    if (!expired.ok) throw new Error(expired.error);
    expect((await call("GET", "/api/v1/centers", { token: expired.token, clientAddress: "192.0.2.51" })).res.status).toBe(401);
  });

  it("bad tokens are throttled like failed sign-ins: after 5 from one address, even a good token waits (429, Retry-After)", async () => {
    const address = "198.51.100.7";
    for (let i = 0; i < 5; i++) expect((await call("GET", "/api/v1/centers", { token: `bl_guess${i}`, clientAddress: address })).res.status).toBe(401);
    const held = await call("GET", "/api/v1/centers", { token: admin, clientAddress: address });
    expect(held.res.status).toBe(429);
    expect(Number(held.res.headers.get("Retry-After"))).toBeGreaterThan(0);
    // Another address is not held back.
    expect((await call("GET", "/api/v1/centers", { token: admin, clientAddress: "198.51.100.8" })).res.status).toBe(200);
  });

  it("the command line adds (printing the token alone), lists and revokes tokens; creating and revoking are audited", async () => {
    const added = await cli(["tokens", "add", "--user", "demo-state", "--name", "state system", "--expires", "2099-01-01"]);
    expect(added.code, added.err).toBe(2); // more than a year ahead
    const ok = await cli(["tokens", "add", "--user", "demo-state", "--name", "state system"]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/^bl_[A-Za-z0-9_-]{43}\n$/);
    const token = ok.out.trim();
    expect((await call("GET", "/api/v1/centers", { token })).res.status).toBe(200);
    const list = await cli(["tokens", "list", "--user", "demo-state"]);
    expect(list.out).toContain("state system");
    expect(list.out).not.toContain(token);
    const id = list.out.split("\n").find((l) => l.includes("state system"))!.split("\t")[0];
    expect(await t.db.selectFrom("api_tokens").select("last_used_at").where("id", "=", Number(id)).executeTakeFirstOrThrow()).not.toEqual({ last_used_at: null });
    expect((await cli(["tokens", "revoke", id])).code).toBe(0);
    expect(await lastAudit()).toMatchObject({ action: "void", entity: "api_token", entity_id: id });
    expect((await call("GET", "/api/v1/centers", { token, clientAddress: "192.0.2.60" })).res.status).toBe(401);
    expect((await cli(["tokens", "revoke", id])).code).toBe(1);
    const stored = await t.db.selectFrom("api_tokens").select("token_hash").where("id", "=", Number(id)).executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token.slice(3, 20));
  });
});

describe("tokens on the account page", () => {
  it("a user creates a token for themself (shown once), uses it, and revokes it; another user's token is not theirs to revoke", async () => {
    const account = await import("~/routes/account");
    const cookie = await cookieFor(t.db, "demo-state");
    const created = (await run(account.action, request("/account", { cookie, form: { intent: "token-create", name: "county script", expires: "" } }))) as Response;
    const data = await created.json();
    expect(data.created.token).toMatch(/^bl_/);
    const { res, body } = await call("GET", "/api/v1/centers?limit=1000", { token: data.created.token });
    expect(res.status).toBe(200);
    expect(new Set(body.items.map((c: { state: string }) => c.state))).toEqual(new Set(["VA", "TX"]));
    const page = (await run(account.loader, request("/account", { cookie }))) as { apiTokens: { id: number; name: string; lastUsedAt: string | null }[] };
    const row = page.apiTokens.find((x) => x.name === "county script")!;
    expect(row.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(page)).not.toContain(data.created.token);

    const adminTokenId = (await t.db.selectFrom("api_tokens").innerJoin("users", "users.id", "api_tokens.user_id").select("api_tokens.id").where("users.username", "=", "demo-admin").executeTakeFirstOrThrow()).id;
    await run(account.action, request("/account", { cookie, form: { intent: "token-revoke", token: String(adminTokenId) } }));
    expect((await call("GET", "/api/v1/centers", { token: admin })).res.status).toBe(200);
    await run(account.action, request("/account", { cookie, form: { intent: "token-revoke", token: String(row.id) } }));
    expect((await call("GET", "/api/v1/centers", { token: data.created.token, clientAddress: "192.0.2.70" })).res.status).toBe(401);
  });
});

describe("tokens on an administrator's user page", () => {
  it("an administrator creates a token for another user, which acts as that user, and revokes it", async () => {
    const page = await import("~/routes/admin.users.$id");
    const cookie = await cookieFor(t.db, "demo-admin");
    const director = await t.db.selectFrom("users").select("id").where("username", "=", "demo-director").executeTakeFirstOrThrow();
    const path = `/admin/users/${director.id}`;
    const res = (await run(page.action, request(path, { cookie, form: { intent: "token-create", name: "VA finance system" } }), { id: String(director.id) })) as Response;
    const { created } = await res.json();
    const { body } = await call("GET", "/api/v1/centers?limit=1000", { token: created.token });
    expect(new Set(body.items.map((c: { state: string }) => c.state))).toEqual(new Set(["VA"]));
    expect((await call("POST", "/api/v1/findings/dispositions", { token: created.token, json: { key: "x", version: 0, as_of: AS_OF, disposition: "open" } })).res.status).toBe(403);
    const loaded = (await run(page.loader, request(path, { cookie }), { id: String(director.id) })) as { apiTokens: { id: number; name: string }[] };
    const row = loaded.apiTokens.find((x) => x.name === "VA finance system")!;
    await run(page.action, request(path, { cookie, form: { intent: "token-revoke", token: String(row.id) } }), { id: String(director.id) });
    expect((await call("GET", "/api/v1/centers", { token: created.token, clientAddress: "192.0.2.90" })).res.status).toBe(401);
  });
});

describe("lists", () => {
  it("walks every center exactly once in pages of 7, and the cursor survives a new center", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { res, body } = await call("GET", `/api/v1/centers?limit=7${cursor ? `&cursor=${cursor}` : ""}`, { token: admin });
      expect(res.status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(7);
      seen.push(...body.items.map((c: { code: string }) => c.code));
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 100);
    expect(seen.length).toBe(80);
    expect(new Set(seen).size).toBe(80);
  });

  it("findings carry the report's fields, filtered by fy, as_of and center, in pages that join up", async () => {
    const all = await call("GET", `/api/v1/findings?fy=2025&as_of=${AS_OF}&center=VA&limit=1000`, { token: director });
    expect(all.res.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThan(1);
    for (const f of all.body.items) {
      expect(f.center).toBe("VA");
      expect(f.fiscal_year).toBe(2025);
      expect(Object.keys(f)).toEqual(expect.arrayContaining(["rule", "severity", "center", "award", "fiscal_year", "capability", "amount_cents", "message"]));
    }
    const first = await call("GET", `/api/v1/findings?fy=2025&as_of=${AS_OF}&center=VA&limit=1`, { token: director });
    const second = await call("GET", `/api/v1/findings?fy=2025&as_of=${AS_OF}&center=VA&limit=1&cursor=${first.body.next_cursor}`, { token: director });
    expect([first.body.items[0].key, second.body.items[0].key]).toEqual(all.body.items.slice(0, 2).map((f: { key: string }) => f.key));
  });

  it("money is integer cents and the same figure as a decimal string", async () => {
    const { body } = await call("GET", "/api/v1/spending?limit=1000", { token: admin });
    for (const s of body.items) {
      expect(Number.isInteger(s.amount_cents)).toBe(true);
      expect(Math.round(Number(s.amount) * 100)).toBe(s.amount_cents);
    }
    const refund = (await call("GET", "/api/v1/awards?limit=3", { token: admin })).body.items[0];
    expect(refund.amount).toBe(`${Math.floor(refund.amount_cents / 100)}.${String(refund.amount_cents % 100).padStart(2, "0")}`);
  });

  it("answers 304 to If-None-Match while nothing changed, and 200 with a new ETag after a change", async () => {
    const path = `/api/v1/findings?center=VA&as_of=${AS_OF}&fy=2025`;
    const first = await call("GET", path, { token: director });
    const etag = first.res.headers.get("ETag")!;
    expect(etag).toMatch(/^".+"$/);
    const again = await call("GET", path, { token: director, headers: { "If-None-Match": etag } });
    expect(again.res.status).toBe(304);
    const f = first.body.items[0];
    const saved = await call("POST", "/api/v1/findings/responses", { token: director, json: { key: f.key, version: f.version, as_of: AS_OF, response: "Policy review in July." } });
    expect(saved.res.status, JSON.stringify(saved.body)).toBe(200);
    const after = await call("GET", path, { token: director, headers: { "If-None-Match": etag } });
    expect(after.res.status).toBe(200);
    expect(after.res.headers.get("ETag")).not.toBe(etag);
    expect(after.body.items.find((x: { key: string }) => x.key === f.key).response).toBe("Policy review in July.");
  });

  it("refuses bad query strings with a problem naming the parameter", async () => {
    for (const [path, word] of [
      ["/api/v1/centers?limit=1001", "limit"],
      ["/api/v1/centers?limit=0", "limit"],
      ["/api/v1/centers?cursor=not-a-cursor", "cursor"],
      ["/api/v1/awards?colour=red", "colour"],
      ["/api/v1/scores", "fy"],
    ] as const) {
      const { res, body } = await call("GET", path, { token: admin });
      expect(res.status, path).toBe(400);
      expect(res.headers.get("Content-Type")).toBe("application/problem+json");
      expect(body.detail).toContain(word);
    }
  });
});

describe("imports", () => {
  const csv = (award: string, amount: string) =>
    `line_id,award_number,capability,poete,cost_category,amount,description\nAPI-L1,${award},I.A,planning,supplies,${amount},API import\n`;
  async function vaAward() {
    const { body } = await call("GET", "/api/v1/awards?center=VA&fy=2025", { token: director });
    return body.items[0].award_number as string;
  }

  it("is a dry run unless dry_run=false; the commit is one batch audited under the token's user, marked as API", async () => {
    const award = await vaAward();
    const dry = await call("POST", "/api/v1/imports?type=budget_lines", { token: director, body: csv(award, "10.00"), contentType: "text/csv" });
    expect(dry.res.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, committed: false, added: 1, batch_id: null });
    expect((await call("GET", `/api/v1/budget-lines?award=${award}&limit=1000`, { token: director })).body.items.some((l: { line_id: string }) => l.line_id === "API-L1")).toBe(false);

    const done = await call("POST", "/api/v1/imports?type=budget_lines&dry_run=false", { token: director, body: csv(award, "10.00"), contentType: "text/csv" });
    expect(done.res.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ dry_run: false, committed: true, added: 1 });
    const audit = await lastAudit();
    const directorId = (await t.db.selectFrom("users").select("id").where("username", "=", "demo-director").executeTakeFirstOrThrow()).id;
    expect(audit).toMatchObject({ action: "import", entity: "import_batch", entity_id: String(done.body.batch_id), user_id: directorId });
    expect(JSON.parse(audit.after_json!)).toMatchObject({ via: "api", rows_added: 1 });
    const lines = (await call("GET", `/api/v1/budget-lines?award=${award}&limit=1000`, { token: director })).body.items;
    expect(lines.find((l: { line_id: string }) => l.line_id === "API-L1")).toMatchObject({ amount_cents: 1000, amount: "10.00" });
  });

  it("JSON rows go through the same checks; errors are a problem with the row and column, and nothing is written", async () => {
    const award = await vaAward();
    const before = await lastAudit();
    const { res, body } = await call("POST", "/api/v1/imports?type=budget_lines&dry_run=false", {
      token: director,
      json: {
        rows: [
          { line_id: "API-J1", award_number: award, capability: "I.A", poete: "planning", cost_category: "supplies", amount: "5.00", description: "ok" },
          { line_id: "API-J2", award_number: award, capability: "I.A", poete: "planning", cost_category: "nonsense", amount: "5.00", description: "bad" },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(res.headers.get("Content-Type")).toBe("application/problem+json");
    expect(body.errors).toEqual([expect.objectContaining({ row: 2, column: "cost_category" })]);
    expect(body.error_count).toBe(1);
    expect((await lastAudit()).id).toBe(before.id);
  });

  it("a director's file naming another state's award is refused row by row; auditors may not import at all (403)", async () => {
    const md = (await call("GET", "/api/v1/awards?center=MD&limit=1", { token: admin })).body.items[0].award_number;
    const mine = await call("POST", "/api/v1/imports?type=budget_lines", { token: director, body: csv(md, "1.00"), contentType: "text/csv" });
    expect(mine.res.status).toBe(422);
    expect(mine.body.errors[0]).toMatchObject({ row: 2, column: "award_number" });
    const refused = await call("POST", "/api/v1/imports", { token: auditor, body: csv(md, "1.00"), contentType: "text/csv" });
    expect(refused.res.status).toBe(403);
  });

  it("an XLSX body is read as the upload page reads it, with errors by sheet row and column", async () => {
    const fs = await import("node:fs");
    const xlsx = fs.readFileSync("tests/fixtures/import/spending.xlsx");
    const { res, body } = await call("POST", "/api/v1/imports", {
      token: admin,
      body: xlsx,
      contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    });
    // The fixture pays budget lines of a network other than the demo's: every row names an unknown line.
    expect(res.status).toBe(422);
    expect(body.errors.length).toBeGreaterThan(0);
    expect(body.errors[0]).toMatchObject({ row: 2, column: "line_id" });
  });

  it("a JSON cell holding a line break still reports later rows by their position", async () => {
    const award = await vaAward();
    const row = (id: string, category: string, description: string) => ({ line_id: id, award_number: award, capability: "I.A", poete: "planning", cost_category: category, amount: "1.00", description });
    const { res, body } = await call("POST", "/api/v1/imports?type=budget_lines", {
      token: director,
      json: { rows: [row("API-M1", "supplies", "two\nlines"), row("API-M2", "supplies", "three\nlines\nhere"), row("API-M3", "nonsense", "bad")] },
    });
    expect(res.status).toBe(422);
    expect(body.errors).toEqual([expect.objectContaining({ row: 3, column: "cost_category" })]);
  });

  it("refuses an unknown media type (415) and an empty body (422)", async () => {
    expect((await call("POST", "/api/v1/imports", { token: director, body: "x", contentType: "image/png" })).res.status).toBe(415);
    expect((await call("POST", "/api/v1/imports", { token: director, body: "", contentType: "text/csv" })).res.status).toBe(422);
  });

  it("refuses a JSON body over its limit with 413, before writing anything", async () => {
    const big = JSON.stringify({ key: "x".repeat(1024 * 1024 + 10), version: 0, as_of: AS_OF, response: "x" });
    const { res } = await call("POST", "/api/v1/findings/responses", { token: director, body: big, contentType: "application/json" });
    expect(res.status).toBe(413);
  });
});

describe("idempotent writes", () => {
  it("a retry with the same key gets the first answer and writes nothing; the same key with another body is 422", async () => {
    const award = (await call("GET", "/api/v1/awards?center=VA&fy=2025", { token: director })).body.items[0].award_number;
    const body = `line_id,award_number,capability,poete,cost_category,amount,description\nAPI-IDEM,${award},I.A,planning,supplies,2.00,once\n`;
    const send = (text: string) =>
      call("POST", "/api/v1/imports?type=budget_lines&dry_run=false", { token: director, body: text, contentType: "text/csv", headers: { "Idempotency-Key": "import-2025-06-30-a" } });
    const first = await send(body);
    expect(first.res.status, JSON.stringify(first.body)).toBe(200);
    const audit = await lastAudit();
    const retry = await send(body);
    expect(retry.res.status).toBe(200);
    expect(retry.res.headers.get("Idempotent-Replayed")).toBe("true");
    expect(retry.body).toEqual(first.body);
    expect((await lastAudit()).id).toBe(audit.id);
    const other = await send(body.replace("2.00", "3.00"));
    expect(other.res.status).toBe(422);
    expect(other.body.title).toContain("Idempotency-Key");
    // Keys are per user: the admin's same key is a new request.
    const adminSend = await call("POST", "/api/v1/imports?type=budget_lines", { token: admin, body, contentType: "text/csv", headers: { "Idempotency-Key": "import-2025-06-30-a" } });
    expect(adminSend.res.headers.get("Idempotent-Replayed")).toBeNull();
  });
});

describe("idempotency keys", () => {
  it("a second request while the first runs is told to wait; a key is per user", async () => {
    const { claimIdempotencyKey, storeIdempotentAnswer } = await import("~/models/idempotency.server");
    const users = await t.db.selectFrom("users").select("id").orderBy("id").limit(2).execute();
    const first = await claimIdempotencyKey(t.db, { userId: users[0].id, key: "k-1", requestHash: "a".repeat(64) });
    expect(first.kind).toBe("claimed");
    expect(await claimIdempotencyKey(t.db, { userId: users[0].id, key: "k-1", requestHash: "a".repeat(64) })).toEqual({ kind: "in-progress" });
    expect(await claimIdempotencyKey(t.db, { userId: users[0].id, key: "k-1", requestHash: "b".repeat(64) })).toEqual({ kind: "mismatch" });
    expect((await claimIdempotencyKey(t.db, { userId: users[1].id, key: "k-1", requestHash: "b".repeat(64) })).kind).toBe("claimed");
    if (first.kind !== "claimed") throw new Error("not claimed");
    await storeIdempotentAnswer(t.db, first.id, { status: 200, contentType: "application/json", body: "{}" });
    expect(await claimIdempotencyKey(t.db, { userId: users[0].id, key: "k-1", requestHash: "a".repeat(64) })).toMatchObject({ kind: "replay", answer: { status: 200 } });
    // A day later the key is free again.
    const later = new Date(Date.now() + 25 * 3600_000);
    expect((await claimIdempotencyKey(t.db, { userId: users[0].id, key: "k-1", requestHash: "b".repeat(64) }, later)).kind).toBe("claimed");
  });
});

describe("finding answers", () => {
  it("a response and a disposition are saved, audited as API writes; a stale version is 409", async () => {
    const list = (await call("GET", `/api/v1/findings?center=VA&as_of=${AS_OF}&fy=2025&limit=1000`, { token: auditor })).body.items;
    const f = list[list.length - 1];
    const disposed = await call("POST", "/api/v1/findings/dispositions", { token: auditor, json: { key: f.key, version: f.version, as_of: AS_OF, disposition: "resolved", note: "Closed out." } });
    expect(disposed.res.status, JSON.stringify(disposed.body)).toBe(200);
    expect(disposed.body).toMatchObject({ disposition: "resolved", auditor_note: "Closed out.", version: f.version + 1 });
    const audit = await lastAudit();
    expect(audit.entity).toBe("finding_response");
    expect(JSON.parse(audit.after_json!)).toMatchObject({ via: "api", disposition: "resolved" });
    const stale = await call("POST", "/api/v1/findings/responses", { token: director, json: { key: f.key, version: f.version, as_of: AS_OF, response: "Late." } });
    expect(stale.res.status).toBe(409);
    expect(stale.body.current_version).toBe(f.version + 1);
    const bad = await call("POST", "/api/v1/findings/responses", { token: director, json: { key: "nope", version: 0, as_of: AS_OF, response: "x" } });
    expect(bad.res.status).toBe(422);
  });
});

describe("bad input", () => {
  it("no query string or body an endpoint is sent answers a server error", async () => {
    const { ENDPOINTS } = await import("~/http/api/endpoints.server");
    const queries = ["limit=abc", "limit=-1", "fy=abc", "fy=1999", "center=%00", "center=ZZ", "cursor=", "cursor=WzFd", "cursor=%FF", "as_of=2025-02-30", "voided=maybe", "from=yesterday", "type=nonsense", "dry_run=no", "state=virginia"];
    const bodies: Array<[string, string]> = [
      ["application/json", "{"],
      ["application/json", "[]"],
      ["application/json", '{"rows": []}'],
      ["application/json", '{"rows": [{"a": {"b": 1}}]}'],
      ["application/json", '{"key": "[\\"MA-CAP\\",\\"ZZ\\",\\"\\",2025,\\"\\"]", "version": 0, "as_of": "2025-06-30", "response": "x", "disposition": "open"}'],
      ["text/csv", "not,a,known,header\n1,2,3,4\n"],
      ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\u0003\u0004 broken zip"],
    ];
    for (const e of ENDPOINTS) {
      for (const q of queries) {
        const { res } = await call(e.method, `${e.path}?${q}`, { token: admin, ...(e.method === "POST" ? { json: {} } : {}) });
        expect(res.status, `${e.method} ${e.path}?${q}`).toBeLessThan(500);
      }
      if (e.method !== "POST") continue;
      for (const [type, text] of bodies) {
        const { res } = await call("POST", e.path, { token: admin, body: text, contentType: type });
        expect(res.status, `${e.path} ${type} ${text}`).toBeLessThan(500);
        expect(res.status, `${e.path} ${type} ${text}`).not.toBe(200);
      }
    }
  });

  it("a deactivated user's tokens stop working", async () => {
    const token = await tokenFor(t.db, "demo-auditor", "to deactivate");
    await t.db.updateTable("users").set({ active: 0 }).where("username", "=", "demo-auditor").execute();
    try {
      expect((await call("GET", "/api/v1/centers", { token, clientAddress: "192.0.2.80" })).res.status).toBe(401);
    } finally {
      await t.db.updateTable("users").set({ active: 1 }).where("username", "=", "demo-auditor").execute();
    }
  });
});

describe("routing", () => {
  it("an unknown path is 404 and a wrong method 405, as problems", async () => {
    const { handleApi } = await import("~/http/api/handle.server");
    const missing = await handleApi(new Request("http://localhost/api/v1/nothing", { headers: { Authorization: `Bearer ${admin}` } }), {});
    expect(missing.status).toBe(404);
    expect(missing.headers.get("Content-Type")).toBe("application/problem+json");
    const res = await handleApi(new Request("http://localhost/api/v1/centers", { method: "POST", headers: { Authorization: `Bearer ${admin}` } }), {});
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET");
  });
});
