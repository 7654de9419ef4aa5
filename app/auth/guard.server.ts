import { redirect } from "@remix-run/node";
import { getDb } from "../db.server";
import { getPrincipal } from "../models/users.server";
import { allows, type Permission, type Principal } from "./permissions";
import { getSession } from "./session.server";

/** The signed-in user, or null (no session, expired session, deactivated account). */
export async function currentUser(request: Request): Promise<Principal | null> {
  const session = await getSession(request);
  const userId = session.get("userId");
  const expiresAt = session.get("expiresAt");
  const userVersion = session.get("userVersion");
  if (typeof userId !== "number" || typeof expiresAt !== "number" || expiresAt < Date.now()) return null;
  const user = await getPrincipal(getDb(), userId);
  // Sessions from before a password reset (which bumps the user's version) no longer count.
  if (!user || user.version !== userVersion) return null;
  return user;
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
