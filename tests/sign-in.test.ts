/**
 * Sign-in under attack (docs/decisions/011-sessions-and-sign-in.md): oversized fields, open
 * redirects, copied cookies after sign-out, lock-out by strangers, floods from one address, and the
 * sessions page, through the real route modules. Client addresses come in the load context, as
 * server.ts gives them.
 */
import { sql } from "kysely";
import { engineOf } from "../db/client";
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { ACCOUNT_ATTEMPTS, ADDRESS_ATTEMPTS, MAX_FAILURE_ROWS, recordLoginFailure } from "~/models/login-throttle.server";
import { createSession } from "~/models/sessions.server";
import { createUser, findUserByUsername, sessionPrincipal } from "~/models/users.server";
import { action as accountAction, loader as accountLoader } from "~/routes/account";
import { action as adminUserAction } from "~/routes/admin.users.$id";
import { loader as centersLoader } from "~/routes/centers._index";
import { action as loginAction, loader as loginLoader } from "~/routes/login";
import { sessionCookieHeader, SESSION_IDLE_SECONDS } from "~/auth/session.server";
import { usernameHash } from "~/auth/sign-in.server";
import { cookieFor, request, run } from "./helpers/auth";
import { useTestDatabase } from "./helpers/db";

const t = useTestDatabase();
const PASSWORD = "baseline-demo";

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
});

async function login(form: Record<string, string>, clientAddress = "198.51.100.1", headers: Record<string, string> = {}): Promise<Response> {
  return (await run(loginAction, request("/login", { form, headers }), {}, { clientAddress })) as Response;
}

function cookiePair(res: Response): string {
  return (res.headers.get("Set-Cookie") ?? "").split(";")[0];
}

async function isSignedIn(cookie: string): Promise<boolean> {
  return !((await run(centersLoader, request("/centers", { cookie }))) instanceof Response);
}

/**
 * How much the database holds: SQLite's page count; on PostgreSQL the bytes of every row of every
 * table as text (its files also grow and shrink with vacuuming, which says nothing about what was stored).
 */
async function databaseSize(): Promise<number> {
  if (engineOf(t.db) === "sqlite") {
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(t.db);
    return rows[0].page_count;
  }
  const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(t.db);
  let bytes = 0;
  for (const { name } of tables.rows) {
    const { rows } = await sql<{ n: number | null }>`select sum(octet_length(cast(r as text))) as n from ${sql.table(name)} r`.execute(t.db);
    bytes += rows[0].n ?? 0;
  }
  return bytes;
}

describe("field limits and failure records", () => {
  it("answers a 1 MB username with 400 and a clear message, and the database does not grow", async () => {
    const before = { size: await databaseSize(), failures: (await t.db.selectFrom("login_failures").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n };
    for (let i = 0; i < 5; i++) {
      const res = await login({ username: "u".repeat(1024 * 1024), password: "whatever-it-is" }, "198.51.100.50");
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.error).toBe("A username has at most 100 characters.");
      // Not echoed back whole either.
      expect(body.fields.username.length).toBeLessThanOrEqual(100);
    }
    expect(await databaseSize()).toBe(before.size);
    const after = await t.db.selectFrom("login_failures").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.failures);
  });

  it("answers a password over 1,024 characters with 400 and a clear message", async () => {
    const res = await login({ username: "demo-admin", password: "p".repeat(1025) }, "198.51.100.51");
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe("A password has at most 1,024 characters.");
  });

  it("keeps a fixed-size hash of the typed username, never the text", async () => {
    const typed = "hunter2-typed-in-the-wrong-field";
    const res = await login({ username: typed, password: "anything-at-all" }, "198.51.100.52");
    expect(res.status).toBe(401);
    const rows = await t.db.selectFrom("login_failures").selectAll().where("client_address", "=", "198.51.100.52").execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].username_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain("hunter2");
  });

  it(`keeps at most ${MAX_FAILURE_ROWS.toLocaleString("en-US")} failure rows, dropping the oldest`, async () => {
    const now = Date.now();
    await t.db.transaction().execute(async (trx) => {
      for (let i = 0; i < MAX_FAILURE_ROWS + 25; i++) {
        await recordLoginFailure(trx, { usernameHash: usernameHash(`flood-${i}`), clientAddress: `203.0.113.${i % 250}` }, now);
      }
    });
    const kept = await t.db.selectFrom("login_failures").select("client_address").orderBy("id").execute();
    expect(kept).toHaveLength(MAX_FAILURE_ROWS);
    // The oldest 25 went: the first row kept is the 26th recorded.
    expect(kept[0].client_address).toBe("203.0.113.25");
    await t.db.deleteFrom("login_failures").execute();
  }, 120_000);
});

