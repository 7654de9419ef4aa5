import { getFormProps, getInputProps, getSelectProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireAward } from "~/auth/award.server";
import { Errors, FormErrors, Notice, OnceField, props, useDone, useReply, useResetAfterSave } from "~/components/forms";
import { conflictReply, createOnce, formReply, refusedReply } from "~/http/forms.server";
import { assertAllowed, notFound, requireUser } from "~/auth/guard.server";
import { allows } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { requiredMatchCents } from "~/domain/match";
import { centsToDecimal, formatMoney } from "~/domain/money";
import { todayIso } from "~/domain/dates";
import { awardCenter } from "~/models/award-context.server";
import { newFormToken } from "~/models/form-tokens.server";
import { auditChangesSince } from "~/models/awards.server";
import { addContribution, listContributions, matchTotals, setRequiredMatch, voidContribution } from "~/models/match.server";
import { MatchAddSchema, MatchRequiredSchema, MatchVoidSchema } from "~/schemas/lifecycle";
import { ScrollTable } from "~/components/ScrollTable";
import { FigureTile } from "~/components/FigureTile";

/**
 * Cost share of one award (COPS 25%, docs/domain.md §3.4): required, provided, shortfall, and
 * the contributions. The center's director or an admin adds and voids contributions; only an admin
 * changes the required figure (a waiver or a negotiated share).
 */
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Match — ${data?.award.award_number ?? "Award"} — Baseline` }];

const ADD = "add-match";
const VOID = "void-match";
const REQUIRED = "required-match";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const award = await requireAward(user, params.number, "read");
  const lines = await listContributions(getDb(), award.id);
  const live = award.voided_at === null;
  const voidId = Number(new URL(request.url).searchParams.get("void"));
  return {
    award,
    lines,
    totals: matchTotals(award.match_required_cents, lines),
    defaultRequiredCents: requiredMatchCents(award.amount_cents, award.match_pct),
    canEdit: live && allows(user, { can: "edit", center: awardCenter(award) }),
    canSetRequired: live && allows(user, { can: "admin" }),
    voiding: lines.find((l) => l.id === voidId && l.voided_at === null) ?? null,
    today: todayIso(),
    once: newFormToken(),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const db = getDb();
  const formData = await request.formData();
  const intent = formData.get("intent");
  // The required figure is an administrator's; contributions are the center's.
  const award = await requireAward(user, params.number, intent === "required" ? "read" : "edit");
  if (intent === "required") assertAllowed(user, { can: "admin" });
  const back = `/awards/${encodeURIComponent(award.award_number)}/match`;

  if (award.voided_at !== null) {
    const s = parseWithZod(formData, { schema: MatchAddSchema });
    return refusedReply(s, ADD, "This award is voided; its match cannot change.");
  }

  if (intent === "void") {
    const s = parseWithZod(formData, { schema: MatchVoidSchema });
    if (s.status !== "success") return formReply(VOID, s.reply());
    const r = await voidContribution(db, user.id, award.id, s.value);
    if (r.ok) return redirect(`${back}?done=void`, { status: 303 });
    if (r.reason === "missing") throw notFound("No such contribution on this award");
    if (r.reason === "already-voided") return refusedReply(s, VOID, "This contribution was already voided.", undefined, 409);
    const changes = await auditChangesSince(db, "match_contribution", r.current.id, s.value.version);
    return conflictReply(s, VOID, { what: "this contribution", version: r.current.version, changes });
  }

  if (intent === "required") {
    const s = parseWithZod(formData, { schema: MatchRequiredSchema });
    if (s.status !== "success") return formReply(REQUIRED, s.reply());
    const r = await setRequiredMatch(db, user.id, award.id, { version: s.value.version, requiredCents: s.value.required });
    if (r.ok) return redirect(`${back}?done=required`, { status: 303 });
    if (r.reason === "missing") throw notFound(`No award numbered ${params.number}`);
    const changes = await auditChangesSince(db, "award", award.id, s.value.version);
    return conflictReply(s, REQUIRED, { what: "this award", version: r.current.version, changes });
  }

  const s = parseWithZod(formData, { schema: MatchAddSchema });
  if (s.status !== "success") return formReply(ADD, s.reply());
  const v = s.value;
  return createOnce(
    request,
    formData,
    s,
    ADD,
    (trx) => addContribution(trx, user.id, award.id, { date: v.date, kind: v.kind, amountCents: v.amount, description: v.description }),
    () => `${back}?done=add`,
    () => formReply(ADD, s.reply()),
  );
}

const DONE: Record<string, string> = {
  add: "The contribution was added.",
  void: "The contribution was voided; it stays listed, struck through, and no longer counts.",
  required: "The required match was changed.",
};

const KIND_LABEL = { cash: "Cash", in_kind: "In-kind" } as const;

export default function Match() {
  const data = useLoaderData<typeof loader>();
  const { award, lines, totals } = data;
  const done = useDone(DONE);
  const addReply = useReply(ADD);
  const voidReply = useReply(VOID);
  const reqReply = useReply(REQUIRED);
  const awardHref = `/awards/${encodeURIComponent(award.award_number)}`;

  const [addForm, add] = useForm({
    id: ADD,
    lastResult: addReply?.result,
    defaultValue: { date: data.today, kind: "cash" },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: MatchAddSchema }),
    shouldValidate: "onBlur",
  });
  useResetAfterSave(addForm);
  const [voidForm, voidFields] = useForm({
    id: VOID,
    lastResult: voidReply?.result,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: MatchVoidSchema }),
    shouldValidate: "onBlur",
  });
  const [reqForm, req] = useForm({
    id: REQUIRED,
    lastResult: reqReply?.result,
    defaultValue: { required: centsToDecimal(award.match_required_cents) },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: MatchRequiredSchema }),
    shouldValidate: "onBlur",
  });

  return (
    <>
      <p className="muted">
        <Link to="/awards">Grants</Link> › <Link to={awardHref}>{award.award_number}</Link> › Match
      </p>
      <h1>Cost share (match) of {award.award_number}</h1>
      <p>
        {award.program_code} · {award.center_code} · award {formatMoney(award.amount_cents)}
        {award.match_pct !== null ? ` · program match ${award.match_pct}% of the award (${formatMoney(data.defaultRequiredCents)})` : " · the program requires no match"}
      </p>
      <Notice>{done}</Notice>

      <div className="tiles">
        <FigureTile value={formatMoney(totals.requiredCents)} label="Required" />
        <FigureTile value={formatMoney(totals.providedCents)} label={`Provided (${formatMoney(totals.cashCents)} cash, ${formatMoney(totals.inKindCents)} in-kind)`} />
        <FigureTile
          value={formatMoney(totals.shortfallCents)}
          label={<>Shortfall {totals.shortfallCents > 0 ? <span className="badge amber">short</span> : <span className="badge green">met</span>}</>}
        />
      </div>

      <section aria-labelledby="lines-heading">
        <h2 id="lines-heading">Contributions</h2>
        {lines.length === 0 ? (
          <p className="empty">No match recorded yet.</p>
        ) : (
          <ScrollTable>
            <thead>
              <tr>
                <th>Date</th>
                <th>Kind</th>
                <th>Description</th>
                <th className="num">Amount</th>
                <th>
                  <span className="muted">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l) => (
                <tr key={l.id} className={l.voided_at ? "voided" : undefined}>
                  <td>{l.date}</td>
                  <td>{KIND_LABEL[l.kind]}</td>
                  <td>
                    {l.description}
                    {l.voided_at ? <span className="muted"> — voided: {l.void_reason}</span> : null}
                  </td>
                  <td className="num">{formatMoney(l.amount_cents)}</td>
                  <td>{data.canEdit && !l.voided_at ? <Link to={`?void=${l.id}`}>Void</Link> : null}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th colSpan={3}>Provided (voided lines left out)</th>
                <td className="num">{formatMoney(totals.providedCents)}</td>
                <td />
              </tr>
            </tfoot>
          </ScrollTable>
        )}
      </section>

      {data.canEdit && data.voiding ? (
        <section className="panel" aria-labelledby="void-heading">
          <h2 id="void-heading">
            Void the {KIND_LABEL[data.voiding.kind].toLowerCase()} contribution of {formatMoney(data.voiding.amount_cents)} dated {data.voiding.date}
          </h2>
          <Form method="post" {...getFormProps(voidForm)}>
            <input type="hidden" name="intent" value="void" />
            <input type="hidden" name="id" value={data.voiding.id} />
            <input type="hidden" name="version" value={voidReply?.currentVersion ?? data.voiding.version} />
            <FormErrors errors={voidForm.errors} errorId={voidForm.errorId} />
            <div className="field">
              <label htmlFor={voidFields.reason.id}>Reason</label>
              <input {...props(getInputProps(voidFields.reason, { type: "text" }))} maxLength={200} />
              <Errors field={voidFields.reason} />
            </div>
            <div className="actions">
              <button type="submit">Void contribution</button>
              <Link to="?">Cancel</Link>
            </div>
          </Form>
        </section>
      ) : null}

      {data.canEdit ? (
        <section className="panel" aria-labelledby="add-heading">
          <h2 id="add-heading">Add a contribution</h2>
          <Form method="post" {...getFormProps(addForm)}>
            <input type="hidden" name="intent" value="add" />
            <OnceField token={data.once} formId={ADD} />
            <FormErrors errors={addForm.errors} errorId={addForm.errorId} />
            <div className="grid-2">
              <div className="field">
                <label htmlFor={add.date.id}>Date</label>
                <input {...props(getInputProps(add.date, { type: "date" }))} />
                <Errors field={add.date} />
              </div>
              <div className="field">
                <label htmlFor={add.kind.id}>Kind</label>
                <select {...props(getSelectProps(add.kind))}>
                  <option value="cash">Cash</option>
                  <option value="in_kind">In-kind (staff time, equipment, space)</option>
                </select>
                <Errors field={add.kind} />
              </div>
              <div className="field">
                <label htmlFor={add.amount.id}>Amount (dollars)</label>
                <input {...props(getInputProps(add.amount, { type: "text" }))} inputMode="decimal" />
                <Errors field={add.amount} />
              </div>
              <div className="field">
                <label htmlFor={add.description.id}>Description</label>
                <input {...props(getInputProps(add.description, { type: "text" }))} maxLength={200} />
                <Errors field={add.description} />
              </div>
            </div>
            <button type="submit">Add contribution</button>
          </Form>
        </section>
      ) : null}

      {data.canSetRequired ? (
        <section className="panel" aria-labelledby="required-heading">
          <h2 id="required-heading">Required match (administrator)</h2>
          <p className="muted">
            Set by default to the program's percent of the award, and again when an amendment changes the amount (unless a different figure was set
            here). Change it for a waiver or a negotiated share.
          </p>
          <Form method="post" {...getFormProps(reqForm)}>
            <input type="hidden" name="intent" value="required" />
            <input type="hidden" name="version" value={reqReply?.currentVersion ?? award.version} />
            <FormErrors errors={reqForm.errors} errorId={reqForm.errorId} />
            <div className="field">
              <label htmlFor={req.required.id}>Required match (dollars)</label>
              <input {...props(getInputProps(req.required, { type: "text" }))} inputMode="decimal" />
              <Errors field={req.required} />
            </div>
            <button type="submit">Save required match</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
