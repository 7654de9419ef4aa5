import { getFormProps, getInputProps, getSelectProps, getTextareaProps, useForm, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData, useSearchParams } from "@remix-run/react";
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { assertAllowed, notFound, requireUser } from "~/auth/guard.server";
import { requireCenter } from "~/auth/center.server";
import { allows } from "~/domain/permissions";
import { Notice, useDone } from "~/components/forms";
import { HistoryPanel } from "~/components/HistoryPanel";
import { getDb } from "~/db.server";
import { centsToDecimal, formatMoney } from "~/domain/money";
import { formatScore, STATUSES, STATUS_LABELS } from "~/domain/scores";
import { applyReviewStep, REVIEW_STATE_LABELS, STEP_FROM, type ReviewStep } from "~/models/assessment-reviews.server";
import { assessableIds, assessmentPage, carryForward, saveAssessments } from "~/models/assessments.server";
import { listCapabilities, listFrameworks } from "~/models/catalog.server";
import { parseFiscalYear } from "~/domain/fiscal-year";
import { assessmentRowsSchema, REVIEW_INTENTS, reviewSchema, submittedVersions, YEAR_MESSAGE } from "~/schemas/assessment";
import { ScrollTable } from "~/components/ScrollTable";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `FY${data.page.fiscalYear} assessment — ${data.center.name} — Baseline` : "Assessment — Baseline" },
];

function yearFor(param: string | undefined): number {
  const fy = parseFiscalYear(param);
  if (fy === null) throw notFound(`No such fiscal year "${param}": ${YEAR_MESSAGE.toLowerCase()}`);
  return fy;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const center = await requireCenter(user, params.code, "read");
  const fy = yearFor(params.fy);
  const url = new URL(request.url);
  const page = await assessmentPage(getDb(), center.id, fy, { guidelines: url.searchParams.get("guidelines") === "1" });
  const canEdit = allows(user, { can: "edit", center });
  const canReview = allows(user, { can: "review" });
  const state = page.review?.state ?? "draft";
  const may = (step: ReviewStep) => STEP_FROM[step].includes(state) && (step === "submit" ? canEdit : canReview);
  return {
    center: { code: center.code, name: center.name },
    page,
    canEdit,
    reviewStateLabel: REVIEW_STATE_LABELS[state],
    steps: { submit: may("submit"), validate: may("validate"), request_changes: may("request_changes"), reopen: may("reopen") },
  };
}