describe("redirects after sign-in go to this site only", () => {
  const unsafe = [
    "/\t/other.host/",
    "/%09/other.host/",
    "/\r\n/other.host",
    "/a\r\nSet-Cookie: x=1",
    "/%0d%0aSet-Cookie:%20x=1",
    "/%2F/other.host",
    "/%5Cother.host",
    "/\u0000/other.host",
    "//other.host",
  ];

  it.each(unsafe)("sign-in with redirectTo %j lands on the dashboard", async (redirectTo) => {
    const res = await login({ username: "demo-auditor", password: PASSWORD, redirectTo }, "198.51.100.2");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/dashboard");
  });

  it("a signed-in user opening /login?redirectTo=/%09/other.host/ lands on the dashboard", async () => {
    const cookie = await cookieFor(t.db, "demo-auditor");
    const res = (await run(loginLoader, request("/login?redirectTo=/%09/other.host/", { cookie }))) as Response;
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/dashboard");
  });

  it("a CR or LF in the query's redirectTo is a safe redirect, not an error", async () => {
    const cookie = await cookieFor(t.db, "demo-auditor");
    const res = (await run(loginLoader, request("/login?redirectTo=/awards%0D%0ALocation:%20https://other.host", { cookie }))) as Response;
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/dashboard");
  });

  it("still follows a path on this site, query string included", async () => {
    const res = await login({ username: "demo-auditor", password: PASSWORD, redirectTo: "/awards?fy=2024&q=caf\u00e9" }, "198.51.100.2");
    expect(res.headers.get("Location")).toBe("/awards?fy=2024&q=caf%C3%A9");
  });
});

describe("throttling per account and address, and per address", () => {
  it("a stranger's bad passwords hold the account back from the stranger's address only", async () => {
    await t.db.transaction().execute((trx) => createUser(trx, null, { username: "target-admin", role: "admin", password: "the-admins-password" }));
    for (let i = 0; i < ACCOUNT_ATTEMPTS; i++) {
      expect((await login({ username: "target-admin", password: `guess-${i}` }, "192.0.2.66")).status).toBe(401);
    }
    const stranger = await login({ username: "target-admin", password: "the-admins-password" }, "192.0.2.66");
    expect(stranger.status).toBe(429);
    expect((await stranger.json()).error).toMatch(/^Too many failed sign-in attempts for this account from this address; try again in 15 minutes\.$/);
    // The real administrator, elsewhere, signs in.
    const real = await login({ username: "target-admin", password: "the-admins-password" }, "198.51.100.7");
    expect(real.status).toBe(303);
  });

  it(`after ${ADDRESS_ATTEMPTS} failures from one address, whatever the usernames, that address is refused with a clear message`, async () => {
    for (let i = 0; i < ADDRESS_ATTEMPTS; i++) {
      expect((await login({ username: `spray-${i}`, password: "password123456" }, "192.0.2.99")).status).toBe(401);
    }
    const res = await login({ username: "demo-director", password: PASSWORD }, "192.0.2.99");
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await res.json()).error).toBe("Too many sign-in attempts from this address; try again in 15 minutes.");
    // Nobody else is affected.
    expect((await login({ username: "demo-director", password: PASSWORD }, "198.51.100.8")).status).toBe(303);
  });
});

