import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { ROLE_LABELS } from "~/auth/permissions";
import { getDb } from "~/db.server";
import { publicOrigin } from "~/http/public-url.server";
import { feedUrl, icsTokenOf } from "~/models/calendar-feed.server";
import { rotateIcsToken } from "~/models/users.server";
import { ownEntry } from "~/domain/lookup";

/** The signed-in user's own page: who they are, and their personal calendar feed link. */
export const meta: MetaFunction = () => [{ title: "My account — Baseline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const token = await icsTokenOf(getDb(), user.id);
  return {
    user: { username: user.username, displayName: user.displayName, role: ROLE_LABELS[user.role] },
    feed: token ? feedUrl(publicOrigin(), token) : null,
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const intent = (await request.formData()).get("intent");
  if (intent !== "rotate" && intent !== "revoke") return json({ error: "Choose to create a new link or to turn the link off." }, { status: 400 });
  await getDb()
    .transaction()
    .execute((trx) => rotateIcsToken(trx, user.id, intent === "revoke"));
  return redirect(`/account?done=${intent}`, { status: 303 });
}

const DONE: Record<string, string> = {
  rotate: "A new calendar link was made. Any calendar that used the old link stops updating: subscribe again with the new one.",
  revoke: "The calendar link was turned off. Calendars that used it stop updating.",
};

export default function Account() {
  const { user, feed } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
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
    </>
  );
}
