/// <reference types="vite/client" />
/**
 * The table-driven authorization test: every loader and action of every module in
 * app/routes, called as each role and as an anonymous visitor, against the demo data.
 *
 * - allowed: not 401/403/404, not a server error, not sent to sign in;
 * - refused: anonymous is redirected to /login?redirectTo=… (302/303); signed-in users get 403, or 404
 *   where the route hides that the record exists;
 * - a refused POST leaves the database as it was: no insert, update or delete was committed on any table
 *   (test-only triggers log them), and every table's row count and the audit trail's last id are unchanged.
 *
 * Cases live in tests/routes/cases/<feature>.ts. A route module without a case fails this file.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { engineOf, sqliteHandle, type DB } from "../../db/client";
import { loadDemo } from "~/demo/load.server";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";
import type { CaseContext, RouteCase, Who } from "./route-case";

type RouteModule = { loader?: (args: any) => Promise<unknown>; action?: (args: any) => Promise<unknown> };

const caseFiles = import.meta.glob<{ cases?: RouteCase[] }>("./cases/*.ts", { eager: true });
// Flat files, and folder routes (app/routes/<name>/route.tsx, named "<name>/route.tsx" in a case).
const routeImporters = import.meta.glob<RouteModule>(["../../app/routes/*.{ts,tsx}", "../../app/routes/*/route.{ts,tsx}"]);

// The JSON API (api.v1.$.ts) answers tokens, not sessions (401, never a sign-in redirect): its own
// matrix, tests/api/authorization.test.ts, walks each of its endpoints for every role.
const API_ROUTE = "api.v1.$.ts";
const routeFiles = new Map(
  Object.entries(routeImporters)
    .map(([key, importer]) => [key.replace("../../app/routes/", ""), importer] as const)
    .filter(([file]) => file !== API_ROUTE),
);
const allCases: Array<RouteCase & { source: string }> = Object.entries(caseFiles).flatMap(([key, mod]) =>
  (mod.cases ?? []).map((c) => ({ ...c, source: path.basename(key) })),
);

const ROLES: Who[] = ["admin", "director", "auditor", "state_official", "anonymous"];
const USERNAMES: Record<Exclude<Who, "anonymous">, string> = {
  admin: "demo-admin",
  director: "demo-director", // director of center VA
  auditor: "demo-auditor",
  state_official: "demo-state", // state official for VA and TX, not MD
};

// ---- Remix flat-route file names → URL params -------------------------------------------------

type Segment = { kind: "static"; text: string } | { kind: "param"; name: string; suffix: string; optional: boolean } | { kind: "splat" };

