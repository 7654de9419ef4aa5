import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireAward } from "~/auth/award.server";
import { requireUser } from "~/auth/guard.server";
import { Errors, FormErrors, Notice, OnceField, props, useDone, useReply, useResetAfterSave } from "~/components/forms";
import { createOnce, formReply, refusedReply } from "~/http/forms.server";
import { allows } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { todayIso } from "~/domain/dates";
import { newFormToken } from "~/models/form-tokens.server";
import { closePeriod, listClosedPeriods, reopenPeriod } from "~/models/closed-periods.server";
import { listDeadlines } from "~/models/obligations.server";
import { ClosePeriodSchema, ReopenPeriodSchema } from "~/schemas/lifecycle";
import { ScrollTable } from "~/components/ScrollTable";

/**
 * Closed reporting periods of one award. Anyone who may read the award sees them; only
 * an administrator closes or reopens one. While closed, spending dated inside cannot change
 * (database triggers, migrations/0005_closed_periods.ts).
 */
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Closed periods — ${data?.award.award_number ?? "Award"} — Baseline` }];

const CLOSE = "close-period";
const REOPEN = "reopen-period";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = getDb();
  const award = await requireAward(user, params.number, "read");
  const today = todayIso();
  const [periods, reports] = await Promise.all([
    listClosedPeriods(db, award.id),
    // The award's financial-report quarters that have ended: the usual periods to close.
    listDeadlines(db, { asOf: today, scope: { kind: "all" }, awardId: award.id }),
  ]);
  const open = periods.filter((p) => p.reopened_at === null);
  const suggestions = reports
    .filter((r) => r.report === "SF-425" && r.periodEnd < today)
    .filter((r) => !open.some((p) => p.period_start <= r.periodStart && p.period_end >= r.periodEnd))
    .map((r) => ({ start: r.periodStart, end: r.periodEnd }));
  return { award, periods, suggestions, canManage: allows(user, { can: "admin" }), once: newFormToken() };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { can: "admin" });
  const db = getDb();
  const award = await requireAward(user, params.number, "edit");
  const formData = await request.formData();
  const back = `/awards/${encodeURIComponent(award.award_number)}/periods`;

  if (formData.get("intent") === "reopen") {
    const s = parseWithZod(formData, { schema: ReopenPeriodSchema });
    if (s.status !== "success") return formReply(REOPEN, s.reply());
    const r = await reopenPeriod(db, user.id, award.id, s.value.id);
    if (!r.ok) return refusedReply(s, REOPEN, r.message, undefined, 409);
    return redirect(`${back}?done=reopen`, { status: 303 });
  }
  const s = parseWithZod(formData, { schema: ClosePeriodSchema });
  if (s.status !== "success") return formReply(CLOSE, s.reply());
  const { start, end } = s.value;
  return createOnce(
    request,
    formData,
    s,
    CLOSE,
    (trx) => closePeriod(trx, user.id, award.id, { start, end }),
    (r) => (r.ok ? `${back}?done=close` : null),
    (r) => refusedReply(s, CLOSE, r.ok ? "" : r.message, undefined, 409),
  );
}

const DONE: Record<string, string> = {
  close: "The period is closed: spending dated inside it can no longer be added, changed or voided.",
  reopen: "The period was reopened: its spending can be changed again.",
};

export default function Periods() {
  const { award, periods, suggestions, canManage, once } = useLoaderData<typeof loader>();
  const done = useDone(DONE);
  const reopenReply = useReply(REOPEN);
  const [form, fields] = useForm({
    id: CLOSE,
    lastResult: useReply(CLOSE)?.result,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ClosePeriodSchema }),
    shouldValidate: "onBlur",
  });
  useResetAfterSave(form);
  const awardHref = `/awards/${encodeURIComponent(award.award_number)}`;
  return (
    <>
      <p className="muted">
        <Link to="/awards">Grants</Link> › <Link to={awardHref}>{award.award_number}</Link> › Closed periods
      </p>
      <h1>Closed reporting periods of {award.award_number}</h1>
      <p>
        {award.program_code} · {award.center_code} · period of performance {award.pop_start} – {award.pop_end}
      </p>
      <Notice>{done}</Notice>
      <FormErrors errors={reopenReply?.result.error?.[""] ?? undefined} errorId={REOPEN} />

      {periods.length === 0 ? (
        <p className="empty">No period of this award has been closed.</p>
      ) : (
        <ScrollTable>
          <thead>
            <tr>
              <th>Period</th>
              <th>Closed</th>
              <th>Reopened</th>
              <th>
                <span className="muted">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {periods.map((p) => (
              <tr key={p.id} className={p.reopened_at ? "voided" : undefined}>
                <td>
                  {p.period_start} – {p.period_end}
                </td>
                <td>
                  {p.closed_at.slice(0, 10)} by {p.closed_by_name ?? "—"}
                </td>
                <td>{p.reopened_at ? `${p.reopened_at.slice(0, 10)} by ${p.reopened_by_name ?? "—"}` : <span className="badge red">closed</span>}</td>
                <td>
                  {canManage && !p.reopened_at ? (
                    <Form method="post">
                      <input type="hidden" name="intent" value="reopen" />
                      <input type="hidden" name="id" value={p.id} />
                      <button type="submit" className="secondary">
                        Reopen
                      </button>
                    </Form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}

      {canManage ? (
        <section className="panel" aria-labelledby="close-heading">
          <h2 id="close-heading">Close a period</h2>
          {suggestions.length > 0 ? (
            <div className="actions">
              <span className="muted">Ended SF-425 quarters still open:</span>
              {suggestions.map((s) => (
                <Form method="post" key={s.start}>
                  <input type="hidden" name="intent" value="close" />
                  <OnceField token={once} formId={CLOSE} />
                  <input type="hidden" name="start" value={s.start} />
                  <input type="hidden" name="end" value={s.end} />
                  <button type="submit" className="secondary">
                    Close {s.start} – {s.end}
                  </button>
                </Form>
              ))}
            </div>
          ) : null}
          <Form method="post" {...getFormProps(form)}>
            <input type="hidden" name="intent" value="close" />
            <OnceField token={once} formId={CLOSE} />
            <FormErrors errors={form.errors} errorId={form.errorId} />
            <div className="grid-2">
              <div className="field">
                <label htmlFor={fields.start.id}>First day</label>
                <input {...props(getInputProps(fields.start, { type: "date" }))} />
                <Errors field={fields.start} />
              </div>
              <div className="field">
                <label htmlFor={fields.end.id}>Last day</label>
                <input {...props(getInputProps(fields.end, { type: "date" }))} />
                <Errors field={fields.end} />
              </div>
            </div>
            <button type="submit">Close period</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
