import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction, SerializeFrom } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { assertAllowed, notFound, requireUser } from "~/auth/guard.server";
import { requireCenter } from "~/auth/center.server";
import { allows, centerScope } from "~/domain/permissions";
import { Errors, FormErrors, Notice, props, useReply } from "~/components/forms";
import { conflictReply, formReply } from "~/http/forms.server";
import { getDb } from "~/db.server";
import { addDays, parseDate, todayIso } from "~/domain/dates";
import { suspensionDate, type ObligationStatus } from "~/domain/obligations";
import { listCenters } from "~/models/centers.server";
import { getObligation, listDeadlines, recordSubmission, type DeadlineRow } from "~/models/obligations.server";
import { SubmissionSchema } from "~/schemas/lifecycle";
import { ScrollTable } from "~/components/ScrollTable";
import { FilterSelect, codeNameChoices } from "~/components/FilterSelect";

export const meta: MetaFunction = () => [{ title: "Reporting deadlines — Baseline" }];

/** Upcoming reports are listed this far ahead; the first 30 days get their own section. */
const HORIZON_DAYS = 365;
const SOON_DAYS = 30;
/** Rows shown per section before asking the user to narrow to a center (the national list is long). */
const SECTION_LIMIT = 300;

function readAsOf(url: URL): { asOf: string; asOfError: string | null } {
  const raw = url.searchParams.get("as-of");
  if (!raw) return { asOf: todayIso(), asOfError: null };
  const d = parseDate(raw);
  return d.ok ? { asOf: d.date, asOfError: null } : { asOf: todayIso(), asOfError: d.error };
}