/** "centers.$code._index.tsx" → [centers, :code]; follows Remix v2 flat-route naming. */
function routePattern(file: string): Segment[] {
  const base = file.replace(/\/route\.(tsx|ts)$/, "").replace(/\.(tsx|ts|jsx|js)$/, "");
  const parts: string[] = [];
  let current = "";
  let inBracket = false;
  for (const ch of base) {
    if (ch === "[") inBracket = true;
    else if (ch === "]") inBracket = false;
    else if (ch === "." && !inBracket) {
      parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  parts.push(current);
  const segments: Segment[] = [];
  for (let part of parts) {
    if (part === "_index" || (part.startsWith("_") && !part.startsWith("_["))) continue;
    if (part.endsWith("_") && !part.endsWith("]_")) part = part.slice(0, -1);
    else if (part.endsWith("]_")) part = part.slice(0, -1);
    const optional = /^\(.*\)$/.test(part);
    if (optional) part = part.slice(1, -1);
    if (part === "$") segments.push({ kind: "splat" });
    else if (part.startsWith("$")) {
      // "$token[.]ics" is the param "token" followed by the literal ".ics" (React Router reads `:token.ics` so).
      const m = /^\$([\w-]+)(.*)$/.exec(part)!;
      segments.push({ kind: "param", name: m[1], suffix: m[2].replace(/[[\]]/g, ""), optional });
    }
    else segments.push({ kind: "static", text: part.replace(/[[\]]/g, "") });
  }
  return segments;
}

/** The params a request path gives the route module, or null when the path does not fit its file name. */
function matchParams(file: string, urlPath: string): Record<string, string> | null {
  const segments = routePattern(file);
  const parts = urlPath.split("?")[0].split("/").filter(Boolean).map(decodeURIComponent);
  const go = (si: number, pi: number, params: Record<string, string>): Record<string, string> | null => {
    if (si === segments.length) return pi === parts.length ? params : null;
    const s = segments[si];
    if (s.kind === "splat") return { ...params, "*": parts.slice(pi).join("/") };
    if (s.kind === "static") return parts[pi] === s.text ? go(si + 1, pi + 1, params) : null;
    if (pi < parts.length && parts[pi].endsWith(s.suffix) && parts[pi].length > s.suffix.length) {
      const taken = go(si + 1, pi + 1, { ...params, [s.name]: parts[pi].slice(0, parts[pi].length - s.suffix.length) });
      if (taken) return taken;
    }
    return s.optional ? go(si + 1, pi, params) : null;
  };
  return go(0, 0, {});
}

// ---- Database fingerprint ----------------------------------------------------------------------

/**
 * Test-only triggers log every committed insert, update and delete on every table (a rolled-back
 * attempt rolls its log rows back too), so a refused write that changed anything shows, whichever
 * table it touched. Hashing 130,000 demo rows per request would make this file minutes long.
 * SQLite: TEMP triggers into a TEMP table of the test's connection. PostgreSQL has no TEMP triggers
 * on lasting tables: a log table and a row trigger (plus TRUNCATE) on every other table, in this
 * test file's own database.
 */
const WRITE_LOG = "test_write_log";
// A session's last-seen time moves on any request, refused or not (decision 011): bookkeeping, not data.
const NOT_LOGGED = new Set(["sessions", WRITE_LOG]);

async function tableNames(db: DB): Promise<string[]> {
  if (engineOf(db) === "sqlite") {
    return sqliteHandle(db).prepare("select name from main.sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").pluck().all() as string[];
  }
  const r = await sql<{ name: string }>`select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name <> ${WRITE_LOG} order by table_name collate "C"`.execute(db);
  return r.rows.map((row) => row.name);
}

async function installWriteLog(ctx: CaseContext): Promise<void> {
  const tables = (await tableNames(ctx.db)).filter((table) => !NOT_LOGGED.has(table));
  if (engineOf(ctx.db) === "sqlite") {
    const sqlite = sqliteHandle(ctx.db);
    sqlite.exec(`CREATE TEMP TABLE ${WRITE_LOG} (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL)`);
    for (const table of tables) {
      for (const op of ["INSERT", "UPDATE", "DELETE"]) {
        sqlite.exec(
          `CREATE TEMP TRIGGER "write_log_${table}_${op}" AFTER ${op} ON main."${table}" BEGIN INSERT INTO ${WRITE_LOG} (tbl, op) VALUES ('${table}', '${op}'); END`,
        );
      }
    }
    return;
  }
  await sql.raw(`CREATE TABLE ${WRITE_LOG} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tbl text NOT NULL, op text NOT NULL)`).execute(ctx.db);
  await sql
    .raw(`CREATE FUNCTION ${WRITE_LOG}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO ${WRITE_LOG} (tbl, op) VALUES (TG_TABLE_NAME, TG_OP); RETURN NULL; END $$`)
    .execute(ctx.db);
  for (const table of tables) {
    await sql.raw(`CREATE TRIGGER ${WRITE_LOG} AFTER INSERT OR UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION ${WRITE_LOG}()`).execute(ctx.db);
    await sql.raw(`CREATE TRIGGER ${WRITE_LOG}_truncate AFTER TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION ${WRITE_LOG}()`).execute(ctx.db);
  }
}

/** Row counts of every table, the audit trail's last id, and the write log's position. */
async function fingerprint(ctx: CaseContext): Promise<{ counts: Record<string, number>; auditMaxId: number | null; writeLogId: number }> {
  const counts: Record<string, number> = {};
  for (const table of await tableNames(ctx.db)) {
    counts[table] = Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(ctx.db)).rows[0].n);
  }
  const audit = await sql<{ id: number | null }>`select max(id) as id from audit_log`.execute(ctx.db);
  const log = await sql<{ id: number }>`select coalesce(max(id), 0) as id from ${sql.table(WRITE_LOG)}`.execute(ctx.db);
  return { counts, auditMaxId: audit.rows[0].id, writeLogId: Number(log.rows[0].id) };
}

