import { getFormProps, getSelectProps, getTextareaProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { assertAllowed, forbidden, requireUser } from "~/auth/guard.server";
import { requireCenter } from "~/auth/center.server";
import { allows, centerScope, type Principal } from "~/domain/permissions";
import { Notice, useDone, type FormReply } from "~/components/forms";
import { conflictReply, formReply, refusedReply } from "~/http/forms.server";
import { useHydrated } from "~/components/hydrated";
import { PagerNav } from "~/components/PagerNav";
import { FigureTile } from "~/components/FigureTile";
import { StaticInner } from "~/components/StaticRows";
import { FilterSelect, codeNameChoices, yearChoices } from "~/components/FilterSelect";
import { SeverityBadge } from "~/components/StatusBadge";
import { getDb } from "~/db.server";
import { parseFindingKey, RULE_INFO, type Severity } from "~/domain/compliance";
import { describeDefaultYear } from "~/domain/fiscal-year";
import { formatMoney } from "~/domain/money";
import { fiscalYearOf } from "~/http/fiscal-year.server";
import { pageOfIndex, paginate, pagerView } from "~/domain/pagination";
import { findingFires, findingsFilterChoices, findingsReport } from "~/models/compliance.server";
import { saveDisposition, saveResponse } from "~/models/findings.server";
import {
  DISPOSITION_LABELS,
  DISPOSITIONS,
  dispositionSchema,
  filterToSearch,
  findingActionSchema,
  pageToSearch,
  parseFindingsFilter,
  parseFindingsPosition,
  respondSchema,
  type FindingsFilter,
  type FindingsPosition,
} from "~/schemas/findings";

/**
 * Findings report: every finding in the user's centers for the filter in the URL, with
 * its figures, the director's response and the auditor's disposition; forms for those allowed.
 * The CSV export (reports.findings[.]csv.ts) and `cli findings` list the same rows, all of them;
 * the page shows one page of them at a time.
 */
export const meta: MetaFunction = () => [{ title: "Compliance findings — Baseline" }];

/**
 * Findings (and stale responses) per page. Each card carries up to two forms; 50 keeps the page
 * near 140 KB of HTML and its server render short whatever the filter, where the whole network's
 * year was ~1 MB.
 */
export const FINDINGS_PER_PAGE = 50;

/** DOM id for a finding (its key is JSON): FNV-1a of the key, stable across loads. */
export function findingAnchor(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `finding-${h.toString(16).padStart(8, "0")}`;
}

/** The filter and page position from the URL, with a named center or state checked against the user (404/403). */
async function checkedFilter(request: Request, user: Principal): Promise<{ filter: FindingsFilter; position: FindingsPosition }> {
  fiscalYearOf(request, { allowAll: true }); // old `year=` links move to `fy=`; a bad year is a 400
  const params = new URL(request.url).searchParams;
  const parsed = parseFindingsFilter(params);
  if (!parsed.ok) throw new Response(parsed.error, { status: 400 });
  const position = parseFindingsPosition(params);
  if (!position.ok) throw new Response(position.error, { status: 400 });
  const filter = parsed.filter;
  if (filter.center) await requireCenter(user, filter.center, "read");
  const scope = centerScope(user);
  if (filter.state && scope.kind === "states" && !scope.states.includes(filter.state)) throw forbidden();
  return { filter, position: position.position };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { filter, position } = await checkedFilter(request, user);
  const db = getDb();
  const scope = centerScope(user);
  const [report, { centers, states, years }] = await Promise.all([findingsReport(db, scope, filter), findingsFilterChoices(db, scope)]);
  const centerByCode = new Map(centers.map((c) => [c.code, c]));
  const canAudit = allows(user, { can: "audit" });
  const canRespond = (code: string) => {
    const center = centerByCode.get(code);
    return center ? allows(user, { can: "respond", center }) : false;
  };
  // Pinned year and date: every page link then slices the same list the counts were taken from.
  const shown: FindingsFilter = { ...filter, fy: report.fiscalYear ?? "all", asOf: report.asOf };

  // A linked finding (e.g. after saving a form) decides the page of the list that holds it.
  const target = position.finding;
  const findingIndex = target ? report.findings.findIndex((f) => f.key === target) : -1;
  const staleIndex = target && findingIndex < 0 ? report.noLongerApplies.findIndex((r) => r.key === target) : -1;
  const main = paginate(report.findings, findingIndex >= 0 ? pageOfIndex(findingIndex, FINDINGS_PER_PAGE) : (position.page ?? 1), FINDINGS_PER_PAGE);
  const stale = paginate(
    report.noLongerApplies,
    staleIndex >= 0 ? pageOfIndex(staleIndex, FINDINGS_PER_PAGE) : (position.stalePage ?? 1),
    FINDINGS_PER_PAGE,
  );
  const href = (page: number, stalePage: number) => `/reports/findings${pageToSearch(shown, { page, stalePage })}`;

  return {
    filter,
    fiscalYear: report.fiscalYear,
    defaultYear: report.defaultYear ? describeDefaultYear(report.defaultYear) : null,
    asOf: report.asOf,
    counts: report.counts,
    // Only the visible page goes into the HTML: the loader data is embedded in it.
    findings: main.items.map((f) => ({ ...f, anchor: findingAnchor(f.key), canRespond: canRespond(f.centerCode), canAudit })),
    pager: pagerView(main, (p) => href(p, stale.page)),
    noLongerApplies: stale.items.map((r) => ({ ...r, anchor: findingAnchor(r.key), canRespond: canRespond(r.centerCode), canAudit })),
    stalePager: pagerView(stale, (p) => href(main.page, p)),
    targetMissing: target !== undefined && findingIndex < 0 && staleIndex < 0,
    centers: centers.map((c) => ({ code: c.code, name: c.name, state: c.state })),
    states,
    years,
    rules: RULE_INFO.map((r) => r.id),
    csvHref: `/reports/findings.csv${filterToSearch(shown)}`,
  };
}

type ActionResult = FormReply;

const DONE: Record<string, string> = { respond: "Response saved.", disposition: "Disposition saved." };
const SEVERITIES = [
  { value: "violation", label: "Violations" },
  { value: "warning", label: "Warnings" },
];

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const db = getDb();
  const formData = await request.formData();
  const intent = formData.get("intent");
  const formId = String(formData.get("formId") ?? "");
  // Who may write is settled before the input is read: auditors dispose, directors respond.
  if (intent === "disposition") assertAllowed(user, { can: "audit" });
  else if (intent !== "respond") throw new Response("Unknown action", { status: 400 });
  const parts = parseFindingKey(String(formData.get("key") ?? ""));
  if (!parts) throw new Response("Not a finding key", { status: 400 });
  await requireCenter(user, parts.center_code, intent === "respond" ? "respond" : "read");

  const submission = parseWithZod(formData, { schema: findingActionSchema });
  if (submission.status !== "success") return formReply(formId, submission.reply());
  const input = submission.value;
  const firesNow = await findingFires(db, parts, input.asOf);
  const saved =
    input.intent === "respond"
      ? await saveResponse(db, user.id, { key: parts, version: input.version, response: input.response, firesNow })
      : await saveDisposition(db, user.id, { key: parts, version: input.version, disposition: input.disposition, note: input.note, firesNow });
  if (saved.ok) {
    // Back to the same report, on whichever page holds the finding now (the list may have shifted).
    const url = new URL(request.url);
    url.searchParams.set("finding", input.key);
    url.searchParams.set("done", input.intent);
    return redirect(`${url.pathname}${url.search}#${findingAnchor(input.key)}`, { status: 303 });
  }
  if (saved.reason === "conflict") return conflictReply(submission, formId, { what: "this finding", version: saved.current.version, changes: saved.changes });
  return refusedReply(submission, formId, `This finding does not fire as of ${input.asOf}, so there is nothing to answer.`);
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type Row = LoaderData["findings"][number] | LoaderData["noLongerApplies"][number];
type Pager = LoaderData["pager"];

export default function FindingsReport() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionResult | undefined;
  const done = useDone(DONE);
  const savedKey = useSearchParams()[0].get("finding");
  // Asked once for the page: the cards' content is drawn without the router (StaticInner).
  const submitting = useNavigation().state === "submitting";
  const { filter, counts } = data;
  return (
    <>
      <p className="muted">
        <Link to="/reports">Reports</Link> › Findings
      </p>
      <h1>Compliance findings</h1>
      <Form method="get" className="filters" aria-label="Filter findings">
        <FilterSelect
          label="Fiscal year"
          name="fy"
          value={filter.fy}
          all="Latest with awards"
          choices={[{ value: "all", label: "All years" }, ...yearChoices(data.years)]}
        />
        <label>
          As of
          <input type="date" name="asOf" defaultValue={filter.asOf ?? ""} />
        </label>
        <FilterSelect label="State" name="state" value={filter.state} all="All states" choices={data.states} />
        <FilterSelect label="Center" name="center" value={filter.center} all="All centers" choices={codeNameChoices(data.centers)} />
        <FilterSelect label="Rule" name="rule" value={filter.rule} all="All rules" choices={data.rules} />
        <FilterSelect label="Severity" name="severity" value={filter.severity} all="Any" choices={SEVERITIES} />
        <button type="submit">Apply</button>
      </Form>

      <p>
        {data.defaultYear ?? (data.fiscalYear === null ? "All fiscal years" : `FY${data.fiscalYear}`)}, as of {data.asOf}.{" "}
        <Link to="/rules">What each rule checks</Link>
      </p>
      <div className="tiles">
        <FigureTile value={counts.violation} label="Violations" />
        <FigureTile value={counts.warning} label="Warnings" />
        <FigureTile value={counts.total} label="Findings" />
        <FigureTile value={data.stalePager.total} label="Responses that no longer apply" />
      </div>
      <p className="actions">
        <a href={data.csvHref} download>
          Download these findings as CSV
        </a>
      </p>

      {data.targetMissing ? (
        <p className="notice" role="status">
          The finding you followed is not in this report: it may have stopped firing, or the filter leaves it out.
        </p>
      ) : null}

      {data.pager.total === 0 ? (
        <p className="empty">No finding matches this filter.</p>
      ) : (
        <section aria-label="Findings">
          <ClampNotice pager={data.pager} what="findings" />
          <p>{data.pager.label}</p>
          <PagerNav pager={data.pager} label="Pages of findings" />
          {data.findings.map((f) => {
            const card = { f, asOf: data.asOf, actionData, notice: f.key === savedKey ? done : null, submitting };
            return <FindingCard key={f.key} {...card} memoKey={findingCardKey(card)} />;
          })}
          <PagerNav pager={data.pager} label="Pages of findings, end of list" />
        </section>
      )}

      <section aria-labelledby="no-longer-applies">
        <h2 id="no-longer-applies">No longer applies</h2>
        <p className="muted">Responses and dispositions recorded for findings that no longer fire with today's data. They are kept, never deleted.</p>
        {data.stalePager.total === 0 ? (
          <p className="empty">None.</p>
        ) : (
          <>
            <ClampNotice pager={data.stalePager} what="responses that no longer apply" />
            {data.stalePager.pageCount > 1 ? <p>{data.stalePager.label}</p> : null}
            {data.noLongerApplies.map((r) => {
              const card = { f: r, asOf: data.asOf, actionData, notice: r.key === savedKey ? done : null, submitting, stale: true };
              return <FindingCard key={r.key} {...card} memoKey={findingCardKey(card)} />;
            })}
            <PagerNav pager={data.stalePager} label="Pages of responses that no longer apply" />
          </>
        )}
      </section>
    </>
  );
}

