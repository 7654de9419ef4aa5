import type { DB } from "../../db/client";
import { sessionCookieHeader, SESSION_MAX_AGE_SECONDS } from "../../app/auth/session.server";
import { createSession } from "../../app/models/sessions.server";

/** A Cookie header value signed in as `username`: a server-side session, as the login action opens one. */
export async function cookieFor(db: DB, username: string, options: { expiresAt?: number } = {}): Promise<string> {
  const user = await db.selectFrom("users").select(["id"]).where("username", "=", username).executeTakeFirstOrThrow();
  const now = Date.now();
  const token = await createSession(db, { userId: user.id, clientAddress: "unknown", userAgent: "test" }, now, options.expiresAt ?? now + SESSION_MAX_AGE_SECONDS * 1000);
  const setCookie = await sessionCookieHeader(token);
  return setCookie.split(";")[0];
}

/** A real Request for a loader or action; `form` makes it a POST with a urlencoded body. */
export function request(path: string, init: { cookie?: string; form?: Record<string, string> | URLSearchParams | FormData; method?: string; headers?: Record<string, string> } = {}): Request {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("Cookie", init.cookie);
  let body: BodyInit | undefined;
  if (init.form instanceof FormData) body = init.form;
  else if (init.form) {
    body = init.form instanceof URLSearchParams ? init.form : new URLSearchParams(init.form);
    headers.set("Content-Type", "application/x-www-form-urlencoded");
  }
  return new Request(`http://localhost${path}`, { method: init.method ?? (init.form ? "POST" : "GET"), headers, body });
}

/** Runs a loader/action and returns the Response whether it was returned or thrown; `context` as server.ts gives it (e.g. clientAddress). */
export async function run(fn: (args: any) => Promise<unknown>, req: Request, params: Record<string, string> = {}, context: Record<string, unknown> = {}): Promise<Response | unknown> {
  try {
    return await fn({ request: req, params, context });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}
