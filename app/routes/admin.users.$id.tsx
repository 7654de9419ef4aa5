import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { notFound, requireUser } from "~/auth/guard.server";
import { ROLE_LABELS } from "~/domain/permissions";
import { HistoryPanel } from "~/components/HistoryPanel";
import { getDb, type DB } from "~/db.server";
import { historyOf } from "~/models/audit.server";
import { getUserDetail, setActive, setPassword } from "~/models/users.server";
import { resetPasswordSchema, userChangeSchema } from "~/schemas/users";
import { NewPasswordField } from "~/components/forms";
import { ownEntry } from "~/domain/lookup";
import { ApiTokensPanel, type CreatedToken } from "~/components/ApiTokensPanel";
import { TOKEN_REVOKED, tokenIntent, tokenRows } from "~/http/api-token-forms.server";

/** Admin only: one account, with password reset, deactivate/reactivate and its history. */
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.user.username ?? "User"} — Users — Baseline` }];

async function findUser(db: DB, idParam: string | undefined) {
  const id = Number(idParam);
  if (!Number.isSafeInteger(id) || id <= 0) throw notFound("No such user.");
  const user = await getUserDetail(db, id);
  if (!user) throw notFound("No such user.");
  return user;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const me = await requireUser(request, { can: "admin" });
  const db = getDb();
  const user = await findUser(db, params.id);
  return { me: me.id, user, history: await historyOf(db, "user", [user.id]), apiTokens: await tokenRows(db, user.id), now: new Date().toISOString() };
}

type ActionReply = { form: "reset-password" | "set-active"; result: SubmissionResult<string[]> };

export async function action({ request, params }: ActionFunctionArgs) {
  const me = await requireUser(request, { can: "admin" });
  const db = getDb();
  const user = await findUser(db, params.id);
  const formData = await request.formData();
  const tokens = await tokenIntent(db, formData, { subjectId: user.id, actorId: me.id, back: `/admin/users/${user.id}` });
  if (tokens) return tokens;
  const submission = parseWithZod(formData, { schema: userChangeSchema });
  const hide = { hideFields: ["password"] };
  const which: ActionReply["form"] = formData.get("intent") === "reset-password" ? "reset-password" : "set-active";
  if (submission.status !== "success") return json<ActionReply>({ form: which, result: submission.reply(hide) }, { status: 400 });
  const change = submission.value;

  if (change.intent === "reset-password") {
    await db.transaction().execute((trx) => setPassword(trx, me.id, user.id, change.password));
    return redirect(`/admin/users/${user.id}?done=password`, { status: 303 });
  }
  const active = change.intent === "reactivate";
  // An admin locking themselves out could leave nobody able to manage accounts.
  if (!active && user.id === me.id) {
    return json<ActionReply>({ form: "set-active", result: submission.reply({ formErrors: ["You cannot deactivate your own account."] }) }, { status: 400 });
  }
  if (Boolean(user.active) !== active) await db.transaction().execute((trx) => setActive(trx, me.id, user.id, active));
  return redirect(`/admin/users/${user.id}?done=${active ? "reactivated" : "deactivated"}`, { status: 303 });
}

const DONE: Record<string, string> = {
  created: "The account was created.",
  password: "The password was reset and the account's open sessions were ended. Give the new password to the user by a separate, safe channel.",
  deactivated: "The account was deactivated: it can no longer sign in, and its open sessions stop working.",
  reactivated: "The account was reactivated.",
  "token-revoked": TOKEN_REVOKED,
};

export default function AdminUser() {
  const { me, user, history, apiTokens, now } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as (ActionReply & { created?: undefined; tokenError?: undefined }) | { created?: CreatedToken; tokenError?: string; form?: undefined } | undefined;
  const reply = data?.form ? (data as ActionReply) : undefined;
  const [params] = useSearchParams();
  const done = ownEntry(DONE, params.get("done"));
  const [form, fields] = useForm({
    id: "reset-password",
    lastResult: reply?.form === "reset-password" ? reply.result : undefined,
    constraint: getZodConstraint(resetPasswordSchema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: resetPasswordSchema }),
  });
  const activeError = reply?.form === "set-active" ? (reply.result.error?.[""] ?? reply.result.error?.intent) : undefined;

  return (
    <>
      <p className="muted">
        <Link to="/admin/users">Users</Link> › {user.username}
      </p>
      <h1>{user.display_name || user.username}</h1>
      {done ? (
        <p className="notice" role="status">
          {done}
        </p>
      ) : null}
      <dl className="panel">
        <dt>Username</dt>
        <dd>
          <code>{user.username}</code>
        </dd>
        <dt>Role</dt>
        <dd>{ROLE_LABELS[user.role]}</dd>
        {user.role === "director" ? (
          <>
            <dt>Center</dt>
            <dd>
              {user.center_code} — {user.center_name}
            </dd>
          </>
        ) : null}
        {user.role === "state_official" ? (
          <>
            <dt>States</dt>
            <dd>{user.states}</dd>
          </>
        ) : null}
        <dt>Status</dt>
        <dd>{user.active ? <span className="badge green">Active</span> : <span className="badge red">Deactivated</span>}</dd>
        <dt>Created</dt>
        <dd>{user.created_at.slice(0, 10)}</dd>
      </dl>

      <div className="grid-2">
        <section className="panel" aria-labelledby="reset-heading">
          <h2 id="reset-heading">Reset password</h2>
          <Form method="post" {...getFormProps(form)}>
            <input type="hidden" name="intent" value="reset-password" />
            <NewPasswordField field={fields.password} label="New password" />
            <button type="submit">Reset password</button>
          </Form>
        </section>

        <section className="panel" aria-labelledby="access-heading">
          <h2 id="access-heading">{user.active ? "Deactivate" : "Reactivate"}</h2>
          {activeError ? (
            <p className="error" role="alert">
              {activeError.join(" ")}
            </p>
          ) : null}
          {user.active ? (
            <>
              <p>A deactivated account cannot sign in and its open sessions stop working. Its history stays in the audit trail.</p>
              <Form method="post">
                <button type="submit" name="intent" value="deactivate" className="secondary" disabled={user.id === me}>
                  Deactivate {user.username}
                </button>
                {user.id === me ? <p className="muted">You cannot deactivate your own account.</p> : null}
              </Form>
            </>
          ) : (
            <Form method="post">
              <button type="submit" name="intent" value="reactivate">
                Reactivate {user.username}
              </button>
            </Form>
          )}
        </section>
      </div>

      <ApiTokensPanel tokens={apiTokens} created={data?.created} error={data?.tokenError} now={now} whose={user.username} />

      <HistoryPanel rows={history} />
    </>
  );
}
