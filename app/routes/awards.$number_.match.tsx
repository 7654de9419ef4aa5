import { getFormProps, getInputProps, getSelectProps, useForm, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { assertAllowed, notFound, requireUser } from "~/auth/guard.server";
import { allows } from "~/auth/permissions";
import { getDb } from "~/db.server";
import { requiredMatchCents } from "~/domain/match";
import { centsToDecimal, formatMoney } from "~/domain/money";
import { todayIso } from "~/domain/dates";
import { awardCenter, getAwardContext } from "~/models/award-context.server";
import { auditChangesSince } from "~/models/awards.server";
import { addContribution, listContributions, matchTotals, setRequiredMatch, voidContribution } from "~/models/match.server";
import { MatchAddSchema, MatchRequiredSchema, MatchVoidSchema } from "~/schemas/lifecycle";
import { ScrollTable } from "~/components/ScrollTable";

/**
 * Cost share of one award (issue #11; COPS 25%, domain.md §3.4): required, provided, shortfall, and
 * the contributions. The center's director or an admin adds and voids contributions; only an admin
 * changes the required figure (a waiver or a negotiated share).
 */
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Match — ${data?.award.award_number ?? "Award"} — Baseline` }];

type Intent = "add" | "void" | "required";
type Reply = { intent: Intent; result: SubmissionResult<string[]>; currentVersion: number | null };

async function loadAward(number: string | undefined) {
  const award = await getAwardContext(getDb(), number ?? "");
  if (!award) throw notFound(`No award numbered ${number}`);
  return award;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const award = await loadAward(params.number);
  assertAllowed(user, { can: "read", center: awardCenter(award) });
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
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const db = getDb();
  const award = await loadAward(params.number);
  const formData = await request.formData();
  const intent = formData.get("intent");
  assertAllowed(user, intent === "required" ? { can: "admin" } : { can: "edit", center: awardCenter(award) });
  const back = `/awards/${encodeURIComponent(award.award_number)}/match`;
  const reply = (status: number, body: Reply) => json(body, { status });

  if (award.voided_at !== null) {
    const s = parseWithZod(formData, { schema: MatchAddSchema });
    return reply(400, { intent: "add", result: s.reply({ formErrors: ["This award is voided; its match cannot change."] }), currentVersion: null });
  }

  if (intent === "void") {
    const s = parseWithZod(formData, { schema: MatchVoidSchema });
    if (s.status !== "success") return reply(400, { intent: "void", result: s.reply(), currentVersion: null });
    const r = await voidContribution(db, user.id, award.id, s.value);
    if (r.ok) return redirect(`${back}?done=void`, { status: 303 });
    if (r.reason === "missing") throw notFound("No such contribution on this award");
    if (r.reason === "already-voided") return reply(409, { intent: "void", result: s.reply({ formErrors: ["This contribution was already voided."] }), currentVersion: null });
    return reply(409, {
      intent: "void",
      result: s.reply({ formErrors: ["Someone else changed this contribution while you were looking at it. Check it, then void it again."] }),
      currentVersion: r.current.version,
    });
  }

  if (intent === "required") {
    const s = parseWithZod(formData, { schema: MatchRequiredSchema });
    if (s.status !== "success") return reply(400, { intent: "required", result: s.reply(), currentVersion: null });
    const r = await setRequiredMatch(db, user.id, award.id, { version: s.value.version, requiredCents: s.value.required });
    if (r.ok) return redirect(`${back}?done=required`, { status: 303 });
    if (r.reason === "missing") throw notFound(`No award numbered ${params.number}`);
    const changes = await auditChangesSince(db, "award", award.id, s.value.version);
    return reply(409, {
      intent: "required",
      result: s.reply({ formErrors: [`Someone else changed this award while you were editing${changes.length ? `: ${changes.join("; ")}` : ""}. Save again to apply your figure.`] }),
      currentVersion: r.current.version,
    });
  }

  const s = parseWithZod(formData, { schema: MatchAddSchema });
  if (s.status !== "success") return reply(400, { intent: "add", result: s.reply(), currentVersion: null });
  await addContribution(db, user.id, award.id, { date: s.value.date, kind: s.value.kind, amountCents: s.value.amount, description: s.value.description });
  return redirect(`${back}?done=add`, { status: 303 });
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
  const reply = useActionData<typeof action>() as Reply | undefined;
  const [params] = useSearchParams();
  const done = DONE[params.get("done") ?? ""];
  const awardHref = `/awards/${encodeURIComponent(award.award_number)}`;

  const [addForm, add] = useForm({
    id: "add-match",
    lastResult: reply?.intent === "add" ? reply.result : undefined,
    defaultValue: { date: data.today, kind: "cash" },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: MatchAddSchema }),
    shouldValidate: "onBlur",
  });
  const [voidForm, voidFields] = useForm({
    id: "void-match",
    lastResult: reply?.intent === "void" ? reply.result : undefined,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: MatchVoidSchema }),
    shouldValidate: "onBlur",
  });
  const [reqForm, req] = useForm({
    id: "required-match",
    lastResult: reply?.intent === "required" ? reply.result : undefined,
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
      {done ? <p className="notice">{done}</p> : null}

      <div className="tiles">
        <div className="tile">
          <div className="value">{formatMoney(totals.requiredCents)}</div>
          <div className="label">Required</div>
        </div>
        <div className="tile">
          <div className="value">{formatMoney(totals.providedCents)}</div>
          <div className="label">
            Provided ({formatMoney(totals.cashCents)} cash, {formatMoney(totals.inKindCents)} in-kind)
          </div>
        </div>
        <div className="tile">
          <div className="value">{formatMoney(totals.shortfallCents)}</div>
          <div className="label">
            Shortfall {totals.shortfallCents > 0 ? <span className="badge amber">short</span> : <span className="badge green">met</span>}
          </div>
        </div>
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
            <input type="hidden" name="version" value={reply?.intent === "void" && reply.currentVersion ? reply.currentVersion : data.voiding.version} />
            {voidForm.errors ? <p className="notice error">{voidForm.errors.join(" ")}</p> : null}
            <div className="field">
              <label htmlFor={voidFields.reason.id}>Reason</label>
              <input {...getInputProps(voidFields.reason, { type: "text" })} maxLength={200} />
              <div className="field-error" id={voidFields.reason.errorId}>
                {voidFields.reason.errors}
              </div>
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
            {addForm.errors ? <p className="notice error">{addForm.errors.join(" ")}</p> : null}
            <div className="grid-2">
              <div className="field">
                <label htmlFor={add.date.id}>Date</label>
                <input {...getInputProps(add.date, { type: "date" })} />
                <div className="field-error" id={add.date.errorId}>
                  {add.date.errors}
                </div>
              </div>
              <div className="field">
                <label htmlFor={add.kind.id}>Kind</label>
                <select {...getSelectProps(add.kind)}>
                  <option value="cash">Cash</option>
                  <option value="in_kind">In-kind (staff time, equipment, space)</option>
                </select>
                <div className="field-error" id={add.kind.errorId}>
                  {add.kind.errors}
                </div>
              </div>
              <div className="field">
                <label htmlFor={add.amount.id}>Amount (dollars)</label>
                <input {...getInputProps(add.amount, { type: "text" })} inputMode="decimal" />
                <div className="field-error" id={add.amount.errorId}>
                  {add.amount.errors}
                </div>
              </div>
              <div className="field">
                <label htmlFor={add.description.id}>Description</label>
                <input {...getInputProps(add.description, { type: "text" })} maxLength={200} />
                <div className="field-error" id={add.description.errorId}>
                  {add.description.errors}
                </div>
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
            <input type="hidden" name="version" value={reply?.intent === "required" && reply.currentVersion ? reply.currentVersion : award.version} />
            {reqForm.errors ? <p className="notice error">{reqForm.errors.join(" ")}</p> : null}
            <div className="field">
              <label htmlFor={req.required.id}>Required match (dollars)</label>
              <input {...getInputProps(req.required, { type: "text" })} inputMode="decimal" />
              <div className="field-error" id={req.required.errorId}>
                {req.required.errors}
              </div>
            </div>
            <button type="submit">Save required match</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
