import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { engineOf, open, openPostgres, type DB } from "../../db/client";
import type { ServerBuild } from "@remix-run/node";
import { setDb } from "../../app/db.server";
import { withFriendlyErrorPages } from "../../app/http/storage-errors.server";
import { cookieFor } from "../helpers/auth";
import { auditVerifies, demoDatabase, ensureBuild, integrityOk, isPostgresRef, login, ROOT, startServer, tempDir, UNAUDITED_TABLES, withDatabase } from "./harness";
import { actionRoutes, extractForms, routeForUrl, routeUrl, type FormTemplate } from "./forms";

/**
 * Hostile form posts. For every route with an action, the forms its pages really
 * render are posted back — as rendered, with one field changed, or with every field scrambled
 * (2 MB strings, unicode, control characters, missing fields, extra fields, multipart) — by the
 * user who saw the form or by someone else; and bodies no page sends (cut-off multipart, JSON,
 * plain text). Actions run wrapped as server.ts serves them. Whatever comes in:
 *   - the action never throws (other than a Response) and never answers 5xx;
 *   - a refusal (4xx) leaves every table unchanged (failed sign-ins are only counted);
 *   - an accepted change writes an audit row in the same transaction;
 *   - afterwards the database is undamaged (SQLite's integrity_check, PostgreSQL's amcheck), the
 *     audit chain verifies and the trigger-kept totals agree.
 * Each route gets its own copy of the demo: a SQLite file, or under `npm run test:pg` a PostgreSQL database.
 */

const ROUTES = actionRoutes();
const USERS = ["demo-admin", "demo-director", "demo-auditor", "demo-state"];
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);

const TWO_MB = "A".repeat(2 * 1024 * 1024);
const TWO_MB_UNICODE = "é漢😀".repeat(300_000);
const HOSTILE = [
  TWO_MB,
  TWO_MB_UNICODE,
  "",
  " ",
  "\u0000",
  "\u202eevil",
  "-1",
  "0",
  "-0.01",
  "1e309",
  "NaN",
  "Infinity",
  "99999999999999999999999",
  "1000000000000.01",
  "2025-02-30",
  "13/45/2025",
  "' OR 1=1 --",
  '"; DROP TABLE awards; --',
  "<script>alert(1)</script>",
  "=HYPERLINK(\"http://x\")",
  "../../etc/passwd",
  "😀".repeat(5000),
  "a\r\nb",
  "[object Object]",
  "true",
];

let dir: string;
let demoFile: string;
const templates = new Map<string, FormTemplate[]>();
const pools = { centers: [] as string[], awards: [] as string[], userIds: [] as string[] };

function validParams(route: { file: string; params: string[] }): Record<string, string>[] {
  const byName: Record<string, string[]> = {
    code: ["VA"],
    fy: ["2025", "2026"],
    number: pools.awards.slice(0, 1),
    id: route.file.startsWith("admin.users") ? pools.userIds.slice(0, 1) : ["1"],
  };
  let combos: Record<string, string>[] = [{}];
  for (const p of route.params) combos = combos.flatMap((c) => (byName[p] ?? ["1"]).map((v) => ({ ...c, [p]: v })));
  return combos;
}

beforeAll(async () => {
  dir = tempDir();
  demoFile = await demoDatabase(path.join(dir, "demo.sqlite"));
  await withDatabase(demoFile, async (db) => {
    pools.centers = (await db.selectFrom("centers").select("code").orderBy("code").limit(5).execute()).map((r) => r.code);
    pools.awards = (
      await db
        .selectFrom("awards")
        .innerJoin("centers", "centers.id", "awards.center_id")
        .select("award_number")
        .where("centers.code", "=", "VA")
        .where("awards.voided_at", "is", null)
        .orderBy("awards.fiscal_year", "desc")
        .limit(3)
        .execute()
    ).map((r) => r.award_number);
    pools.userIds = (await db.selectFrom("users").select("id").where("username", "=", "demo-director").execute()).map((r) => String(r.id));
  });

  // Read the forms from the real pages, as each user sees them.
  ensureBuild({ fresh: true });
  const serverFile = await demoDatabase(path.join(dir, "server.sqlite"));
  const server = await startServer({ databaseFile: serverFile });
  try {
    const cookies: Record<string, string> = { "": "" };
    for (const u of USERS) cookies[u] = await login(server.url, u);
    const pages = new Set<string>(["/login"]);
    for (const r of ROUTES) for (const p of validParams(r)) pages.add(routeUrl(r, p));
    for (const page of pages) {
      for (const [user, cookie] of Object.entries(cookies)) {
        const res = await fetch(`${server.url}${page}`, { headers: cookie ? { cookie } : {}, redirect: "manual" });
        if (res.status !== 200) continue;
        for (const form of extractForms(await res.text(), page)) {
          const target = routeForUrl(ROUTES, form.action);
          if (!target) continue;
          const list = templates.get(target.route.file) ?? [];
          // The same form on many pages (sign-out in the header) counts once per user.
          if (!list.some((t) => t.user === user && JSON.stringify(t.fields) === JSON.stringify(form.fields) && JSON.stringify(t.buttons) === JSON.stringify(form.buttons))) {
            list.push({ route: target.route.file, params: target.params, user, fields: form.fields, buttons: form.buttons, choices: form.choices });
          }
          templates.set(target.route.file, list);
        }
      }
    }
  } finally {
    await server.stop();
  }
}, 180_000);

