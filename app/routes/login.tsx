import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { currentUser } from "~/auth/guard.server";
import { burnPasswordCheck, verifyPassword } from "~/auth/password.server";
import { getSession, sessionStorage, SESSION_MAX_AGE_SECONDS } from "~/auth/session.server";
import { getDb } from "~/db.server";
import { DEMO_PASSWORD } from "~/demo/load.server";
import { isDemoLoaded } from "~/models/settings.server";
import { clearLoginFailures, findUserByUsername, lockoutSeconds, recordLoginFailure } from "~/models/users.server";

export const meta: MetaFunction = () => [{ title: "Sign in — Baseline" }];

/** Only same-site paths: never redirect to another origin after login. */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/dashboard"): string {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}

export async function loader({ request }: LoaderFunctionArgs) {
  if (await currentUser(request)) return redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  const db = getDb();
  const demo = await isDemoLoaded(db);
  const demoAccounts = demo
    ? await db.selectFrom("users").select(["username", "role", "display_name"]).where("demo", "=", 1).where("active", "=", 1).orderBy("username").execute()
    : [];
  return { demoAccounts, demoPassword: demo ? DEMO_PASSWORD : null };
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const username = String(form.get("username") ?? "").trim();
  const password = String(form.get("password") ?? "");
  const redirectTo = safeRedirect(form.get("redirectTo"));
  const fields = { username };
  if (!username || !password) {
    return json({ error: "Enter your username and password.", fields }, { status: 400 });
  }
  const db = getDb();
  const wait = await lockoutSeconds(db, username);
  if (wait > 0) {
    return json(
      { error: `Too many failed sign-in attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`, fields },
      { status: 429, headers: { "Retry-After": String(wait) } },
    );
  }
  const user = await findUserByUsername(db, username);
  const ok = user ? user.active === 1 && (await verifyPassword(password, user.password_hash)) : (await burnPasswordCheck(password), false);
  if (!ok || !user) {
    await recordLoginFailure(db, username);
    return json({ error: "The username or password is not right.", fields }, { status: 401 });
  }
  await clearLoginFailures(db, username);
  const session = await getSession(request);
  session.set("userId", user.id);
  session.set("expiresAt", Date.now() + SESSION_MAX_AGE_SECONDS * 1000);
  // A password reset bumps users.version, which ends every session signed in before it.
  session.set("userVersion", user.version);
  return redirect(redirectTo, { status: 303, headers: { "Set-Cookie": await sessionStorage().commitSession(session) } });
}

export default function Login() {
  const { demoAccounts, demoPassword } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const navigation = useNavigation();
  return (
    <section className="login-box panel">
      <h1>Sign in</h1>
      <Form method="post" replace>
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/dashboard"} />
        <div className="field">
          <label htmlFor="username">Username</label>
          <input id="username" name="username" autoComplete="username" required defaultValue={actionData?.fields.username} autoFocus />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
        {actionData?.error ? (
          <p className="error" role="alert">
            {actionData.error}
          </p>
        ) : null}
        <button type="submit" disabled={navigation.state === "submitting"}>
          {navigation.state === "submitting" ? "Signing in…" : "Sign in"}
        </button>
      </Form>
      {demoAccounts.length > 0 ? (
        <div className="notice" style={{ marginTop: 16 }}>
          <strong>Demo accounts</strong> (password <code>{demoPassword}</code>):
          <ul>
            {demoAccounts.map((a) => (
              <li key={a.username}>
                <code>{a.username}</code> — {a.display_name}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
