/**
 * Sign-in, sign-out, session expiry, deactivated accounts and the login lockout, through
 * the real login/logout route modules and a signed-in page (the centers list).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "~/demo/load.server";
import { action as loginAction } from "~/routes/login";
import { action as logoutAction } from "~/routes/logout";
import { loader as centersLoader } from "~/routes/centers._index";
import { usernameHash } from "~/auth/sign-in.server";
import { ACCOUNT_ATTEMPTS, clearLoginFailures, recordLoginFailure, signInWait, THROTTLE_WINDOW_MS } from "~/models/login-throttle.server";
import { createUser, setActive, setPassword } from "~/models/users.server";
import { cookieFor, request, run } from "./helpers/auth";
import { useTestDatabase } from "./helpers/db";

const t = useTestDatabase();
const PASSWORD = "baseline-demo";

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
});

async function login(form: Record<string, string>, cookie?: string): Promise<Response> {
  return (await run(loginAction, request("/login", { form, cookie }))) as Response;
}

/** The cookie pair ("name=value") from a Set-Cookie header. */
function cookiePair(res: Response): string {
  return (res.headers.get("Set-Cookie") ?? "").split(";")[0];
}

/** Signed in ⇔ the centers list answers with data instead of a redirect to /login. */
async function isSignedIn(cookie: string | undefined): Promise<boolean> {
  const res = await run(centersLoader, request("/centers", { cookie }));
  if (res instanceof Response) {
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/login?redirectTo=%2Fcenters");
    return false;
  }
  return true;
}

describe("sign in", () => {
  it("sets an HttpOnly, SameSite=Lax session cookie with an expiry and redirects (303) where the user was going", async () => {
    const res = await login({ username: "demo-director", password: PASSWORD, redirectTo: "/centers/VA" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/centers/VA");
    const setCookie = res.headers.get("Set-Cookie") ?? "";
    expect(setCookie).toMatch(/^__baseline_session=/);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Lax/i);
    expect(setCookie).toMatch(/; Path=\//);
    // 8 hours (session.server.ts SESSION_MAX_AGE_SECONDS).
    expect(setCookie).toMatch(/; Max-Age=28800/);
    expect(await isSignedIn(cookiePair(res))).toBe(true);
  });

  it("answers a wrong password with 401 and a message, and sets no cookie", async () => {
    const res = await login({ username: "demo-director", password: "not-the-password" });
    expect(res.status).toBe(401);
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect(await res.json()).toMatchObject({ error: "The username or password is not right.", fields: { username: "demo-director" } });
    // Leave no failures behind for the lockout tests below.
    await clearLoginFailures(t.db, { usernameHash: usernameHash("demo-director"), clientAddress: "unknown" });
  });

  it("answers an unknown username exactly like a wrong password", async () => {
    const res = await login({ username: "nobody-here", password: "whatever-it-is" });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "The username or password is not right." });
  });

  it("asks for both fields when one is empty (400)", async () => {
    const res = await login({ username: "demo-director", password: "" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "Enter your username and password." });
  });

  it.each(["//evil.example", "https://evil.example/steal", "/\\evil.example", "javascript:alert(1)"])(
    "does not follow an open redirect to %s (goes to the dashboard instead)",
    async (redirectTo) => {
      const res = await login({ username: "demo-auditor", password: PASSWORD, redirectTo });
      expect(res.status).toBe(303);
      expect(res.headers.get("Location")).toBe("/dashboard");
    },
  );
});

describe("sign out and expiry", () => {
  it("sign-out clears the cookie and sends the user to /login", async () => {
    const cookie = await cookieFor(t.db, "demo-state");
    expect(await isSignedIn(cookie)).toBe(true);
    const res = (await run(logoutAction, request("/logout", { cookie, form: {} }))) as Response;
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login");
    const setCookie = res.headers.get("Set-Cookie") ?? "";
    expect(setCookie).toMatch(/^__baseline_session=;/);
    expect(setCookie).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(await isSignedIn(cookiePair(res))).toBe(false);
  });

  it("sign-out ends the session on the server: a copy of the old cookie no longer signs anybody in", async () => {
    const res = await login({ username: "demo-state", password: PASSWORD });
    const copied = cookiePair(res);
    expect(await isSignedIn(copied)).toBe(true);
    await run(logoutAction, request("/logout", { cookie: copied, form: {} }));
    expect(await isSignedIn(copied)).toBe(false);
  });

  it("treats a session whose expiresAt has passed as signed out, even though the cookie is validly signed", async () => {
    const expired = await cookieFor(t.db, "demo-auditor", { expiresAt: Date.now() - 1000 });
    expect(await isSignedIn(expired)).toBe(false);
    const fresh = await cookieFor(t.db, "demo-auditor", { expiresAt: Date.now() + 60_000 });
    expect(await isSignedIn(fresh)).toBe(true);
  });

  it("refuses a cookie with a forged signature", async () => {
    const cookie = await cookieFor(t.db, "demo-auditor");
    const [name, value] = cookie.split("=");
    const forged = `${name}=${value.slice(0, -4)}AAAA`;
    expect(await isSignedIn(forged)).toBe(false);
  });
});

