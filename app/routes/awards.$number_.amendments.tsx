import { getFormProps, getInputProps, getTextareaProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireAward } from "~/auth/award.server";
import { notFound, requireUser } from "~/auth/guard.server";
import { allows } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { todayIso } from "~/domain/dates";
import { centsToDecimal, formatMoney } from "~/domain/money";
import { createAmendment, listAmendments } from "~/models/amendments.server";
import { awardCenter } from "~/models/award-context.server";
import { newFormToken } from "~/models/form-tokens.server";
import { Errors, FormErrors, Notice, OnceField, props, useDone, useReply, useResetAfterSave } from "~/components/forms";
import { conflictReply, createOnce, formReply, refusedReply } from "~/http/forms.server";
import { auditChangesSince } from "~/models/awards.server";
import { AmendmentSchema } from "~/schemas/lifecycle";
import { ScrollTable } from "~/components/ScrollTable";

/** Amendments of one award: the list, and a form for the center's director or an admin. */
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Amendments — ${data?.award.award_number ?? "Award"} — Baseline` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const award = await requireAward(user, params.number, "read");
  return {
    award,
    amendments: await listAmendments(getDb(), award.id),
    canEdit: award.voided_at === null && allows(user, { can: "edit", center: awardCenter(award) }),
    today: todayIso(),
    once: newFormToken(),
  };
}

const FORM_ID = "amend";

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const award = await requireAward(user, params.number, "edit");
  const formData = await request.formData();
  const submission = parseWithZod(formData, { schema: AmendmentSchema });
  if (submission.status !== "success") return formReply(FORM_ID, submission.reply());
  const { amount, ...rest } = submission.value;
  return createOnce(
    request,
    formData,
    submission,
    FORM_ID,
    (trx) => createAmendment(trx, user.id, award.id, { ...rest, amountCents: amount }),
    (r) => (r.ok ? `/awards/${encodeURIComponent(award.award_number)}/amendments?done=${r.number}` : null),
    async (r) => {
      if (r.ok || r.reason === "missing") throw notFound(`No award numbered ${params.number}`);
      if (r.reason === "invalid") return refusedReply(submission, FORM_ID, r.message, r.field);
      const changes = await auditChangesSince(getDb(), "award", award.id, submission.value.version);
      return conflictReply(submission, FORM_ID, { what: "this award", version: r.current.version, changes });
    },
  );
}

export default function Amendments() {
  const { award, amendments, canEdit, today, once } = useLoaderData<typeof loader>();
  const reply = useReply(FORM_ID);
  const done = useDone((n) => `Amendment ${n} was recorded and the award updated.`);
  const [form, fields] = useForm({
    id: FORM_ID,
    lastResult: reply?.result,
    defaultValue: { date: today },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: AmendmentSchema }),
    shouldValidate: "onBlur",
  });
  useResetAfterSave(form);
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
      <Notice>{done}</Notice>

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
            <OnceField token={once} formId={FORM_ID} />
            <input type="hidden" name="version" value={reply?.currentVersion ?? award.version} />
            <FormErrors errors={form.errors} errorId={form.errorId} />
            <div className="grid-2">
              <div className="field">
                <label htmlFor={fields.date.id}>Amendment date</label>
                <input {...props(getInputProps(fields.date, { type: "date" }))} />
                <Errors field={fields.date} />
              </div>
              <div className="field">
                <label htmlFor={fields.amount.id}>New award amount (now {centsToDecimal(award.amount_cents)})</label>
                <input {...props(getInputProps(fields.amount, { type: "text" }))} inputMode="decimal" placeholder={centsToDecimal(award.amount_cents)} />
                <Errors field={fields.amount} />
              </div>
              <div className="field">
                <label htmlFor={fields.popStart.id}>New start of the period (now {award.pop_start})</label>
                <input {...props(getInputProps(fields.popStart, { type: "date" }))} />
                <Errors field={fields.popStart} />
              </div>
              <div className="field">
                <label htmlFor={fields.popEnd.id}>New end of the period (now {award.pop_end})</label>
                <input {...props(getInputProps(fields.popEnd, { type: "date" }))} />
                <Errors field={fields.popEnd} />
              </div>
            </div>
            <div className="field">
              <label htmlFor={fields.reason.id}>Reason</label>
              <textarea {...props(getTextareaProps(fields.reason))} rows={2} maxLength={500} />
              <Errors field={fields.reason} />
            </div>
            <button type="submit">Record amendment</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