function ClampNotice({ pager, what }: { pager: Pager; what: string }) {
  if (!pager.clamped) return null;
  return (
    <p className="notice" role="status">
      There is no page {pager.requested} of {what} (there {pager.pageCount === 1 ? "is 1 page" : `are ${pager.pageCount} pages`}); showing the last page.
    </p>
  );
}

export interface CardProps {
  f: Row;
  asOf: string;
  actionData?: ActionResult;
  /** The confirmation of the save that came back to this card, if any. */
  notice: string | null;
  submitting: boolean;
  stale?: boolean;
}

/**
 * The memo key of a card's content (StaticInner), or null when it is drawn live: the card just saved
 * (its confirmation), a card whose form the action answered (Conform's form, errors and all) and
 * every card while a form is submitting. Otherwise the content is drawn from the row — which holds
 * the user's `canRespond`/`canAudit`, deciding the forms — the report date and whether it no longer
 * applies; the forms carry no per-request token (update forms, decision 015).
 */
export function findingCardKey({ f, asOf, actionData, notice, submitting, stale = false }: CardProps): string | null {
  if (notice !== null || submitting) return null;
  const answered = actionData?.formId;
  if (answered === `respond-${f.anchor}` || answered === `disposition-${f.anchor}`) return null;
  // Plain data (no formatter to name): plain JSON, without chartKey's replacer called on every value.
  return `finding-card:${JSON.stringify([f, asOf, stale])}`;
}