describe("deactivated accounts", () => {
  it("cannot sign in, and their open session ends at once; reactivated, they sign in again (the old session stays ended)", async () => {
    const id = await t.db.transaction().execute((trx) => createUser(trx, null, { username: "leaver", role: "auditor", password: "leaver-password-1" }));
    const ok = await login({ username: "leaver", password: "leaver-password-1" });
    expect(ok.status).toBe(303);
    const session = cookiePair(ok);
    expect(await isSignedIn(session)).toBe(true);

    await t.db.transaction().execute((trx) => setActive(trx, null, id, false));
    expect(await isSignedIn(session)).toBe(false);
    const refused = await login({ username: "leaver", password: "leaver-password-1" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("Set-Cookie")).toBeNull();

    await t.db.transaction().execute((trx) => setActive(trx, null, id, true));
    expect(await isSignedIn(session)).toBe(false);
    const back = await login({ username: "leaver", password: "leaver-password-1" });
    expect(back.status).toBe(303);
    expect(await isSignedIn(cookiePair(back))).toBe(true);
  });
});

describe("password reset", () => {
  it("ends sessions that were signed in before the reset; a new sign-in works", async () => {
    const id = await t.db.transaction().execute((trx) =>
      createUser(trx, null, { username: "reset-me", role: "auditor", password: "an-old-password-123" }),
    );
    const res = await login({ username: "reset-me", password: "an-old-password-123" });
    const cookie = cookiePair(res);
    expect(await isSignedIn(cookie)).toBe(true);
    await t.db.transaction().execute((trx) => setPassword(trx, null, id, "a-new-password-123"));
    expect(await isSignedIn(cookie)).toBe(false);
    const again = await login({ username: "reset-me", password: "a-new-password-123" });
    expect(await isSignedIn(cookiePair(again))).toBe(true);
  });
});

describe("login lockout", () => {
  it("after 5 failed logins the 6th try gets 429 with Retry-After, even with the right password", async () => {
    await t.db.transaction().execute((trx) => createUser(trx, null, { username: "forgetful", role: "auditor", password: "the-right-password" }));
    for (let i = 1; i <= ACCOUNT_ATTEMPTS; i++) {
      const res = await login({ username: "forgetful", password: `wrong-${i}` });
      expect(res.status).toBe(401);
    }
    const res = await login({ username: "forgetful", password: "the-right-password" });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get("Retry-After"));
    // The first failure was moments ago, so the wait is (almost) the whole 15-minute window.
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect((await res.json()).error).toMatch(/Too many failed sign-in attempts/);
    // Another account is not affected.
    expect((await login({ username: "demo-auditor", password: PASSWORD })).status).toBe(303);
  });

  it("counts only failures within the last 15 minutes (model clock)", async () => {
    expect(THROTTLE_WINDOW_MS).toBe(15 * 60 * 1000);
    const now = Date.UTC(2025, 5, 30, 12, 0, 0);
    const minutes = (m: number) => m * 60 * 1000;
    const old = { usernameHash: usernameHash("old-failures"), clientAddress: "192.0.2.10" };
    const recent = { usernameHash: usernameHash("recent-failures"), clientAddress: "192.0.2.10" };

    // Five failures 16 to 20 minutes ago: none counts.
    for (const ago of [20, 19, 18, 17, 16]) await recordLoginFailure(t.db, old, now - minutes(ago));
    expect(await signInWait(t.db, old, now)).toBeNull();

    // Four inside the window: still free. The fifth, 2 minutes ago, holds the account back.
    for (const ago of [10, 8, 6, 4]) await recordLoginFailure(t.db, recent, now - minutes(ago));
    expect(await signInWait(t.db, recent, now)).toBeNull();
    await recordLoginFailure(t.db, recent, now - minutes(2));
    // The oldest of the five (10 minutes ago) leaves the window in 5 minutes = 300 s.
    expect(await signInWait(t.db, recent, now)).toEqual({ scope: "account", seconds: 300 });
    // 5 minutes later it has left the window: free again.
    expect(await signInWait(t.db, recent, now + minutes(5))).toBeNull();

    // A successful sign-in clears the count.
    await clearLoginFailures(t.db, recent);
    expect(await signInWait(t.db, recent, now)).toBeNull();
  });
});
