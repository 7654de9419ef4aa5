import { redirect } from "@remix-run/node";
import { getDb } from "../db.server";
import { oncePerReadRequest } from "../models/memo.server";
import { sessionPrincipal } from "../models/users.server";
import { allows, type Permission, type Principal } from "../domain/permissions";
import { sessionTokenOf } from "./session.server";

/**
 * The signed-in user, or null: no cookie, a forged one, or a session that was ended (sign-out,
 * password reset, deactivation), expired or left idle (server-side sessions, decision 011).
 */
export async function currentUser(request: Request): Promise<Principal | null> {
  const token = await sessionTokenOf(request);
  if (!token) return null;
  // The root's loader and the page's ask in parallel for the same request: one statement answers both.
  return oncePerReadRequest(`session:${token}`, () => sessionPrincipal(getDb(), token));
}

export function forbidden(message = "You do not have permission to do that."): Response {
  return new Response(message, { status: 403, statusText: "Forbidden" });
}

/**
 * Every loader and action starts here. Anonymous users are sent to /login (303 for actions so the
 * browser follows with GET); signed-in users lacking the permission get 403.
 */
export async function requireUser(request: Request, permission?: Permission): Promise<Principal> {
  const user = await currentUser(request);
  if (!user) {
    const url = new URL(request.url);
    const back = url.pathname + url.search;
    throw redirect(`/login?redirectTo=${encodeURIComponent(back)}`, { status: request.method === "GET" ? 302 : 303 });
  }
  if (permission && !allows(user, permission)) throw forbidden();
  return user;
}

/** Throws 403 unless the user has the permission (for checks after the record is loaded). */
export function assertAllowed(user: Principal, permission: Permission): void {
  if (!allows(user, permission)) throw forbidden();
}

export function notFound(what = "Not found"): Response {
  return new Response(what, { status: 404, statusText: "Not Found" });
}