/**
 * One finding. The server draws its content once per distinct card (docs/decisions/032-finding-cards-drawn-once.md):
 * 50 cards with up to 100 forms were most of the page's render. The content therefore uses no hook
 * on the router: `submitting` comes from the page.
 */
export function FindingCard({ memoKey, ...card }: CardProps & { memoKey: string | null }) {
  const { f } = card;
  return (
    <StaticInner
      as="article"
      className="panel finding"
      id={f.anchor}
      aria-label={`${f.rule} ${f.centerCode}${f.awardNumber ? ` ${f.awardNumber}` : ""} FY${f.fiscalYear}`}
      memoKey={memoKey}
    >
      {() => <CardContent {...card} />}
    </StaticInner>
  );
}

function CardContent({ f, asOf, actionData, notice, submitting, stale = false }: CardProps) {
  const severity = f.severity as Severity | null;
  return (
    <>
      <p style={{ margin: 0 }}>
        {/* Plain anchors in the list: 150 Remix Links were a sixth of the page's server render. */}
        {severity ? <SeverityBadge severity={severity} /> : null} <a href={`/rules#${f.rule}`}>{f.rule}</a> ·{" "}
        <a href={`/centers/${encodeURIComponent(f.centerCode)}`}>{f.centerCode}</a> · FY{f.fiscalYear}
        {f.awardNumber ? (
          <>
            {" "}
            · award <a href={`/awards/${encodeURIComponent(f.awardNumber)}`}>{f.awardNumber}</a>
          </>
        ) : null}
        {f.capabilityId ? <> · capability {f.capabilityId}</> : null}
        {"amountCents" in f && f.amountCents !== null ? <> · {formatMoney(f.amountCents)}</> : null}
        {stale ? <strong> · no longer applies</strong> : null}
      </p>
      {"message" in f ? <p>{f.message}</p> : null}
      <ResponseSummary response={"message" in f ? f.response : f} />
      {/* Only the card just saved draws the confirmation (and its hooks): a page holds 50 cards. */}
      {notice ? <Notice>{notice}</Notice> : null}
      <div className="grid-2">
        {f.canRespond ? <RespondForm f={f} asOf={asOf} actionData={actionData} submitting={submitting} /> : null}
        {f.canAudit ? <DispositionForm f={f} asOf={asOf} actionData={actionData} submitting={submitting} /> : null}
      </div>
    </>
  );
}

