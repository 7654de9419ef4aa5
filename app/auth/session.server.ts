import { createCookieSessionStorage } from "@remix-run/node";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { databasePath } from "../../db/client";

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

export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

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

let storage: ReturnType<typeof createCookieSessionStorage<{ userId: number; expiresAt: number; userVersion: number }>> | undefined;

export function sessionStorage() {
  storage ??= createCookieSessionStorage<{ userId: number; expiresAt: number; userVersion: number }>({
    cookie: {
      name: "__baseline_session",
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      secure: secureCookies(),
      secrets: [sessionSecret()],
      maxAge: SESSION_MAX_AGE_SECONDS,
    },
  });
  return storage;
}

export async function getSession(request: Request) {
  return sessionStorage().getSession(request.headers.get("Cookie"));
}