type RowsReply = { form: "rows"; result: SubmissionResult<string[]>; versions: Record<string, number | null>; notice?: string };
type ReviewReply = { form: "review"; result: SubmissionResult<string[]> };
type CarryReply = { form: "carry"; message: string };

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const center = await requireCenter(user, params.code, "read");
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "");
  const isReview = (REVIEW_INTENTS as readonly string[]).includes(intent);
  // Submitting is the director's step; validating, sending back and reopening are a reviewer's.
  if (isReview && intent !== "submit") assertAllowed(user, { can: "review" });
  else assertAllowed(user, { can: "edit", center });
  const fy = yearFor(params.fy);
  const db = getDb();
  const here = `/centers/${encodeURIComponent(center.code)}/assessments/${fy}`;

  if (isReview) {
    const submission = parseWithZod(formData, { schema: reviewSchema });
    if (submission.status !== "success") return json<ReviewReply>({ form: "review", result: submission.reply() }, { status: 400 });
    const v = submission.value;
    const outcome = await applyReviewStep(db, {
      centerId: center.id,
      fiscalYear: fy,
      userId: user.id,
      step: v.intent,
      note: v.note,
      version: v.reviewVersion ?? null,
    });
    if (!outcome.ok) return json<ReviewReply>({ form: "review", result: submission.reply({ formErrors: [outcome.message] }) }, { status: 409 });
    return redirect(`${here}?done=${v.intent}`, 303);
  }

  if (intent === "carry-forward") {
    const outcome = await carryForward(db, { centerId: center.id, fiscalYear: fy, userId: user.id });
    if (!outcome.ok) return json<CarryReply>({ form: "carry", message: outcome.message }, { status: 409 });
    return redirect(`${here}?carried=${outcome.copied}`, 303);
  }

  const [frameworks, catalog] = await Promise.all([listFrameworks(db), listCapabilities(db)]);
  const known = assessableIds(catalog, frameworks.map((f) => f.id));
  const versions = submittedVersions(formData);
  const submission = parseWithZod(formData, { schema: assessmentRowsSchema(known) });
  if (submission.status !== "success") return json<RowsReply>({ form: "rows", result: submission.reply(), versions }, { status: 400 });
  const outcome = await saveAssessments(db, { centerId: center.id, fiscalYear: fy, userId: user.id, rows: submission.value.rows });
  if (!outcome.ok && outcome.reason === "locked") {
    return json<RowsReply>({ form: "rows", result: submission.reply({ formErrors: [outcome.message] }), versions }, { status: 409 });
  }
  if (!outcome.ok) {
    const fieldErrors: Record<string, string[]> = {};
    for (const c of outcome.conflicts) {
      fieldErrors[`rows[${c.index}]`] = [c.message];
      // Carry the other person's version: saving again now knowingly replaces their change.
      versions[c.capabilityId] = c.current.version;
    }
    const n = outcome.conflicts.length;
    const formErrors = [`Nothing was saved: ${n} row${n === 1 ? " was" : "s were"} changed by someone else while you were editing (marked below).`];
    return json<RowsReply>({ form: "rows", result: submission.reply({ formErrors, fieldErrors }), versions }, { status: 409 });
  }
  const changed = outcome.created + outcome.updated;
  const notice =
    changed === 0
      ? "Nothing to save: no row was changed."
      : `Saved ${changed} row${changed === 1 ? "" : "s"}${outcome.created > 0 ? ` (${outcome.created} newly assessed)` : ""}.`;
  return json<RowsReply>({ form: "rows", result: submission.reply(), versions: { ...versions, ...outcome.versions }, notice });
}

const REVIEW_DONE: Record<ReviewStep, string> = {
  submit: "Submitted for review.",
  validate: "Validated.",
  request_changes: "Sent back with a request for changes.",
  reopen: "Reopened for editing.",
};

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type ActionData = RowsReply | ReviewReply | CarryReply;

export default function AssessmentYear() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const [params] = useSearchParams();
  const { center, page, canEdit } = data;
  const fy = page.fiscalYear;
  const base = `/centers/${encodeURIComponent(center.code)}`;
  const locked = page.review?.locked ?? false;
  const carried = params.get("carried");
  const done = useDone(REVIEW_DONE);
  return (
    <>
      <p className="muted">
        <Link to="/centers">Centers</Link> › <Link to={base}>{center.code}</Link> › <Link to={`${base}/assessments`}>Assessments</Link> › FY{fy}
      </p>
      <h1>
        FY{fy} capability assessment: {center.name}
      </h1>
      <p className="muted">
        Federal fiscal year FY{fy}: 1 October {fy - 1} to 30 September {fy}. <Link to={`${base}/assessments/${fy - 1}`}>FY{fy - 1}</Link> ·{" "}
        <Link to={`${base}/assessments/${fy + 1}`}>FY{fy + 1}</Link>
      </p>

      <section className="panel" aria-labelledby="scores">
        <h2 id="scores">Score</h2>
        {page.scores.map((s) => (
          <p key={s.frameworkId}>
            {s.title}: <strong>{formatScore(s.score)}</strong> ({s.achieved} achieved, {s.partial} partial, {s.notAchieved} not achieved, {s.notAssessed}{" "}
            not assessed, {s.notApplicable} not applicable) — <strong>{s.status}</strong>
            {s.frameworkId === "baseline-2008" && page.reviewText ? (
              <span className={`badge ${page.review?.state === "validated" ? "green" : "amber"}`} style={{ marginLeft: 8 }}>
                {page.reviewText}
              </span>
            ) : null}
          </p>
        ))}
      </section>

      <Notice>{done}</Notice>
      <SignOff key={page.review?.version ?? 0} data={data} actionData={actionData?.form === "review" ? actionData : undefined} />

      <Notice>{carried ? `Carried forward ${carried} rows from FY${fy - 1}. Check them and save what changed.` : null}</Notice>
      {actionData?.form === "carry" ? (
        <p className="notice error" role="alert">
          {actionData.message}
        </p>
      ) : null}
      {canEdit && !locked && page.rows.length === 0 && page.priorYearRows > 0 ? (
        <Form method="post" className="actions">
          <button type="submit" name="intent" value="carry-forward">
            Carry forward from FY{fy - 1}
          </button>
          <span className="muted">Copies FY{fy - 1}'s {page.priorYearRows} rows (status, evidence, estimated cost) into this empty year.</span>
        </Form>
      ) : null}

      {canEdit && !locked ? (
        <AssessmentForm key={`${fy}-${carried ?? ""}`} data={data} actionData={actionData?.form === "rows" ? actionData : undefined} />
      ) : (
        <ReadOnlyTable data={data} />
      )}

      <p className="muted">
        {page.layouts.some((l) => l.id === "guidelines-2006") ? null : (
          <Link to="?guidelines=1">Also show the 2006 Fusion Center Guidelines</Link>
        )}
      </p>

      <HistoryPanel rows={page.history} title={`History of the FY${fy} assessment`} showRecord />
    </>
  );
}