type Info = { response: string; disposition: string; auditorNote: string; updatedBy: string | null; updatedAt: string; version: number } | null;

function currentInfo(f: Row): Info {
  return "message" in f ? f.response : f;
}

function ResponseSummary({ response }: { response: Info }) {
  if (!response) return <p className="muted">No response or disposition yet.</p>;
  return (
    <dl>
      <dt>Corrective action</dt>
      <dd>{response.response || <span className="muted">None recorded.</span>}</dd>
      <dt>Disposition</dt>
      <dd>
        <strong>{DISPOSITION_LABELS[response.disposition as keyof typeof DISPOSITION_LABELS] ?? response.disposition}</strong>
        {response.auditorNote ? ` — ${response.auditorNote}` : ""}
      </dd>
      <dd className="muted">
        Last changed by {response.updatedBy ?? "unknown"} on {response.updatedAt.slice(0, 10)}
      </dd>
    </dl>
  );
}

function Hidden({ intent, f, asOf, formId }: { intent: string; f: Row; asOf: string; formId: string }) {
  // Plain controlled inputs: after a conflict the page reloads with the new version, which must win over the submitted one.
  return (
    <>
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="formId" value={formId} />
      <input type="hidden" name="key" value={f.key} />
      <input type="hidden" name="version" value={currentInfo(f)?.version ?? 0} />
      <input type="hidden" name="asOf" value={asOf} />
    </>
  );
}