function monthLabel(ym: string): string {
  return new Date(`${ym}-01T00:00:00Z`).toLocaleDateString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = getDb();
  const url = new URL(request.url);
  const { asOf, asOfError } = readAsOf(url);
  const scope = centerScope(user);
  const centers = await listCenters(db, scope);

  // A director starts on their own center; "all" lists every center they may read.
  let code = url.searchParams.get("center");
  if (code === null && user.role === "director") code = centers.find((c) => c.id === user.centerId)?.code ?? "";
  let centerId: number | undefined;
  if (code && code !== "all") {
    centerId = (await requireCenter(user, code, "read")).id;
  }

  const base = { asOf, scope, centerId };
  const [overdue, soon, later] = await Promise.all([
    listDeadlines(db, { ...base, openOnly: true, dueTo: addDays(asOf, -1) }),
    listDeadlines(db, { ...base, dueFrom: asOf, dueTo: addDays(asOf, SOON_DAYS) }),
    listDeadlines(db, { ...base, dueFrom: addDays(asOf, SOON_DAYS + 1), dueTo: addDays(asOf, HORIZON_DAYS) }),
  ]);

  const months = new Map<string, DeadlineRow[]>();
  for (const row of later) {
    const ym = row.due.slice(0, 7);
    const list = months.get(ym);
    if (list) list.push(row);
    else months.set(ym, [row]);
  }

  const shape = (rows: DeadlineRow[]) => ({
    total: rows.length,
    rows: rows.slice(0, SECTION_LIMIT).map((r) => ({
      ...r,
      canRecord: allows(user, { can: "edit", center: { id: r.centerId, state: r.centerState } }),
      suspension: r.agency === "DOJ" && r.status === "overdue" ? suspensionDate(r.due) : null,
    })),
  });

  // The record-submission form opens for one obligation (?record=ID), so the page works without JS.
  let recording = null;
  const recordId = Number(url.searchParams.get("record"));
  if (Number.isInteger(recordId) && recordId > 0) {
    const o = await getObligation(db, recordId);
    if (!o || o.voided_at !== null) throw notFound("No such reporting obligation");
    assertAllowed(user, { can: "edit", center: { id: o.center_id, state: o.center_state } });
    recording = o;
  }

  return {
    asOf,
    asOfError,
    today: todayIso(),
    center: code && code !== "all" ? code : "all",
    centers: centers.map((c) => ({ code: c.code, name: c.name })),
    overdue: shape(overdue),
    soon: shape(soon),
    months: [...months.entries()].map(([ym, rows]) => ({ ym, label: monthLabel(ym), ...shape(rows) })),
    recording,
    recorded: url.searchParams.get("recorded"),
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const db = getDb();
  const formData = await request.formData();
  const id = Number(formData.get("obligationId"));
  const o = Number.isInteger(id) && id > 0 ? await getObligation(db, id) : undefined;
  if (!o || o.voided_at !== null) throw notFound("No such reporting obligation");
  assertAllowed(user, { can: "edit", center: { id: o.center_id, state: o.center_state } });

  const submission = parseWithZod(formData, { schema: SubmissionSchema });
  const formId = `record-${id}`;
  if (submission.status !== "success") return formReply(formId, submission.reply());
  const r = await recordSubmission(db, user.id, submission.value);
  if (!r.ok && r.reason === "missing") throw notFound("No such reporting obligation");
  if (!r.ok) {
    const c = r.current;
    const changes = [c.submitted_on ? `recorded as submitted on ${c.submitted_on} (reference ${c.reference || "—"})` : "changed"];
    return conflictReply(submission, formId, { what: "this report's submission", version: c.version, changes });
  }
  const back = new URL(request.url).searchParams;
  back.delete("record");
  back.set("recorded", String(id));
  return redirect(`/deadlines?${back.toString()}`, { status: 303 });
}

const BADGE: Record<ObligationStatus, string> = { overdue: "red", upcoming: "amber", submitted: "green" };

type LoaderData = SerializeFrom<typeof loader>;
type Row = LoaderData["overdue"]["rows"][number];

function DeadlineTable({ rows, caption, recordHref }: { rows: Row[]; caption: string; recordHref: (id: number) => string }) {
  return (
    <ScrollTable>
      <caption className="muted">{caption}</caption>
      <thead>
        <tr>
          <th>Due</th>
          <th>Report</th>
          <th>Period</th>
          <th>Center</th>
          <th>Award</th>
          <th>Status</th>
          <th>
            <span className="muted">Action</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id}>
            <td>{r.due}</td>
            <td>{r.report}</td>
            <td>
              {r.periodStart} – {r.periodEnd}
            </td>
            <td>
              <Link to={`/centers/${encodeURIComponent(r.centerCode)}`}>{r.centerCode}</Link>
            </td>
            <td>
              <Link to={`/awards/${encodeURIComponent(r.awardNumber)}`}>{r.awardNumber}</Link> <span className="muted">({r.programCode})</span>
            </td>
            <td>
              <span className={`badge ${BADGE[r.status]}`}>{r.status}</span>
              {r.submittedOn ? (
                <span className="muted">
                  {" "}
                  {r.submittedOn} · {r.reference}
                  {r.submittedBy ? ` · ${r.submittedBy}` : ""}
                </span>
              ) : null}
              {r.suspension ? <div className="field-error">DOJ funds suspended from {r.suspension} until it is filed</div> : null}
            </td>
            <td>
              {r.canRecord ? (
                <Link to={recordHref(r.id)} preventScrollReset>
                  {r.submittedOn ? "Correct" : "Record submission"}
                </Link>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}

function More({ shown, total }: { shown: number; total: number }) {
  if (total <= shown) return null;
  return (
    <p className="notice">
      Showing {shown} of {total}. Choose a center above to see all of its reports.
    </p>
  );
}

function RecordForm({ o, today }: { o: NonNullable<LoaderData["recording"]>; today: string }) {
  const actionData = useReply(`record-${o.id}`);
  const [form, fields] = useForm({
    id: `record-${o.id}`,
    lastResult: actionData?.result,
    defaultValue: { submittedOn: o.submitted_on ?? today, reference: o.reference },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SubmissionSchema }),
    shouldValidate: "onBlur",
  });
  return (
    <section className="panel" aria-labelledby="record-heading">
      <h2 id="record-heading">
        Record submission: {o.report} for {o.period_start} – {o.period_end} ({o.award_number}, due {o.due})
      </h2>
      <Form method="post" {...getFormProps(form)}>
        <input type="hidden" name="obligationId" value={o.id} />
        <input type="hidden" name="version" value={actionData?.currentVersion ?? o.version} />
        <FormErrors errors={form.errors} errorId={form.errorId} />
        <div className="field">
          <label htmlFor={fields.submittedOn.id}>Date submitted</label>
          <input {...props(getInputProps(fields.submittedOn, { type: "date" }))} max={today} />
          <Errors field={fields.submittedOn} />
        </div>
        <div className="field">
          <label htmlFor={fields.reference.id}>Reference (confirmation number)</label>
          <input {...props(getInputProps(fields.reference, { type: "text" }))} maxLength={100} />
          <Errors field={fields.reference} />
        </div>
        <div className="actions">
          <button type="submit">Save submission</button>
          <Link to="?">Cancel</Link>
        </div>
      </Form>
    </section>
  );
}

export default function Deadlines() {
  const data = useLoaderData<typeof loader>();
  const params = (id: number) => {
    const p = new URLSearchParams();
    if (data.center) p.set("center", data.center);
    if (data.asOf !== data.today) p.set("as-of", data.asOf);
    p.set("record", String(id));
    return `?${p.toString()}`;
  };
  const nothing = data.overdue.total === 0 && data.soon.total === 0 && data.months.length === 0;
  return (
    <>
      <h1>Reporting deadlines</h1>
      <p className="muted">
        BSIR, SF-425, PMT and final reports of live federal awards, as of {data.asOf}. A report is overdue from the day after its due date.{" "}
        <Link to="/account">Add these dates to your own calendar</Link>.
      </p>
      <Form method="get" className="filters">
        <FilterSelect label="Center" name="center" value={data.center} choices={[{ value: "all", label: "All centers I can see" }, ...codeNameChoices(data.centers)]} />
        <label>
          As of
          <input type="date" name="as-of" defaultValue={data.asOf} />
        </label>
        <button type="submit" className="secondary">
          Show
        </button>
      </Form>
      {data.asOfError ? <p className="notice error">{data.asOfError}; showing today instead.</p> : null}
      <Notice>{data.recorded ? "Submission recorded." : null}</Notice>
      {data.recording ? <RecordForm key={data.recording.id} o={data.recording} today={data.today} /> : null}

      {nothing ? <p className="empty">No reports are due in the next twelve months, and none is overdue.</p> : null}

      <section aria-labelledby="overdue-heading">
        <h2 id="overdue-heading">
          Overdue <span className={`badge ${data.overdue.total > 0 ? "red" : "green"}`}>{data.overdue.total}</span>
        </h2>
        {data.overdue.total === 0 ? (
          <p className="muted">Nothing overdue.</p>
        ) : (
          <>
            <DeadlineTable rows={data.overdue.rows} caption="Past due and not submitted, oldest first" recordHref={params} />
            <More shown={data.overdue.rows.length} total={data.overdue.total} />
          </>
        )}
      </section>

      <section aria-labelledby="soon-heading">
        <h2 id="soon-heading">Next 30 days</h2>
        {data.soon.total === 0 ? (
          <p className="muted">No report is due in the next 30 days.</p>
        ) : (
          <>
            <DeadlineTable rows={data.soon.rows} caption={`Due ${data.asOf} to 30 days later`} recordHref={params} />
            <More shown={data.soon.rows.length} total={data.soon.total} />
          </>
        )}
      </section>

      {data.months.map((m) => (
        <section key={m.ym} aria-labelledby={`month-${m.ym}`}>
          <h2 id={`month-${m.ym}`}>{m.label}</h2>
          <DeadlineTable rows={m.rows} caption={`${m.total} report${m.total === 1 ? "" : "s"} due`} recordHref={params} />
          <More shown={m.rows.length} total={m.total} />
        </section>
      ))}
    </>
  );
}