function SignOff({ data, actionData }: { data: LoaderData; actionData?: ReviewReply }) {
  const { page, steps, reviewStateLabel } = data;
  const [form, fields] = useForm({
    id: "sign-off",
    lastResult: actionData?.result,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: reviewSchema }),
    shouldValidate: "onSubmit",
  });
  const any = steps.submit || steps.validate || steps.request_changes || steps.reopen;
  return (
    <section className="panel" aria-labelledby="sign-off-title">
      <h2 id="sign-off-title">Sign-off</h2>
      <p>
        State: <strong>{reviewStateLabel}</strong>
        {page.reviewText ? ` — ${page.reviewText}` : ""}
        {page.review?.locked ? " · locked: statuses cannot change until a reviewer reopens the year" : ""}
      </p>
      {page.review?.note ? (
        <p>
          Note: <q>{page.review.note}</q>
        </p>
      ) : null}
      {any ? (
        <Form method="post" {...getFormProps(form)}>
          <input type="hidden" name="reviewVersion" value={page.review?.version ?? ""} />
          <div className="field">
            <label htmlFor={fields.note.id}>{steps.submit ? "Note to the reviewer (optional)" : "Note (required to request changes)"}</label>
            <textarea {...getTextareaProps(fields.note)} key={fields.note.key} rows={2} cols={60} />
            {fields.note.errors ? (
              <p className="field-error" id={fields.note.errorId}>
                {fields.note.errors.join(" ")}
              </p>
            ) : null}
          </div>
          {form.errors ? (
            <p className="notice error" role="alert" id={form.errorId}>
              {form.errors.join(" ")}
            </p>
          ) : null}
          <div className="actions">
            {steps.submit ? (
              <button type="submit" name="intent" value="submit">
                Submit for review
              </button>
            ) : null}
            {steps.validate ? (
              <button type="submit" name="intent" value="validate">
                Validate
              </button>
            ) : null}
            {steps.request_changes ? (
              <button type="submit" name="intent" value="request_changes" className="secondary">
                Request changes
              </button>
            ) : null}
            {steps.reopen ? (
              <button type="submit" name="intent" value="reopen" className="secondary">
                Reopen for editing
              </button>
            ) : null}
          </div>
        </Form>
      ) : null}
    </section>
  );
}

function lastSet(row: { updated_by_name: string | null; updated_at: string } | undefined): string {
  return row ? `last set ${row.updated_at.slice(0, 10)}${row.updated_by_name ? ` by ${row.updated_by_name}` : ""}` : "not assessed";
}

type Layout = LoaderData["page"]["layouts"][number];
type CapabilityEntry = Extract<Layout["entries"][number], { kind: "capability" }>;

