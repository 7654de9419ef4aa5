import { getFormProps, getInputProps, getSelectProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useState } from "react";
import { assertAllowed, forbidden, requireUser } from "~/auth/guard.server";
import type { Principal } from "~/domain/permissions";
import { Errors, FormErrors, OnceField, props, useReply } from "~/components/forms";
import { createOnce, formReply, refusedReply } from "~/http/forms.server";
import { getDb } from "~/db.server";
import { currentFiscalYear, parseDate } from "~/domain/dates";
import { defaultPopEnd } from "~/domain/grants";
import { createAward } from "~/models/awards.server";
import { newFormToken } from "~/models/form-tokens.server";
import { getCenterByCode, listCenters } from "~/models/centers.server";
import { primeChoices } from "~/models/prime-awards.server";
import { listPrograms } from "~/models/programs.server";
import { newAwardSchema } from "~/schemas/grants";

export const meta: MetaFunction = () => [{ title: "Record an award — Baseline" }];

/** Admins record awards for any center, directors for their own; everyone else is refused. */
function requireCreator(user: Principal): void {
  if (user.role !== "admin" && user.role !== "director") throw forbidden("Only an administrator or a center's director can record awards.");
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  requireCreator(user);
  const db = getDb();
  const [allCenters, programs] = await Promise.all([listCenters(db, { kind: "all" }), listPrograms(db)]);
  const centers = user.role === "admin" ? allCenters : allCenters.filter((c) => c.id === user.centerId);
  // Suggested primes: a director's own state's (the SAA's awards); an administrator's, any state's.
  const primes = await primeChoices(db, user.role === "admin" ? "all" : centers.map((c) => c.state));
  return {
    centers: centers.map((c) => ({ code: c.code, name: c.name })),
    primes: primes.map((p) => ({ number: p.award_number, label: `${p.recipient} · ${p.state} FY${p.fiscal_year} · ${p.programs.join(", ")} · ${p.pop_start} to ${p.pop_end}` })),
    programs: programs.map((p) => ({ code: p.code, name: p.name, popMonths: p.pop_months })),
    once: newFormToken(),
    defaults: { center: user.role === "director" ? (centers[0]?.code ?? "") : "", fiscalYear: String(currentFiscalYear()) },
  };
}

const FORM_ID = "new-award";

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  requireCreator(user);
  const formData = await request.formData();
  const submission = parseWithZod(formData, { schema: newAwardSchema });
  if (submission.status !== "success") return formReply(FORM_ID, submission.reply());
  const db = getDb();
  const v = submission.value;
  const center = await getCenterByCode(db, v.center);
  if (!center) return refusedReply(submission, FORM_ID, `No center with code ${v.center}`, "center");
  assertAllowed(user, { can: "edit", center });
  const award = { awardNumber: v.awardNumber, centerId: center.id, programCode: v.program, fiscalYear: v.fiscalYear, amountCents: v.amount, popStart: v.popStart, popEnd: v.popEnd, primeAward: v.primeAward, passThrough: v.passThrough };
  return createOnce(
    request,
    formData,
    submission,
    FORM_ID,
    (trx) => createAward(trx, user.id, award),
    (r) => (r.ok ? `/awards/${encodeURIComponent(r.value.award_number)}?done=created` : null),
    (r) => (r.ok || r.kind !== "refused" ? formReply(FORM_ID, submission.reply()) : refusedReply(submission, FORM_ID, r.message, r.field)),
  );
}

