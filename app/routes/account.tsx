import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { ROLE_LABELS } from "~/domain/permissions";
import { clearedSessionCookieHeader } from "~/auth/session.server";
import { getDb } from "~/db.server";
import { publicOrigin } from "~/http/public-url.server";
import { feedUrl, icsTokenOf } from "~/models/calendar-feed.server";
import { endAllSessions, endUserSession, listSessions } from "~/models/sessions.server";
import { rotateIcsToken } from "~/models/users.server";
import { TOKEN_REVOKED, tokenIntent, tokenRows } from "~/http/api-token-forms.server";
import { ApiTokensPanel, type CreatedToken } from "~/components/ApiTokensPanel";
import { ownEntry } from "~/domain/lookup";
import { ScrollTable } from "~/components/ScrollTable";
import { formatAuditTime as when } from "~/domain/audit-diff";

/** The signed-in user's own page: who they are, their personal calendar feed link and their open sessions (decision 011). */
export const meta: MetaFunction = () => [{ title: "My account — Baseline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = getDb();
  const [token, sessions, apiTokens] = await Promise.all([icsTokenOf(db, user.id), listSessions(db, user.id), tokenRows(db, user.id)]);
  return {
    user: { username: user.username, displayName: user.displayName, role: ROLE_LABELS[user.role] },
    feed: token ? feedUrl(publicOrigin(), token) : null,
    sessions: sessions.map((s) => ({ ...s, current: s.id === user.sessionId })),
    apiTokens,
    now: new Date().toISOString(),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "end-all") {
    await endAllSessions(getDb(), user.id);
    return redirect("/login", { status: 303, headers: { "Set-Cookie": await clearedSessionCookieHeader() } });
  }
  if (intent === "end-session") {
    const id = Number(form.get("session"));
    // Ending a session that has already ended (a second click) is not an error.
    if (Number.isSafeInteger(id) && id > 0 && id !== user.sessionId) await endUserSession(getDb(), user.id, id);
    return redirect("/account?done=session-ended#sessions", { status: 303 });
  }
  const tokens = await tokenIntent(getDb(), form, { subjectId: user.id, actorId: user.id, back: "/account" });
  if (tokens) return tokens;
  if (intent !== "rotate" && intent !== "revoke") return json({ error: "Choose to create a new link or to turn the link off." }, { status: 400 });
  await getDb()
    .transaction()
    .execute((trx) => rotateIcsToken(trx, user.id, intent === "revoke"));
  return redirect(`/account?done=${intent}`, { status: 303 });
}

const DONE: Record<string, string> = {
  rotate: "A new calendar link was made. Any calendar that used the old link stops updating: subscribe again with the new one.",
  revoke: "The calendar link was turned off. Calendars that used it stop updating.",
  "session-ended": "That session was signed out.",
  "token-revoked": TOKEN_REVOKED,
};

export default function Account() {
  const { user, feed, sessions, apiTokens, now } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as { error?: string; tokenError?: string; created?: CreatedToken } | undefined;
  const [params] = useSearchParams();
  const done = ownEntry(DONE, params.get("done"));
  return (
    <>
      <h1>My account</h1>
      <p>
        {user.displayName} (<code>{user.username}</code>) · {user.role}
      </p>
      {done ? <p className="notice">{done}</p> : null}
      {actionData?.error ? <p className="notice error">{actionData.error}</p> : null}

      <section className="panel" aria-labelledby="feed-heading">
        <h2 id="feed-heading">Reporting deadlines in your calendar</h2>
        <p>
          Subscribe to this private link in Outlook, Google Calendar or Apple Calendar to see the due dates of the reports still to file (the same
          ones as on <Link to="/deadlines">Reporting deadlines</Link>). Anyone who has the link can read those dates, so keep it to yourself; if it
          leaks, make a new one.
        </p>
        {feed ? (
          <>
            <p>
              <label htmlFor="feed-url">Your calendar link</label>
              <br />
              <input id="feed-url" type="text" readOnly value={feed} size={70} />
            </p>
            <Form method="post" className="actions">
              <button type="submit" name="intent" value="rotate">
                Make a new link (the old one stops working)
              </button>
              <button type="submit" name="intent" value="revoke" className="secondary">
                Turn the link off
              </button>
            </Form>
          </>
        ) : (
          <Form method="post" className="actions">
            <p className="muted">You have no calendar link.</p>
            <button type="submit" name="intent" value="rotate">
              Create my calendar link
            </button>
          </Form>
        )}
      </section>

      <section className="panel" aria-labelledby="sessions" style={{ marginTop: 20 }}>
        <h2 id="sessions">Where you are signed in</h2>
        <p>
          Each browser you signed in with has a session. A session ends when you sign out, after 60 minutes without use, or 8 hours after
          signing in. If you see one you do not know, sign it out and ask an administrator to reset your password.
        </p>
        <div style={{ overflowX: "auto" }}>
          <ScrollTable>
            <caption>
              {sessions.length} open session{sessions.length === 1 ? "" : "s"}
            </caption>
            <thead>
              <tr>
                <th scope="col">Browser</th>
                <th scope="col">Address</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last used</th>
                <th scope="col">Sign out</th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.id}>
                  <td>
                    {s.userAgent || "Unknown browser"}
                    {s.current ? <strong> (this session)</strong> : null}
                  </td>
                  <td>{s.clientAddress}</td>
                  <td>{when(s.createdAt)}</td>
                  <td>{when(s.lastSeenAt)}</td>
                  <td>
                    {s.current ? (
                      <span className="muted">Use “Sign out” to end it</span>
                    ) : (
                      <Form method="post">
                        <input type="hidden" name="session" value={s.id} />
                        <button type="submit" name="intent" value="end-session" className="secondary">
                          Sign out this session
                        </button>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
        </div>
        <Form method="post" className="actions">
          <button type="submit" name="intent" value="end-all">
            Sign out everywhere (this browser too)
          </button>
        </Form>
      </section>

      <ApiTokensPanel tokens={apiTokens} created={actionData?.created} error={actionData?.tokenError} now={now} whose="you" />
    </>
  );
}
