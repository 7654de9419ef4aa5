import { getFormProps, getInputProps, getTextareaProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { assertAllowed, notFound, requireUser } from "~/auth/guard.server";
import { allows } from "~/auth/permissions";
import { getDb } from "~/db.server";
import { todayIso } from "~/domain/dates";
import { centsToDecimal, formatMoney } from "~/domain/money";
import { createAmendment, listAmendments } from "~/models/amendments.server";
import { awardCenter, getAwardContext } from "~/models/award-context.server";
import { auditChangesSince } from "~/models/awards.server";
import { AmendmentSchema } from "~/schemas/lifecycle";
import { ScrollTable } from "~/components/ScrollTable";

/** Amendments of one award (issue #11): the list, and a form for the center's director or an admin. */
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Amendments — ${data?.award.award_number ?? "Award"} — Baseline` }];

async function loadAward(number: string | undefined) {
  const award = await getAwardContext(getDb(), number ?? "");
  if (!award) throw notFound(`No award numbered ${number}`);
  return award;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const award = await loadAward(params.number);
  assertAllowed(user, { can: "read", center: awardCenter(award) });
  return {
    award,
    amendments: await listAmendments(getDb(), award.id),
    canEdit: award.voided_at === null && allows(user, { can: "edit", center: awardCenter(award) }),
    today: todayIso(),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const award = await loadAward(params.number);
  assertAllowed(user, { can: "edit", center: awardCenter(award) });
  const submission = parseWithZod(await request.formData(), { schema: AmendmentSchema });
  if (submission.status !== "success") return json({ result: submission.reply(), currentVersion: null }, { status: 400 });
  const { amount, ...rest } = submission.value;
  const r = await createAmendment(getDb(), user.id, award.id, { ...rest, amountCents: amount });
  if (r.ok) return redirect(`/awards/${encodeURIComponent(award.award_number)}/amendments?done=${r.number}`, { status: 303 });
  if (r.reason === "missing") throw notFound(`No award numbered ${params.number}`);
  if (r.reason === "invalid") return json({ result: submission.reply({ fieldErrors: { [r.field]: [r.message] } }), currentVersion: null }, { status: 400 });
  const changes = await auditChangesSince(getDb(), "award", award.id, submission.value.version);
  return json(
    {
      result: submission.reply({
        formErrors: [
          `Someone else changed this award while you were editing${changes.length ? `: ${changes.join("; ")}` : ""}. Your amendment was not saved; check the figures, then save again.`,
        ],
      }),
      currentVersion: r.current.version,
    },
    { status: 409 },
  );
}

export default function Amendments() {
  const { award, amendments, canEdit, today } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const done = params.get("done");
  const [form, fields] = useForm({
    id: "amend",
    lastResult: actionData?.result,
    defaultValue: { date: today },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: AmendmentSchema }),
    shouldValidate: "onBlur",
  });
  const awardHref = `/awards/${encodeURIComponent(award.award_number)}`;
  return (
    <>
      <p className="muted">
        <Link to="/awards">Grants</Link> › <Link to={awardHref}>{award.award_number}</Link> › Amendments
      </p>
      <h1>Amendments to {award.award_number}</h1>
      <p>
        {award.program_code} · {award.center_code} · now {formatMoney(award.amount_cents)}, {award.pop_start} – {award.pop_end} ·{" "}
        {formatMoney(award.budgeted_cents)} budgeted
      </p>
      {done ? <p className="notice">Amendment {done} was recorded and the award updated.</p> : null}

      {amendments.length === 0 ? (
        <p className="empty">This award has not been amended.</p>
      ) : (
        <ScrollTable>
          <thead>
            <tr>
              <th className="num">No.</th>
              <th>Date</th>
              <th>Reason</th>
              <th className="num">Amount before</th>
              <th className="num">Amount after</th>
              <th>Period before</th>
              <th>Period after</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {amendments.map((a) => (
              <tr key={a.id}>
                <td className="num">{a.number}</td>
                <td>{a.date}</td>
                <td>{a.reason}</td>
                <td className="num">{formatMoney(a.before_amount_cents)}</td>
                <td className="num">{formatMoney(a.after_amount_cents)}</td>
                <td>
                  {a.before_pop_start} – {a.before_pop_end}
                </td>
                <td>
                  {a.after_pop_start} – {a.after_pop_end}
                </td>
                <td>{a.created_by_name ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}

      {canEdit ? (
        <section className="panel" aria-labelledby="amend-heading">
          <h2 id="amend-heading">Record an amendment</h2>
          <p className="muted">
            Enter the new amount, the new period, or both; leave a field empty to keep it. The award cannot drop below what is already budgeted (
            {formatMoney(award.budgeted_cents)}).
          </p>
          <Form method="post" {...getFormProps(form)}>
            <input type="hidden" name="version" value={actionData?.currentVersion ?? award.version} />
            {form.errors ? (
              <p className="notice error" id={form.errorId} role="alert">
                {form.errors.join(" ")}
              </p>
            ) : null}
            <div className="grid-2">
              <div className="field">
                <label htmlFor={fields.date.id}>Amendment date</label>
                <input {...getInputProps(fields.date, { type: "date" })} />
                <div className="field-error" id={fields.date.errorId}>
                  {fields.date.errors}
                </div>
              </div>
              <div className="field">
                <label htmlFor={fields.amount.id}>New award amount (now {centsToDecimal(award.amount_cents)})</label>
                <input {...getInputProps(fields.amount, { type: "text" })} inputMode="decimal" placeholder={centsToDecimal(award.amount_cents)} />
                <div className="field-error" id={fields.amount.errorId}>
                  {fields.amount.errors}
                </div>
              </div>
              <div className="field">
                <label htmlFor={fields.popStart.id}>New start of the period (now {award.pop_start})</label>
                <input {...getInputProps(fields.popStart, { type: "date" })} />
                <div className="field-error" id={fields.popStart.errorId}>
                  {fields.popStart.errors}
                </div>
              </div>
              <div className="field">
                <label htmlFor={fields.popEnd.id}>New end of the period (now {award.pop_end})</label>
                <input {...getInputProps(fields.popEnd, { type: "date" })} />
                <div className="field-error" id={fields.popEnd.errorId}>
                  {fields.popEnd.errors}
                </div>
              </div>
            </div>
            <div className="field">
              <label htmlFor={fields.reason.id}>Reason</label>
              <textarea {...getTextareaProps(fields.reason)} rows={2} maxLength={500} />
              <div className="field-error" id={fields.reason.errorId}>
                {fields.reason.errors}
              </div>
            </div>
            <button type="submit">Record amendment</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
