import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { requireCenter } from "~/auth/center.server";
import { allows } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { currentFiscalYear } from "~/domain/dates";
import { formatScore } from "~/domain/scores";
import { ensureReview } from "~/models/assessment-reviews.server";
import { assessmentYearSummaries } from "~/models/assessments.server";
import { startYearSchema } from "~/schemas/assessment";
import { ScrollTable } from "~/components/ScrollTable";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Assessments — ${data?.center.name ?? "Center"} — Baseline` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const center = await requireCenter(user, params.code, "read");
  const years = await assessmentYearSummaries(getDb(), center.id);
  const suggested = years.length > 0 ? years[0].fiscalYear + 1 : currentFiscalYear();
  return { center: { code: center.code, name: center.name }, years, suggested, canEdit: allows(user, { can: "edit", center }) };
}

/** Starts a fiscal year: records its draft sign-off row (audited) and opens the year's page. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const center = await requireCenter(user, params.code, "edit");
  const submission = parseWithZod(await request.formData(), { schema: startYearSchema });
  if (submission.status !== "success") return json(submission.reply(), { status: 400 });
  const fy = submission.value.fiscalYear;
  await getDb()
    .transaction()
    .execute((trx) => ensureReview(trx, center.id, fy, user.id));
  return redirect(`/centers/${encodeURIComponent(center.code)}/assessments/${fy}`, 303);
}

export default function AssessmentYears() {
  const { center, years, suggested, canEdit } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const [form, fields] = useForm({
    lastResult,
    defaultValue: { fiscalYear: String(suggested) },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: startYearSchema }),
    shouldValidate: "onSubmit",
    shouldRevalidate: "onInput",
  });
  const base = `/centers/${encodeURIComponent(center.code)}`;
  return (
    <>
      <p className="muted">
        <Link to="/centers">Centers</Link> › <Link to={base}>{center.code}</Link> › Assessments
      </p>
      <h1>Capability assessments: {center.name}</h1>
      {years.length === 0 ? (
        <p className="empty">No assessment recorded yet.</p>
      ) : (
        <ScrollTable>
          <thead>
            <tr>
              <th scope="col">Fiscal year</th>
              <th scope="col" className="num">
                Capabilities assessed
              </th>
              <th scope="col" className="num">
                Baseline score
              </th>
              <th scope="col">Status</th>
              <th scope="col">Sign-off</th>
            </tr>
          </thead>
          <tbody>
            {years.map((y) => (
              <tr key={y.fiscalYear}>
                <td>
                  <Link to={`${base}/assessments/${y.fiscalYear}`}>FY{y.fiscalYear}</Link>
                </td>
                <td className="num">{y.rows}</td>
                <td className="num">{y.rows > 0 ? formatScore(y.score) : "—"}</td>
                <td>{y.rows > 0 ? y.status : "not started"}</td>
                <td>{y.reviewText ?? y.reviewState}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
      {canEdit ? (
        <section className="panel" aria-labelledby="start-year">
          <h2 id="start-year">Start a fiscal year</h2>
          <p className="muted">The year's page offers to carry the previous year forward, so nothing has to be typed again.</p>
          <Form method="post" {...getFormProps(form)}>
            <div className="field">
              <label htmlFor={fields.fiscalYear.id}>Fiscal year (federal: FY{suggested} runs 1 Oct {suggested - 1} to 30 Sep {suggested})</label>
              <input {...getInputProps(fields.fiscalYear, { type: "text" })} key={fields.fiscalYear.key} inputMode="numeric" size={6} />
              {fields.fiscalYear.errors ? (
                <p className="field-error" id={fields.fiscalYear.errorId}>
                  {fields.fiscalYear.errors.join(" ")}
                </p>
              ) : null}
            </div>
            {form.errors ? <p className="error">{form.errors.join(" ")}</p> : null}
            <button type="submit">Start</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