/**
 * The year's capabilities as each framework lays them out: a table a framework, with its section and
 * area headings as rows between the capabilities. The read-only view and the form draw the same
 * tables; `row` draws one capability's row.
 */
function FrameworkTables({ layouts, columns, head, row }: { layouts: Layout[]; columns: number; head: ReactNode; row: (e: CapabilityEntry) => ReactNode }) {
  return (
    <>
      {layouts.map((layout) => (
        <section key={layout.id} aria-labelledby={`fw-${layout.id}`}>
          <h2 id={`fw-${layout.id}`}>{layout.title}</h2>
          <ScrollTable>
            <thead>
              <tr>{head}</tr>
            </thead>
            <tbody>
              {layout.entries.map((e) =>
                e.kind === "capability" ? (
                  row(e)
                ) : (
                  <tr key={`${e.kind}-${e.id}`}>
                    <th colSpan={columns} scope="colgroup" style={{ paddingLeft: e.kind === "area" ? 24 : 8 }}>
                      {e.id} {e.title}
                    </th>
                  </tr>
                ),
              )}
            </tbody>
          </ScrollTable>
        </section>
      ))}
    </>
  );
}

function ReadOnlyTable({ data }: { data: LoaderData }) {
  const { page } = data;
  const rowOf = new Map(page.rows.map((r) => [r.capability_id, r]));
  return (
    <FrameworkTables
      layouts={page.layouts}
      columns={4}
      head={
        <>
          <th scope="col">Capability</th>
          <th scope="col">Status</th>
          <th scope="col">Evidence</th>
          <th scope="col" className="num">
            Estimated cost to close
          </th>
        </>
      }
      row={(e) => (
        <tr key={e.id}>
          <td>
            <Link to={`/capabilities/${encodeURIComponent(e.id)}`}>{e.id}</Link> {e.title}
            <div className="muted">{lastSet(rowOf.get(e.id))}</div>
          </td>
          <td>{STATUS_LABELS[rowOf.get(e.id)?.status ?? "not_assessed"]}</td>
          <td style={{ whiteSpace: "pre-wrap" }}>{rowOf.get(e.id)?.evidence ?? ""}</td>
          <td className="num">{formatMoney(rowOf.get(e.id)?.est_cost_cents ?? null)}</td>
        </tr>
      )}
    />
  );
}

/**
 * One form for the whole year. Save all = one transaction; each row's Save button saves only that
 * row. With JavaScript the form posts through a fetcher (no page reload); without it, a plain POST.
 * Hidden versions are kept in state: a refused save hands back the versions to carry next time.
 */
