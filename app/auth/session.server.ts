import { createCookie, type Cookie } from "@remix-run/node";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { databasePath } from "../../db/client";
import { SESSION_IDLE_SECONDS, SESSION_MAX_AGE_SECONDS } from "../models/sessions.server";

/**
 * SESSION_SECRET comes from the environment. Where it is missing, one is generated once and kept
 * beside the database file (mode 0600, git-ignored), so sessions survive restarts.
 */
export function sessionSecret(): string {
  if (process.env.SESSION_SECRET) return process.env.SESSION_SECRET;
  const file = path.join(path.dirname(databasePath()), ".session-secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    const secret = randomBytes(32).toString("hex");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

export { SESSION_IDLE_SECONDS, SESSION_MAX_AGE_SECONDS };

/**
 * Secure cookies in production whenever the server listens beyond this machine. On the loopback
 * default (`npm start`), plain http://localhost must work in every browser (Safari drops Secure
 * cookies on http://localhost), and no network can see the cookie. COOKIE_SECURE overrides.
 */
export function secureCookies(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.COOKIE_SECURE) return env.COOKIE_SECURE === "true";
  const host = env.HOST || "127.0.0.1";
  const loopback = host === "localhost" || host === "::1" || host.startsWith("127.");
  return env.NODE_ENV === "production" && !loopback;
}

/**
 * The session cookie holds only the session's random id (app/models/sessions.server.ts), signed
 * with SESSION_SECRET so a guessed or altered value is dropped before any database lookup.
 */
let cookie: Cookie | undefined;
function sessionCookie(): Cookie {
  cookie ??= createCookie("__baseline_session", {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure: secureCookies(),
    secrets: [sessionSecret()],
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
  return cookie;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The session id the request's cookie carries, or null (none, forged, malformed). */
export async function sessionTokenOf(request: Request): Promise<string | null> {
  const header = request.headers.get("Cookie");
  if (!header) return null;
  let value: unknown;
  try {
    value = await sessionCookie().parse(header);
  } catch {
    return null;
  }
  return typeof value === "string" && TOKEN.test(value) ? value : null;
}

/** Set-Cookie for a new session id. */
export async function sessionCookieHeader(token: string): Promise<string> {
  return sessionCookie().serialize(token);
}

/** Set-Cookie that removes the session cookie from the browser. */
export async function clearedSessionCookieHeader(): Promise<string> {
  return sessionCookie().serialize("", { maxAge: undefined, expires: new Date(0) });
}
