import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { clearedSessionCookieHeader, sessionTokenOf } from "~/auth/session.server";
import { getDb } from "~/db.server";
import { endSessionByToken } from "~/models/sessions.server";

/** Sign-out ends the session on the server (decision 011): a copy of the cookie stops working too. */
export async function action({ request }: ActionFunctionArgs) {
  const token = await sessionTokenOf(request);
  if (token) await endSessionByToken(getDb(), token);
  return redirect("/login", { status: 303, headers: { "Set-Cookie": await clearedSessionCookieHeader() } });
}

export async function loader() {
  return redirect("/");
}
