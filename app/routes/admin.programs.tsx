import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { Errors, FormErrors, Notice, props, useReply } from "~/components/forms";
import { conflictReply, formReply, refusedReply } from "~/http/forms.server";
import { getDb } from "~/db.server";
import { SOURCE_LABELS } from "~/domain/grants";
import { auditChangesSince } from "~/models/awards.server";
import { listPrograms, updateProgram } from "~/models/programs.server";
import { programSchema, REPORT_KINDS } from "~/schemas/grants";

export const meta: MetaFunction = () => [{ title: "Grant programs — Baseline" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { can: "admin" });
  const url = new URL(request.url);
  return { programs: await listPrograms(getDb()), saved: url.searchParams.get("saved") };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { can: "admin" });
  const formData = await request.formData();
  const formId = `program-${String(formData.get("code") ?? "")}`;
  const submission = parseWithZod(formData, { schema: programSchema });
  if (submission.status !== "success") return formReply(formId, submission.reply());
  const v = submission.value;
  const db = getDb();
  const result = await updateProgram(db, user.id, v.code, v.version, {
    name: v.name,
    pop_months: v.popMonths,
    ma_cap_pct: v.maCapPct,
    personnel_cap_pct: v.personnelCapPct,
    match_pct: v.matchPct,
    reports: v.reports,
  });
  if (result.ok) return redirect(`/admin/programs?saved=${encodeURIComponent(v.code)}`, { status: 303 });
  if (result.reason === "missing") return refusedReply(submission, formId, `No program ${v.code}`, undefined, 404);
  const changes = await auditChangesSince(db, "program", v.code, v.version);
  return conflictReply(submission, formId, { what: v.code, version: result.current.version, changes });
}

type Program = ReturnType<typeof useLoaderData<typeof loader>>["programs"][number];

const optional = (n: number | null) => (n === null ? "" : String(n));

function ProgramForm({ program }: { program: Program }) {
  const formId = `program-${program.code}`;
  const reply = useReply(formId);
  const [form, fields] = useForm({
    id: formId,
    lastResult: reply?.result,
    defaultValue: {
      name: program.name,
      popMonths: optional(program.pop_months),
      maCapPct: optional(program.ma_cap_pct),
      personnelCapPct: optional(program.personnel_cap_pct),
      matchPct: optional(program.match_pct),
      reports: program.reports,
    },
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: programSchema }),
  });
  return (
    <Form method="post" {...getFormProps(form)} className="panel" aria-labelledby={`${formId}-title`}>
      <h2 id={`${formId}-title`}>
        {program.code} <span className="muted">({SOURCE_LABELS[program.agency]}, {program.federal ? "federal" : "non-federal"})</span>
      </h2>
      <FormErrors errors={form.errors} errorId={form.errorId} />
      <input type="hidden" name="code" value={program.code} />
      <input type="hidden" name="version" value={program.version} />
      <div className="field">
        <label htmlFor={fields.name.id}>Name</label>
        <input {...props(getInputProps(fields.name, { type: "text" }))} maxLength={120} />
        <Errors field={fields.name} />
      </div>
      <div className="grid-2">
        <div className="field">
          <label htmlFor={fields.popMonths.id}>Default period of performance (months)</label>
          <input {...props(getInputProps(fields.popMonths, { type: "text" }))} inputMode="numeric" />
          <Errors field={fields.popMonths} />
        </div>
        <div className="field">
          <label htmlFor={fields.maCapPct.id}>M&amp;A cap (% of award)</label>
          <input {...props(getInputProps(fields.maCapPct, { type: "text" }))} inputMode="numeric" />
          <Errors field={fields.maCapPct} />
        </div>
        <div className="field">
          <label htmlFor={fields.personnelCapPct.id}>Personnel cap (% of award)</label>
          <input {...props(getInputProps(fields.personnelCapPct, { type: "text" }))} inputMode="numeric" />
          <Errors field={fields.personnelCapPct} />
        </div>
        <div className="field">
          <label htmlFor={fields.matchPct.id}>Required match (% of award)</label>
          <input {...props(getInputProps(fields.matchPct, { type: "text" }))} inputMode="numeric" />
          <Errors field={fields.matchPct} />
        </div>
      </div>
      <div className="field">
        <label htmlFor={fields.reports.id}>Reports required (comma-separated: {REPORT_KINDS.join(", ")})</label>
        <input {...props(getInputProps(fields.reports, { type: "text" }))} />
        <Errors field={fields.reports} />
      </div>
      <button type="submit">Save {program.code}</button>
    </Form>
  );
}

export default function AdminPrograms() {
  const { programs, saved } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Grant programs</h1>
      <p className="muted">
        The parameters the compliance rules and new awards use. Seeded from the reference notes (docs/domain.md §3): HSGP (SHSP, UASI) 36-month period,
        5% M&amp;A cap (unverified there) and 50% personnel cap (§3.1); JAG 48 months (§3.3, unverified); COPS 25% match and 60 months (§3.4). Change
        them when the current notice of funding says otherwise; every change is recorded in the audit trail. Leave a field empty for "no limit".
      </p>
      <Notice>{saved ? `${saved} saved.` : null}</Notice>
      {programs.map((p) => (
        <ProgramForm key={`${p.code}:${p.version}`} program={p} />
      ))}
    </>
  );
}