export default function NewAward() {
  const { centers, programs, primes, defaults, once } = useLoaderData<typeof loader>();
  const [form, fields] = useForm({
    id: FORM_ID,
    lastResult: useReply(FORM_ID)?.result,
    defaultValue: { center: defaults.center, fiscalYear: defaults.fiscalYear },
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: newAwardSchema }),
  });
  // With JS, show the end date the program's default period gives; without JS the server fills it in.
  const [program, setProgram] = useState<string>((fields.program.initialValue as string) ?? "");
  const [start, setStart] = useState<string>((fields.popStart.initialValue as string) ?? "");
  const months = programs.find((p) => p.code === program)?.popMonths ?? null;
  const parsedStart = parseDate(start);
  const suggestedEnd = parsedStart.ok ? defaultPopEnd(parsedStart.date, months) : null;

  return (
    <>
      <p className="muted">
        <Link to="/awards">Grants</Link> › Record an award
      </p>
      <h1>Record an award</h1>
      <Form method="post" {...getFormProps(form)} className="panel">
        <OnceField token={once} formId={FORM_ID} />
        <FormErrors errors={form.errors} errorId={form.errorId} />
        <div className="field">
          <label htmlFor={fields.awardNumber.id}>Award number</label>
          <input {...props(getInputProps(fields.awardNumber, { type: "text" }))} autoComplete="off" />
          <Errors field={fields.awardNumber} />
        </div>
        <div className="field">
          <label htmlFor={fields.center.id}>Center</label>
          <select {...props(getSelectProps(fields.center))}>
            {centers.length > 1 ? <option value="">Choose a center</option> : null}
            {centers.map((c) => (
              <option key={c.code} value={c.code}>
                {c.code} — {c.name}
              </option>
            ))}
          </select>
          <Errors field={fields.center} />
        </div>
        <div className="field">
          <label htmlFor={fields.program.id}>Program</label>
          <select {...props(getSelectProps(fields.program))} onChange={(e) => setProgram(e.currentTarget.value)}>
            <option value="">Choose a program</option>
            {programs.map((p) => (
              <option key={p.code} value={p.code}>
                {p.code} — {p.name}
                {p.popMonths ? ` (${p.popMonths}-month period)` : ""}
              </option>
            ))}
          </select>
          <Errors field={fields.program} />
        </div>
        <div className="field">
          <label htmlFor={fields.fiscalYear.id}>Federal fiscal year</label>
          <input {...props(getInputProps(fields.fiscalYear, { type: "text" }))} inputMode="numeric" />
          <Errors field={fields.fiscalYear} />
        </div>
        <div className="field">
          <label htmlFor={fields.amount.id}>Award amount (dollars)</label>
          <input {...props(getInputProps(fields.amount, { type: "text" }))} inputMode="decimal" placeholder="1234.56" />
          <Errors field={fields.amount} />
        </div>
        <div className="field">
          <label htmlFor={fields.popStart.id}>Period of performance starts</label>
          <input {...props(getInputProps(fields.popStart, { type: "text" }))} placeholder="YYYY-MM-DD" onInput={(e) => setStart(e.currentTarget.value)} />
          <Errors field={fields.popStart} />
        </div>
        <div className="field">
          <label htmlFor={fields.popEnd.id}>Period of performance ends</label>
          <input {...props(getInputProps(fields.popEnd, { type: "text" }))} placeholder="YYYY-MM-DD" aria-describedby={`${fields.popEnd.id}-hint`} />
          <div id={`${fields.popEnd.id}-hint`} className="muted">
            Leave empty to use the program's default period
            {suggestedEnd
              ? `: ends ${suggestedEnd}`
              : ` (${programs
                  .filter((p) => p.popMonths)
                  .map((p) => `${p.code} ${p.popMonths} months`)
                  .join(", ")})`}
            .
          </div>
          <Errors field={fields.popEnd} />
        </div>
        <fieldset>
          <legend>Sub-award (leave empty for a direct award)</legend>
          <div className="field">
            <label htmlFor={fields.primeAward.id}>Prime award number (FAIN)</label>
            <input
              {...props(getInputProps(fields.primeAward, { type: "text" }))}
              autoComplete="off"
              list="prime-awards"
              placeholder="EMW-2024-SS-00012"
              aria-describedby={`${fields.primeAward.id}-hint`}
            />
            <datalist id="prime-awards">
              {primes.map((p) => (
                <option key={p.number} value={p.number}>
                  {p.label}
                </option>
              ))}
            </datalist>
            <div id={`${fields.primeAward.id}-hint`} className="muted">
              The federal award the State Administrative Agency (or another pass-through entity) made this sub-award under. The amount above is the
              center's share; the program must be one the prime funds and the period within the prime's.
            </div>
            <Errors field={fields.primeAward} />
          </div>
          <div className="field">
            <label htmlFor={fields.passThrough.id}>Pass-through entity</label>
            <input {...props(getInputProps(fields.passThrough, { type: "text" }))} maxLength={200} placeholder="Empty: the prime award's recipient" />
            <Errors field={fields.passThrough} />
          </div>
        </fieldset>
        <p className="actions">
          <button type="submit">Record award</button>
          <Link to="/awards">Cancel</Link>
        </p>
      </Form>
    </>
  );
}