// Computed once: the same constraint for every card (Conform's field attributes and the plain forms').
const RESPOND_CONSTRAINT = getZodConstraint(respondSchema);
const DISPOSITION_CONSTRAINT = getZodConstraint(dispositionSchema);

type FieldConstraint = (typeof RESPOND_CONSTRAINT)[string];

/** The HTML validation attributes Conform puts on a field, for the plain forms (browsers without JavaScript check them too). */
function constraintProps(c: FieldConstraint | undefined) {
  return { required: c?.required || undefined, minLength: c?.minLength, maxLength: c?.maxLength };
}

/**
 * The server draws a page of 50 findings with up to 100 forms. Conform's form state and Remix's
 * <Form> cost about half of that render, and only matter for the form just submitted (its errors
 * and what the user typed) and, in the browser, for validation as the user types and submitting
 * without a page load. So the server and the hydrating browser draw plain HTML forms — same names,
 * ids, values and validation attributes, posting to this same URL as Remix's would — and the
 * browser swaps in Conform's Remix forms right after hydration.
 */
function useLiveForm(formId: string, actionData?: ActionResult): boolean {
  const hydrated = useHydrated();
  return hydrated || actionData?.formId === formId;
}

function RespondForm({ f, asOf, actionData, submitting }: { f: Row; asOf: string; actionData?: ActionResult; submitting: boolean }) {
  const formId = `respond-${f.anchor}`;
  const live = useLiveForm(formId, actionData);
  const submit = (
    <button type="submit" disabled={submitting}>
      Save response
    </button>
  );
  const label = "Corrective action (center)";
  const response = currentInfo(f)?.response ?? "";
  if (!live) {
    return (
      <form method="post" id={formId}>
        <Hidden intent="respond" f={f} asOf={asOf} formId={formId} />
        <div className="field">
          <label htmlFor={`${formId}-response`}>{label}</label>
          <textarea id={`${formId}-response`} name="response" defaultValue={response} rows={3} {...constraintProps(RESPOND_CONSTRAINT.response)} />
          <span className="field-error" id={`${formId}-response-error`} />
        </div>
        {submit}
      </form>
    );
  }
  return <LiveRespondForm f={f} asOf={asOf} actionData={actionData} formId={formId} label={label} response={response} submit={submit} />;
}

