import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { clientAddressOf, userAgentSummary } from "~/auth/client-address.server";
import { currentUser } from "~/auth/guard.server";
import { safeRedirect } from "~/auth/redirect";
import { sessionCookieHeader } from "~/auth/session.server";
import { signIn, typedUsername } from "~/auth/sign-in.server";
import { getDb } from "~/db.server";
import { DEMO_PASSWORD } from "~/demo/load.server";
import { isDemoLoaded } from "~/models/settings.server";
import { listDemoAccounts } from "~/models/users.server";
import { MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH } from "~/schemas/users";

export const meta: MetaFunction = () => [{ title: "Sign in — Baseline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const redirectTo = safeRedirect(new URL(request.url).searchParams.get("redirectTo"));
  if (await currentUser(request)) return redirect(redirectTo);
  const db = getDb();
  const demo = await isDemoLoaded(db);
  return { redirectTo, demoAccounts: demo ? await listDemoAccounts(db) : [], demoPassword: demo ? DEMO_PASSWORD : null };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const result = await signIn(getDb(), {
    username: form.get("username"),
    password: form.get("password"),
    clientAddress: clientAddressOf(context),
    userAgent: userAgentSummary(request.headers.get("User-Agent")),
  });
  if (!result.ok) {
    // The password is never sent back; the username only up to its limit.
    const headers = result.retryAfter ? { "Retry-After": String(result.retryAfter) } : undefined;
    return json({ error: result.error, fields: { username: typedUsername(form.get("username")) } }, { status: result.status, headers });
  }
  return redirect(safeRedirect(form.get("redirectTo")), { status: 303, headers: { "Set-Cookie": await sessionCookieHeader(result.token) } });
}

export default function Login() {
  const { redirectTo, demoAccounts, demoPassword } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const password = useRef<HTMLInputElement>(null);
  const message = useRef<HTMLParagraphElement>(null);
  // After a failed attempt the browser keeps the form: empty the password and read out the message.
  // (Without JavaScript the page is new: the message is first in the form and the password empty.)
  useEffect(() => {
    if (!actionData?.error) return;
    if (password.current) password.current.value = "";
    message.current?.focus();
  }, [actionData]);
  return (
    <section className="login-box panel">
      <h1>Sign in</h1>
      <Form method="post" replace>
        {actionData?.error ? (
          <p className="error" role="alert" id="login-error" tabIndex={-1} ref={message}>
            {actionData.error}
          </p>
        ) : null}
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <div className="field">
          <label htmlFor="username">Username</label>
          <input
            id="username"
            name="username"
            autoComplete="username"
            required
            maxLength={MAX_USERNAME_LENGTH}
            defaultValue={actionData?.fields.username}
            autoFocus={!actionData?.error}
            aria-describedby={actionData?.error ? "login-error" : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            maxLength={MAX_PASSWORD_LENGTH}
            ref={password}
            aria-describedby={actionData?.error ? "login-error" : undefined}
          />
        </div>
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