async function writesSince(ctx: CaseContext, id: number): Promise<string[]> {
  const r = await sql<{ write: string }>`select op || ' ' || tbl as write from ${sql.table(WRITE_LOG)} where id > ${id} order by id`.execute(ctx.db);
  return r.rows.map((row) => row.write);
}

// ---- Outcomes ----------------------------------------------------------------------------------

interface Outcome {
  status: number;
  location: string | null;
}

function outcomeOf(result: unknown): Outcome {
  if (result instanceof Response) return { status: result.status, location: result.headers.get("Location") };
  return { status: 200, location: null };
}

function isSignInRedirect(o: Outcome): boolean {
  if (![302, 303].includes(o.status) || !o.location) return false;
  const url = new URL(o.location, "http://localhost");
  return url.pathname === "/login" && url.searchParams.has("redirectTo");
}

function describeOutcome(o: Outcome): string {
  return o.location ? `${o.status} → ${o.location}` : String(o.status);
}

// ---- The tests ---------------------------------------------------------------------------------

const t = useTestDatabase();
const cookies = {} as Record<Who, string | undefined>;

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  await installWriteLog({ db: t.db });
  for (const who of ROLES) cookies[who] = who === "anonymous" ? undefined : await cookieFor(t.db, USERNAMES[who]);
});

describe("route file names to params", () => {
  it("reads params the way Remix flat routes name them", () => {
    expect(matchParams("centers.$code._index.tsx", "/centers/VA")).toEqual({ code: "VA" });
    expect(matchParams("centers.$code._index.tsx", "/centers")).toBeNull();
    expect(matchParams("awards_.$number.edit.tsx", "/awards/EMW-2024-SS-0001/edit?x=1")).toEqual({ number: "EMW-2024-SS-0001" });
    expect(matchParams("_index.tsx", "/")).toEqual({});
    expect(matchParams("reports.($fy).tsx", "/reports")).toEqual({});
    expect(matchParams("reports.($fy).tsx", "/reports/2024")).toEqual({ fy: "2024" });
    expect(matchParams("files.$.tsx", "/files/a/b")).toEqual({ "*": "a/b" });
    expect(matchParams("sitemap[.]xml.ts", "/sitemap.xml")).toEqual({});
    expect(matchParams("calendar.$token[.]ics.ts", "/calendar/abc123.ics")).toEqual({ token: "abc123" });
    expect(matchParams("calendar.$token[.]ics.ts", "/calendar/abc123")).toBeNull();
    expect(matchParams("awards.$number/route.tsx", "/awards/X-1")).toEqual({ number: "X-1" });
  });
});