describe("server-side sessions", () => {
  it("a session unused for longer than the idle limit has ended, though its cookie has hours left", async () => {
    const user = (await findUserByUsername(t.db, "demo-state"))!;
    const now = Date.now();
    const token = await createSession(t.db, { userId: user.id, clientAddress: "unknown", userAgent: "" }, now - SESSION_IDLE_SECONDS * 1000 - 1000, now + 3_600_000);
    const cookie = (await sessionCookieHeader(token)).split(";")[0];
    expect(await isSignedIn(cookie)).toBe(false);
    expect(await sessionPrincipal(t.db, token)).toBeNull();
  });

  it("the database keeps only a hash of the cookie's id", async () => {
    const res = await login({ username: "demo-state", password: PASSWORD }, "198.51.100.3");
    const cookie = cookiePair(res);
    const rows = await t.db.selectFrom("sessions").select(["token_hash"]).execute();
    const value = decodeURIComponent(cookie.split("=")[1]);
    for (const r of rows) expect(value).not.toContain(r.token_hash);
    expect(JSON.stringify(rows)).not.toContain(value.split(".")[0]);
  });

  it("an admin's deactivation and password reset on the user page end that user's sessions at once", async () => {
    const admin = await cookieFor(t.db, "demo-admin");
    const id = await t.db.transaction().execute((trx) => createUser(trx, null, { username: "ends-sessions", role: "auditor", password: "first-password-1" }));
    const one = cookiePair(await login({ username: "ends-sessions", password: "first-password-1" }, "198.51.100.4"));
    expect(await isSignedIn(one)).toBe(true);
    const reset = (await run(adminUserAction, request(`/admin/users/${id}`, { cookie: admin, form: { intent: "reset-password", password: "second-password-2" } }), { id: String(id) })) as Response;
    expect(reset.status).toBe(303);
    expect(await isSignedIn(one)).toBe(false);

    const two = cookiePair(await login({ username: "ends-sessions", password: "second-password-2" }, "198.51.100.4"));
    expect(await isSignedIn(two)).toBe(true);
    const off = (await run(adminUserAction, request(`/admin/users/${id}`, { cookie: admin, form: { intent: "deactivate" } }), { id: String(id) })) as Response;
    expect(off.status).toBe(303);
    expect(await isSignedIn(two)).toBe(false);
    expect(await t.db.selectFrom("sessions").select("id").where("user_id", "=", id).execute()).toEqual([]);
  });
});

describe("the user's sessions page", () => {
  it("lists each open session with browser, address and times, marks this one, and signs out another or all of them", async () => {
    await t.db.transaction().execute((trx) => createUser(trx, null, { username: "two-browsers", role: "auditor", password: "two-browsers-pass" }));
    const firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
    const safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
    const office = cookiePair(await login({ username: "two-browsers", password: "two-browsers-pass" }, "198.51.100.20", { "User-Agent": firefox }));
    const phone = cookiePair(await login({ username: "two-browsers", password: "two-browsers-pass" }, "198.51.100.21", { "User-Agent": safari }));
    const third = cookiePair(await login({ username: "two-browsers", password: "two-browsers-pass" }, "198.51.100.22"));

    const page = (await run(accountLoader, request("/account", { cookie: office }))) as any;
    expect(page.sessions).toHaveLength(3);
    const byAddress = Object.fromEntries(page.sessions.map((s: any) => [s.clientAddress, s]));
    expect(byAddress["198.51.100.20"]).toMatchObject({ userAgent: "Firefox on Windows", current: true });
    expect(byAddress["198.51.100.21"]).toMatchObject({ userAgent: "Safari on iOS", current: false });
    expect(byAddress["198.51.100.20"].createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    // Sign out the phone from the office: the phone's cookie stops working, the office's does not.
    const ended = (await run(accountAction, request("/account", { cookie: office, form: { intent: "end-session", session: String(byAddress["198.51.100.21"].id) } }))) as Response;
    expect(ended.status).toBe(303);
    expect(ended.headers.get("Location")).toBe("/account?done=session-ended#sessions");
    expect(await isSignedIn(phone)).toBe(false);
    expect(await isSignedIn(office)).toBe(true);

    // Another user's session id does nothing to that session.
    const other = await cookieFor(t.db, "demo-auditor");
    const otherId = (await run(accountLoader, request("/account", { cookie: other })) as any).sessions.find((s: any) => s.current).id;
    await run(accountAction, request("/account", { cookie: office, form: { intent: "end-session", session: String(otherId) } }));
    expect(await isSignedIn(other)).toBe(true);

    // Sign out everywhere: both remaining sessions end, and this browser goes to the sign-in page.
    const all = (await run(accountAction, request("/account", { cookie: office, form: { intent: "end-all" } }))) as Response;
    expect(all.status).toBe(303);
    expect(all.headers.get("Location")).toBe("/login");
    expect(all.headers.get("Set-Cookie")).toMatch(/^__baseline_session=;/);
    expect(await isSignedIn(office)).toBe(false);
    expect(await isSignedIn(third)).toBe(false);
    expect(await isSignedIn(other)).toBe(true);
  });
});
