import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { getSession, sessionStorage } from "~/auth/session.server";

export async function action({ request }: ActionFunctionArgs) {
  const session = await getSession(request);
  return redirect("/login", { status: 303, headers: { "Set-Cookie": await sessionStorage().destroySession(session) } });
}

export async function loader() {
  return redirect("/");
}
