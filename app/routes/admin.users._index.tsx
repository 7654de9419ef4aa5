import { getFormProps, getInputProps, getSelectProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { ROLE_LABELS } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { getCenterByCode, listCenters, listStates } from "~/models/centers.server";
import { createUser, findUserByUsername, listUsers } from "~/models/users.server";
import { newUserSchema, parseStates, ROLES } from "~/schemas/users";
import { NewPasswordField } from "~/components/forms";
import { ScrollTable } from "~/components/ScrollTable";
import { isUniqueViolation } from "../../db/errors";

/** Admin only: list users and add one. Reset, deactivate and reactivate are on admin.users.$id.tsx. */
export const meta: MetaFunction = () => [{ title: "Users — Baseline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const me = await requireUser(request, { can: "admin" });
  const db = getDb();
  const [users, centers, states] = await Promise.all([
    listUsers(db),
    listCenters(db, { kind: "all" }),
    listStates(db, { kind: "all" }),
  ]);
  return { me: me.id, users, centers, states };
}

export async function action({ request }: ActionFunctionArgs) {
  const me = await requireUser(request, { can: "admin" });
  const submission = parseWithZod(await request.formData(), { schema: newUserSchema });
  const hide = { hideFields: ["password"] };
  if (submission.status !== "success") return json(submission.reply(hide), { status: 400 });
  const input = submission.value;
  const db = getDb();

  const fieldErrors: Record<string, string[]> = {};
  if (await findUserByUsername(db, input.username)) fieldErrors.username = [`The username ${input.username} is taken.`];
  let centerId: number | null = null;
  if (input.role === "director") {
    const center = await getCenterByCode(db, input.center!.toUpperCase());
    if (center) centerId = center.id;
    else fieldErrors.center = [`No center has the code ${input.center}.`];
  }
  const states = input.role === "state_official" ? parseStates(input.states) : [];
  if (states.length > 0) {
    const known = new Set(await listStates(db, { kind: "all" }));
    const unknown = states.filter((s) => !known.has(s));
    if (unknown.length > 0) fieldErrors.states = [`No center is in ${unknown.join(", ")}.`];
  }
  if (Object.keys(fieldErrors).length > 0) return json(submission.reply({ ...hide, fieldErrors }), { status: 400 });

  let id: number;
  try {
    id = await db.transaction().execute((trx) =>
      createUser(trx, me.id, { username: input.username, displayName: input.displayName, role: input.role, centerId, states, password: input.password }),
    );
  } catch (error) {
    // Two admins adding the same name at once: the unique index decides.
    if (isUniqueViolation(error)) {
      return json(submission.reply({ ...hide, fieldErrors: { username: [`The username ${input.username} is taken.`] } }), { status: 400 });
    }
    throw error;
  }
  return redirect(`/admin/users/${id}?done=created`, { status: 303 });
}

export default function AdminUsers() {
  const { me, users, centers, states } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>() as SubmissionResult<string[]> | undefined;
  const navigation = useNavigation();
  const [form, fields] = useForm({
    id: "new-user",
    lastResult,
    constraint: getZodConstraint(newUserSchema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: newUserSchema }),
  });

  return (
    <>
      <h1>Users</h1>
      <ScrollTable>
        <caption>
          {users.length} account{users.length === 1 ? "" : "s"} ({users.filter((u) => u.active).length} active)
        </caption>
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Center or states</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>
                <Link to={`/admin/users/${u.id}`}>{u.username}</Link>
                {u.id === me ? <span className="muted"> (you)</span> : null}
              </td>
              <td>{u.display_name}</td>
              <td>{ROLE_LABELS[u.role]}</td>
              <td>{u.role === "director" ? u.center_code : u.role === "state_official" ? u.states : "All centers"}</td>
              <td>{u.active ? <span className="badge green">Active</span> : <span className="badge red">Deactivated</span>}</td>
              <td>{u.created_at.slice(0, 10)}</td>
            </tr>
          ))}
        </tbody>
      </ScrollTable>

      <section className="panel" aria-labelledby="add-user" style={{ marginTop: 20 }}>
        <h2 id="add-user">Add a user</h2>
        <Form method="post" {...getFormProps(form)}>
          {form.errors ? (
            <p className="error" role="alert" id={form.errorId}>
              {form.errors.join(" ")}
            </p>
          ) : null}
          <div className="grid-2">
            <div>
              <div className="field">
                <label htmlFor={fields.username.id}>Username</label>
                <input {...getInputProps(fields.username, { type: "text" })} autoComplete="off" />
                <span className="field-error" id={fields.username.errorId}>
                  {fields.username.errors?.join(" ")}
                </span>
              </div>
              <div className="field">
                <label htmlFor={fields.displayName.id}>Full name</label>
                <input {...getInputProps(fields.displayName, { type: "text" })} />
                <span className="field-error" id={fields.displayName.errorId}>
                  {fields.displayName.errors?.join(" ")}
                </span>
              </div>
              <div className="field">
                <label htmlFor={fields.role.id}>Role</label>
                <select {...getSelectProps(fields.role)}>
                  <option value="">Choose a role…</option>
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {ROLE_LABELS[r]}
                    </option>
                  ))}
                </select>
                <span className="field-error" id={fields.role.errorId}>
                  {fields.role.errors?.join(" ")}
                </span>
              </div>
            </div>
            <div>
              <div className="field">
                <label htmlFor={fields.center.id}>Center (directors only)</label>
                <select {...getSelectProps(fields.center)}>
                  <option value="">—</option>
                  {centers.map((c) => (
                    <option key={c.code} value={c.code}>
                      {c.code} — {c.name}
                    </option>
                  ))}
                </select>
                <span className="field-error" id={fields.center.errorId}>
                  {fields.center.errors?.join(" ")}
                </span>
              </div>
              <div className="field">
                <label htmlFor={fields.states.id}>States (state officials only, e.g. VA, MD)</label>
                <input {...getInputProps(fields.states, { type: "text" })} list="known-states" />
                <datalist id="known-states">
                  {states.map((s) => (
                    <option key={s} value={s} />
                  ))}
                </datalist>
                <span className="field-error" id={fields.states.errorId}>
                  {fields.states.errors?.join(" ")}
                </span>
              </div>
              <NewPasswordField field={fields.password} label="First password" />
            </div>
          </div>
          <button type="submit" disabled={navigation.state === "submitting"}>
            Add user
          </button>
        </Form>
      </section>
    </>
  );
}