describe("the write log", () => {
  it("logs a committed write, and not a rolled-back one", async () => {
    const ctx: CaseContext = { db: t.db };
    const start = (await fingerprint(ctx)).writeLogId;
    await expect(
      t.db.transaction().execute(async (trx) => {
        await trx.updateTable("centers").set({ name: "Rolled back" }).where("code", "=", "VA").execute();
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await writesSince(ctx, start)).toEqual([]);
    const name = (await t.db.selectFrom("centers").select("name").where("code", "=", "VA").executeTakeFirstOrThrow()).name;
    await t.db.updateTable("centers").set({ name }).where("code", "=", "VA").execute();
    expect(await writesSince(ctx, start)).toContain("UPDATE centers");
  });
});

describe("authorization table", () => {
  it("has a case for every route module, and a GET/POST case for each loader/action", async () => {
    const problems: string[] = [];
    for (const c of allCases) {
      if (!routeFiles.has(c.file)) problems.push(`${c.source}: case "${c.name}" names ${c.file}, which is not in app/routes`);
    }
    for (const [file, importer] of routeFiles) {
      const mine = allCases.filter((c) => c.file === file);
      if (mine.length === 0) {
        problems.push(`${file}: no case`);
        continue;
      }
      let mod: RouteModule;
      try {
        mod = await importer();
      } catch (error) {
        problems.push(`${file}: cannot be imported (${(error as Error).message})`);
        continue;
      }
      if (mod.loader && !mine.some((c) => c.method === "GET")) problems.push(`${file}: loader has no GET case`);
      if (mod.action && !mine.some((c) => c.method === "POST")) problems.push(`${file}: action has no POST case`);
    }
    expect(problems, `Add these to tests/routes/cases/<feature>.ts:\n  ${problems.join("\n  ")}\n`).toEqual([]);
  });

  for (const c of allCases) {
    describe(`${c.file} ${c.method} — ${c.name}`, () => {
      for (const who of ROLES) {
        const allowed = c.allowed.includes(who);
        it(`${who}: ${allowed ? "allowed" : "refused"}`, async () => {
          const importer = routeFiles.get(c.file);
          expect(importer, `${c.file} is not a module in app/routes`).toBeDefined();
          const mod = await importer!();
          const fn = c.method === "GET" ? mod.loader : mod.action;
          expect(fn, `${c.file} exports no ${c.method === "GET" ? "loader" : "action"}`).toBeTypeOf("function");

          const ctx: CaseContext = { db: t.db };
          const urlPath = typeof c.path === "function" ? await c.path(ctx) : c.path;
          const form = c.method === "POST" ? (typeof c.form === "function" ? await c.form(ctx) : (c.form ?? {})) : undefined;
          const params = matchParams(c.file, urlPath);
          expect(params, `${urlPath} does not fit the route file ${c.file}`).not.toBeNull();

          const cookie = c.endsSession && who !== "anonymous" ? await cookieFor(t.db, USERNAMES[who]) : cookies[who];
          const req = request(urlPath, { cookie, form, method: c.method });
          const before = c.method === "POST" && !allowed ? await fingerprint(ctx) : null;
          const o = outcomeOf(await run(fn!, req, params!));
          // "Sign out everywhere" ends the table's own session too: later cases get a new one.
          if (c.endsSession && who !== "anonymous") cookies[who] = await cookieFor(t.db, USERNAMES[who]);

          if (allowed) {
            expect(isSignInRedirect(o), `sent to sign in: ${describeOutcome(o)}`).toBe(false);
            expect([401, 403, 404], `refused: ${describeOutcome(o)}`).not.toContain(o.status);
            expect(o.status, `server error: ${describeOutcome(o)}`).toBeLessThan(500);
          } else if (who === "anonymous") {
            expect(isSignInRedirect(o), `anonymous should be sent to /login, got ${describeOutcome(o)}`).toBe(true);
          } else {
            expect([403, 404], `${who} should be refused, got ${describeOutcome(o)}`).toContain(o.status);
          }
          if (before) {
            expect(await writesSince(ctx, before.writeLogId), "a refused write changed the database").toEqual([]);
            const after = await fingerprint(ctx);
            expect({ ...after, writeLogId: before.writeLogId }, "a refused write changed the database").toEqual(before);
          }
        });
      }
    });
  }
});