function AssessmentForm({ data, actionData }: { data: LoaderData; actionData?: RowsReply }) {
  const { page } = data;
  const fetcher = useFetcher<typeof action>();
  const fetched = fetcher.data as ActionData | undefined;
  const reply = fetched?.form === "rows" ? fetched : actionData;
  const known = useMemo(() => new Set(page.knownCapabilities), [page.knownCapabilities]);
  const schema = useMemo(() => assessmentRowsSchema(known), [known]);
  const order = useMemo(() => page.layouts.flatMap((l) => l.capabilityIds), [page.layouts]);
  const rowOf = new Map(page.rows.map((r) => [r.capability_id, r]));
  const indexOf = new Map(order.map((id, i) => [id, i]));

  const [versions, setVersions] = useState<Record<string, number | null>>(
    () => actionData?.versions ?? Object.fromEntries(page.rows.map((r) => [r.capability_id, r.version])),
  );
  useEffect(() => {
    if (fetched?.form === "rows") setVersions((v) => ({ ...v, ...fetched.versions }));
  }, [fetched]);

  const [form, fields] = useForm({
    id: `assessment-${page.fiscalYear}`,
    lastResult: reply?.result,
    defaultValue: {
      intent: "save",
      rows: order.map((id) => {
        const r = rowOf.get(id);
        return {
          capabilityId: id,
          status: r?.status ?? "",
          evidence: r?.evidence ?? "",
          estCost: r?.est_cost_cents != null ? centsToDecimal(r.est_cost_cents) : "",
          version: r ? String(r.version) : "",
        };
      }),
    },
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
    shouldValidate: "onSubmit",
    shouldRevalidate: "onInput",
  });
  const rowFields = fields.rows.getFieldList();
  const busy = fetcher.state !== "idle" ? String(fetcher.formData?.get("intent") ?? "") : null;

  return (
    <fetcher.Form method="post" {...getFormProps(form)}>
      <div className="actions">
        <button type="submit" name="intent" value="save" disabled={busy !== null}>
          {busy === "save" ? "Saving…" : "Save all"}
        </button>
        <span className="muted">Save all saves every row or none. Each row's Save button saves only that row.</span>
      </div>
      <div aria-live="polite">
        {form.errors ? (
          <p className="notice error" role="alert" id={form.errorId}>
            {form.errors.join(" ")}
          </p>
        ) : reply?.notice && busy === null ? (
          <p className="notice" role="status">
            {reply.notice}
          </p>
        ) : null}
      </div>
      <FrameworkTables
        layouts={page.layouts}
        columns={5}
        head={
          <>
            <th scope="col">Capability</th>
            <th scope="col">Status</th>
            <th scope="col">Evidence (what shows it: a document, a policy, a date)</th>
            <th scope="col">Estimated cost to close ($)</th>
            <th scope="col">Save</th>
          </>
        }
        row={(e) => {
          const f = rowFields[indexOf.get(e.id)!]?.getFieldset();
          const row = rowFields[indexOf.get(e.id)!];
          if (!f || !row) return null;
          const version = versions[e.id];
          return (
            <tr key={e.id} id={`row-${e.id}`}>
              <td>
                <input {...getInputProps(f.capabilityId, { type: "hidden" })} key={f.capabilityId.key} />
                <input type="hidden" name={f.version.name} value={version == null ? "" : String(version)} readOnly />
                <label htmlFor={f.status.id}>
                  <strong>{e.id}</strong> {e.title}
                </label>
                <div className="muted">{lastSet(rowOf.get(e.id))}</div>
                {f.capabilityId.errors ? <p className="field-error">{f.capabilityId.errors.join(" ")}</p> : null}
                {row.errors ? (
                  <p className="field-error" role="alert" id={row.errorId}>
                    {row.errors.join(" ")}
                  </p>
                ) : null}
              </td>
              <td>
                <select {...getSelectProps(f.status)} key={f.status.key}>
                  <option value="">Not assessed</option>
                  {STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {STATUS_LABELS[s]}
                    </option>
                  ))}
                </select>
                {f.status.errors ? (
                  <p className="field-error" id={f.status.errorId}>
                    {f.status.errors.join(" ")}
                  </p>
                ) : null}
              </td>
              <td>
                <textarea {...getTextareaProps(f.evidence)} key={f.evidence.key} rows={2} cols={40} aria-label={`Evidence for ${e.id}`} />
                {f.evidence.errors ? (
                  <p className="field-error" id={f.evidence.errorId}>
                    {f.evidence.errors.join(" ")}
                  </p>
                ) : null}
              </td>
              <td>
                <input {...getInputProps(f.estCost, { type: "text" })} key={f.estCost.key} inputMode="decimal" size={12} aria-label={`Estimated cost to close ${e.id}`} />
                {f.estCost.errors ? (
                  <p className="field-error" id={f.estCost.errorId}>
                    {f.estCost.errors.join(" ")}
                  </p>
                ) : null}
              </td>
              <td>
                <button type="submit" name="intent" value={`row:${e.id}`} className="secondary" disabled={busy !== null} aria-label={`Save ${e.id}`}>
                  {busy === `row:${e.id}` ? "Saving…" : "Save"}
                </button>
              </td>
            </tr>
          );
        }}
      />
      <div className="actions">
        <button type="submit" name="intent" value="save" disabled={busy !== null}>
          {busy === "save" ? "Saving…" : "Save all"}
        </button>
      </div>
    </fetcher.Form>
  );
}