afterAll(() => {
  setDb(undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Counts committed row changes, per kind, with test-only triggers on every table: SQLite's TEMP
 * triggers on this connection; on PostgreSQL (no TEMP triggers on lasting tables) a counter table
 * and a row trigger on every other table of this route's own database.
 */
async function installChangeCounter(db: DB) {
  const postgres = engineOf(db) === "postgres";
  const tables = postgres
    ? await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
    : await sql<{ name: string }>`select name from main.sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db);
  const watched = tables.rows.map((r) => r.name).filter((t) => !UNAUDITED_TABLES.has(t));
  await sql.raw(`create ${postgres ? "" : "temp "}table fuzz_changes (data integer not null, audit integer not null)`).execute(db);
  await sql`insert into fuzz_changes values (0, 0)`.execute(db);
  const bump = (t: string) => (t === "audit_log" ? "audit" : "data");
  if (postgres) {
    for (const column of ["data", "audit"]) {
      await sql
        .raw(`create function fuzz_${column}() returns trigger language plpgsql as $$ begin update fuzz_changes set ${column} = ${column} + 1; return null; end $$`)
        .execute(db);
    }
    for (const t of watched) {
      await sql.raw(`create trigger fuzz_changes after insert or update or delete on "${t}" for each row execute function fuzz_${bump(t)}()`).execute(db);
    }
  } else {
    for (const t of watched) {
      for (const op of ["insert", "update", "delete"]) {
        await sql.raw(`create temp trigger "fuzz_${t}_${op}" after ${op} on main."${t}" begin update fuzz_changes set ${bump(t)} = ${bump(t)} + 1; end;`).execute(db);
      }
    }
  }
  return {
    reset: () => sql`update fuzz_changes set data = 0, audit = 0`.execute(db),
    read: async () => (await sql<{ data: number; audit: number }>`select data, audit from fuzz_changes`.execute(db)).rows[0],
  };
}

async function totalsDisagree(db: DB): Promise<number> {
  const r = await sql<{ n: number }>`select
        (select count(*) from awards a where a.budgeted_cents != (select coalesce(sum(amount_cents), 0) from budget_lines b where b.award_id = a.id and b.voided_at is null))
      + (select count(*) from awards a where a.spent_cents != (select coalesce(sum(s.amount_cents), 0) from spending s join budget_lines b on b.id = s.budget_line_id where b.award_id = a.id and s.voided_at is null))
      + (select count(*) from budget_lines b where b.spent_cents != (select coalesce(sum(amount_cents), 0) from spending s where s.budget_line_id = b.id and s.voided_at is null)) as n`.execute(db);
  return Number(r.rows[0].n);
}

/** Other valid-looking values for a field, by its name. */
function alternatives(name: string, t: FormTemplate): string[] {
  const leaf = name.replace(/^.*[.[\]]/, "").toLowerCase() || name.toLowerCase();
  const fromForm = t.choices[name] ?? [];
  if (/amount|cost|cents|budget|match/.test(leaf)) return [...fromForm, "0.01", "1234.56", "$1,000,000.00", "0", "1000000000000.00"];
  if (/date|start|end|due|_on$|on$/.test(leaf)) return [...fromForm, "2025-01-15", "12/31/2024", "2025-06-30", "2031-01-01"];
  if (/version/.test(leaf)) return ["0", "1", "2", "3", "999"];
  if (/fy|year/.test(leaf)) return [...fromForm, "2024", "2025", "2026"];
  if (/center|code/.test(leaf)) return [...fromForm, ...pools.centers];
  if (/award|number/.test(leaf)) return [...fromForm, ...pools.awards];
  if (/password/.test(leaf)) return ["baseline-demo", "baseline-demo", "short", "a-long-enough-password-1"];
  if (/username/.test(leaf)) return [...USERS, "new-user-x"];
  if (/description|evidence|note|reason|response|name/.test(leaf)) return [...fromForm, "Checked against the ledger", "x"];
  return fromForm.length > 0 ? fromForm : ["Some text", "x"];
}

const hostile = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE), weight: 3 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }), weight: 1 },
  { arbitrary: fc.integer().map(String), weight: 1 },
);

const submission = fc.record({
  template: fc.nat(),
  button: fc.nat(),
  mode: fc.constantFrom("as-rendered", "filled", "one-field", "one-field", "scrambled"),
  field: fc.nat(),
  change: fc.oneof(hostile.map((v) => ({ kind: "set" as const, v })), fc.constant({ kind: "drop" as const }), fc.nat().map((i) => ({ kind: "alt" as const, i }))),
  seed: fc.integer(),
  otherUser: fc.option(fc.constantFrom("", ...USERS), { freq: 4 }),
  hostileParams: fc.option(fc.constantFrom("999999", "0", "-1", "VA%00", "😀", "../x", "x".repeat(2000), "2025.5"), { freq: 6 }),
  multipart: fc.boolean(),
  extra: fc.option(fc.tuple(fc.string({ maxLength: 20 }), hostile), { freq: 3 }),
});

/** A tiny deterministic generator for the scrambled mode (fast-check's seed drives it). */
function prng(seed: number) {
  let x = seed | 0 || 1;
  return () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 2 ** 32);
}

type Submission = typeof submission extends fc.Arbitrary<infer R> ? R : never;

function build(t: FormTemplate, s: Submission) {
  const fields: Array<[string, string] | null> = t.fields.map(([k, v]) => [k, v]);
  if (t.buttons.length > 0) fields.push(t.buttons[s.button % t.buttons.length]);
  const change = (i: number, c: typeof s.change) => {
    const f = fields[i];
    if (!f) return;
    if (c.kind === "drop") fields[i] = null;
    else if (c.kind === "set") fields[i] = [f[0], c.v];
    else {
      const alts = alternatives(f[0], t);
      fields[i] = [f[0], alts[c.i % alts.length]];
    }
  };
  if (s.mode === "filled") {
    // Blank fields get a plausible value, so valid submissions (a real sign-in, a new payment) happen too.
    fields.forEach((f, i) => f && f[1] === "" && change(i, { kind: "alt", i: s.field + i }));
  }
  if (s.mode === "one-field" && fields.length > 0) change(s.field % fields.length, s.change);
  if (s.mode === "scrambled") {
    const rnd = prng(s.seed);
    for (let i = 0; i < fields.length; i++) {
      const r = rnd();
      if (r < 0.3) continue;
      if (r < 0.45) change(i, { kind: "drop" });
      else if (r < 0.7) change(i, { kind: "alt", i: Math.floor(rnd() * 1000) });
      else change(i, { kind: "set", v: HOSTILE[Math.floor(rnd() * HOSTILE.length)] });
    }
  }
  const kept = fields.filter((f): f is [string, string] => f !== null);
  if (s.extra) kept.push(s.extra);
  return kept;
}

/** The action as the server runs it: wrapped by withFriendlyErrorPages (server.ts). */
function served(mod: any): (args: unknown) => Promise<unknown> {
  const build = { routes: { r: { id: "r", path: "", module: mod } } } as unknown as ServerBuild;
  return withFriendlyErrorPages(build).routes.r.module.action as any;
}

/** Bodies no Baseline page sends: each must be refused (4xx) without a write. */
const ENVELOPES: Array<[string, string, string]> = [
  ["multipart with an unnamed part", "multipart/form-data; boundary=X", '--X\r\nContent-Disposition: form-data; name=""\r\n\r\nv\r\n--X--\r\n'],
  ["multipart with another boundary", "multipart/form-data; boundary=X", '--Y\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--Y--\r\n'],
  ["multipart cut off", "multipart/form-data; boundary=X", '--X\r\nContent-Disposition: form-data; name="intent"\r\n\r\nsave'],
  ["JSON", "application/json", '{"intent":"save","rows":[]}'],
  ["plain text", "text/plain", "intent=save"],
  ["broken percent-encoding", "application/x-www-form-urlencoded", "intent=%ZZ&x=%E0%A4%A"],
  ["an empty body", "application/x-www-form-urlencoded", ""],
];

async function callEnvelope(action: (args: unknown) => Promise<unknown>, url: string, params: Record<string, string>, cookie: string, type: string, body: string) {
  const request = new Request(`http://localhost${url}`, { method: "POST", headers: { Cookie: cookie, "Content-Type": type }, body });
  try {
    const result = await action({ request, params, context: { requestId: "fuzz" } });
    return { status: result instanceof Response ? result.status : 200 };
  } catch (thrown) {
    if (thrown instanceof Response) return { status: thrown.status };
    return { status: 500, error: thrown as Error };
  }
}

async function callAction(action: (args: unknown) => Promise<unknown>, url: string, params: Record<string, string>, cookie: string, fields: Array<[string, string]>, multipart: boolean) {
  const headers = new Headers();
  if (cookie) headers.set("Cookie", cookie);
  let body: BodyInit;
  if (multipart) {
    const fd = new FormData();
    for (const [k, v] of fields) fd.append(k, v);
    body = fd;
  } else {
    body = new URLSearchParams(fields);
    headers.set("Content-Type", "application/x-www-form-urlencoded");
  }
  const request = new Request(`http://localhost${url}`, { method: "POST", headers, body });
  try {
    const result = await action({ request, params, context: { requestId: "fuzz" } });
    return { status: result instanceof Response ? result.status : 200 };
  } catch (thrown) {
    if (thrown instanceof Response) return { status: thrown.status };
    return { status: 500, error: thrown as Error };
  }
}

describe("form actions under hostile input", () => {
  it("found every action route and at least one rendered form for most of them", () => {
    expect(ROUTES.map((r) => r.file)).toContain("login.tsx");
    const withForms = ROUTES.filter((r) => (templates.get(r.file) ?? []).length > 0).map((r) => r.file);
    console.log(`actions: ${ROUTES.length}; with rendered forms: ${withForms.length} (${withForms.join(", ")})`);
    expect(withForms).toContain("login.tsx");
    expect(withForms.length).toBeGreaterThanOrEqual(Math.ceil(ROUTES.length / 2));
  });

  for (const route of ROUTES) {
    it(`${route.file}: no 5xx, no throw, no write on refusal, every accepted change audited`, async () => {
      const list: FormTemplate[] = templates.get(route.file) ?? [];
      // A route whose page showed no form still gets posted to, with scrambled fields.
      const forms = list.length > 0 ? list : validParams(route).map((p) => ({ route: route.file, params: p, user: "demo-admin", fields: [["intent", "save"]] as Array<[string, string]>, buttons: [], choices: {} }));
      const file = await demoDatabase(path.join(dir, `fuzz-${route.file}.sqlite`));
      const db = isPostgresRef(file) ? openPostgres(file) : open(file).db;
      setDb(db);
      const counter = await installChangeCounter(db);
      const cookies: Record<string, string> = { "": "" };
      for (const u of USERS) cookies[u] = await cookieFor(db, u);
      const action = served(await import(/* @vite-ignore */ path.join(ROOT, "app/routes", route.file)));
      const tally = { accepted: 0, refused: 0, writes: 0 };
      try {
        for (const [what, type, body] of ENVELOPES) {
          const t = forms[0];
          await counter.reset();
          const r = await callEnvelope(action, routeUrl(route, t.params), t.params, cookies[t.user], type, body);
          if (r.error) throw new Error(`${route.file} threw on ${what}: ${r.error.stack ?? r.error}`);
          expect(r.status, `${what}`).toBeLessThan(500);
          if (r.status >= 400) expect(await counter.read(), `${what} was refused but wrote`).toEqual({ data: 0, audit: 0 });
          else expect((await counter.read()).data, `${what} was accepted and wrote`).toBe(0);
        }
        await fc.assert(
          fc.asyncProperty(submission, async (s) => {
            const t = forms[s.template % forms.length];
            const user = s.otherUser ?? t.user;
            const params = s.hostileParams ? Object.fromEntries(Object.keys(t.params).map((k) => [k, s.hostileParams!])) : t.params;
            const fields = build(t, s);
            await counter.reset();
            const r = await callAction(action, routeUrl(route, params), params, cookies[user], fields, s.multipart);
            const changes = await counter.read();
            if (r.error) throw new Error(`${route.file} threw ${r.error.stack ?? r.error}`);
            expect(r.status, `status for ${JSON.stringify(fields.map(([k, v]) => [k, v.slice(0, 40)]))}`).toBeLessThan(500);
            if (r.status >= 400) {
              tally.refused++;
              expect(changes, `a refused post (${r.status}) changed the database`).toEqual({ data: 0, audit: 0 });
            } else {
              tally.accepted++;
              if (changes.data > 0) {
                tally.writes++;
                expect(changes.audit, "an accepted change has no audit row").toBeGreaterThan(0);
              }
            }
          }),
          { numRuns: RUNS },
        );
        expect(await totalsDisagree(db)).toBe(0);
      } finally {
        setDb(undefined);
        await db.destroy();
      }
      expect(await integrityOk(file)).toBe(true);
      expect((await auditVerifies(file)).ok).toBe(true);
      console.log(`${route.file}: ${forms.length} form(s), ${RUNS} posts: ${tally.accepted} accepted (${tally.writes} wrote), ${tally.refused} refused`);
      // PostgreSQL: the run's teardown drops the demo copies.
      if (!isPostgresRef(file)) fs.rmSync(file, { force: true });
    }, 120_000);
  }
});