function LiveRespondForm({
  f,
  asOf,
  actionData,
  formId,
  label,
  response,
  submit,
}: {
  f: Row;
  asOf: string;
  actionData?: ActionResult;
  formId: string;
  label: string;
  response: string;
  submit: React.ReactNode;
}) {
  const [form, fields] = useForm({
    id: formId,
    lastResult: actionData?.formId === formId ? actionData.result : undefined,
    constraint: RESPOND_CONSTRAINT,
    defaultValue: { response },
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: respondSchema }),
  });
  return (
    <Form method="post" {...getFormProps(form)} preventScrollReset>
      <Hidden intent="respond" f={f} asOf={asOf} formId={formId} />
      {form.errors ? (
        <p className="error" role="alert" id={form.errorId}>
          {form.errors.join(" ")}
        </p>
      ) : null}
      <div className="field">
        <label htmlFor={fields.response.id}>{label}</label>
        <textarea {...getTextareaProps(fields.response)} rows={3} />
        <span className="field-error" id={fields.response.errorId}>
          {fields.response.errors?.join(" ")}
        </span>
      </div>
      {submit}
    </Form>
  );
}

function DispositionForm({ f, asOf, actionData, submitting }: { f: Row; asOf: string; actionData?: ActionResult; submitting: boolean }) {
  const formId = `disposition-${f.anchor}`;
  const live = useLiveForm(formId, actionData);
  const info = currentInfo(f);
  const values = { disposition: info?.disposition ?? "open", note: info?.auditorNote ?? "" };
  const submit = (
    <button type="submit" disabled={submitting}>
      Save disposition
    </button>
  );
  const options = DISPOSITIONS.map((d) => (
    <option key={d} value={d}>
      {DISPOSITION_LABELS[d]}
    </option>
  ));
  if (!live) {
    return (
      <form method="post" id={formId}>
        <Hidden intent="disposition" f={f} asOf={asOf} formId={formId} />
        <div className="field">
          <label htmlFor={`${formId}-disposition`}>Disposition (auditor)</label>
          <select id={`${formId}-disposition`} name="disposition" defaultValue={values.disposition} {...constraintProps(DISPOSITION_CONSTRAINT.disposition)}>
            {options}
          </select>
          <span className="field-error" id={`${formId}-disposition-error`} />
        </div>
        <div className="field">
          <label htmlFor={`${formId}-note`}>Auditor's note</label>
          <textarea id={`${formId}-note`} name="note" defaultValue={values.note} rows={2} {...constraintProps(DISPOSITION_CONSTRAINT.note)} />
          <span className="field-error" id={`${formId}-note-error`} />
        </div>
        {submit}
      </form>
    );
  }
  return <LiveDispositionForm f={f} asOf={asOf} actionData={actionData} formId={formId} values={values} options={options} submit={submit} />;
}

function LiveDispositionForm({
  f,
  asOf,
  actionData,
  formId,
  values,
  options,
  submit,
}: {
  f: Row;
  asOf: string;
  actionData?: ActionResult;
  formId: string;
  values: { disposition: string; note: string };
  options: React.ReactNode;
  submit: React.ReactNode;
}) {
  const [form, fields] = useForm({
    id: formId,
    lastResult: actionData?.formId === formId ? actionData.result : undefined,
    constraint: DISPOSITION_CONSTRAINT,
    defaultValue: values,
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: dispositionSchema }),
  });
  return (
    <Form method="post" {...getFormProps(form)} preventScrollReset>
      <Hidden intent="disposition" f={f} asOf={asOf} formId={formId} />
      {form.errors ? (
        <p className="error" role="alert" id={form.errorId}>
          {form.errors.join(" ")}
        </p>
      ) : null}
      <div className="field">
        <label htmlFor={fields.disposition.id}>Disposition (auditor)</label>
        <select {...getSelectProps(fields.disposition)}>{options}</select>
        <span className="field-error" id={fields.disposition.errorId}>
          {fields.disposition.errors?.join(" ")}
        </span>
      </div>
      <div className="field">
        <label htmlFor={fields.note.id}>Auditor's note</label>
        <textarea {...getTextareaProps(fields.note)} rows={2} />
        <span className="field-error" id={fields.note.errorId}>
          {fields.note.errors?.join(" ")}
        </span>
      </div>
      {submit}
    </Form>
  );
}
