import { getFormProps, getInputProps, getSelectProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { requireAward } from "~/auth/award.server";
import { Errors, FormErrors, Notice, OnceField, props, useDone, useReply, useResetAfterSave } from "~/components/forms";
import { conflictReply, createOnce, formReply, refusedReply } from "~/http/forms.server";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/guard.server";
import { allows } from "~/domain/permissions";
import { AwardLifecycle } from "~/components/AwardLifecycle";
import { HistoryPanel } from "~/components/HistoryPanel";
import { CompliancePanel } from "~/components/CompliancePanel";
import { awardCenter, lifecycleOfAward } from "~/models/award-context.server";
import { newFormToken } from "~/models/form-tokens.server";
import { findingsForAward } from "~/models/compliance.server";
import { BudgetVsSpentChart } from "~/components/FundingCharts";
import { getDb } from "~/db.server";
import { todayIso } from "~/domain/dates";
import {
  awardFigures,
  byCapabilityArea,
  byPoete,
  COST_CATEGORIES,
  COST_CATEGORY_LABELS,
  NO_CAPABILITY,
  POETE_AREAS,
  POETE_LABELS,
  SOURCE_LABELS,
  type LineFact,
} from "~/domain/grants";
import { centsToDecimal, formatMoney, formatPercent } from "~/domain/money";
import { PagerNav } from "~/components/PagerNav";
import { pageParam, pagerView, pageWindow } from "~/domain/pagination";
import {
  auditChangesSince,
  awardHistory,
  awardLines,
  awardPayment,
  awardSpendingPage,
  countAwardSpending,
  setAwardPrime,
  voidAward,
} from "~/models/awards.server";
import { addBudgetLine, addSpending, editBudgetLine, editSpending, voidBudgetLine, voidSpending, type WriteResult } from "~/models/budget.server";
import { listCapabilities, listFrameworks } from "~/models/catalog.server";
import {
  addLineSchema,
  addSpendingSchema,
  AWARD_INTENTS,
  AWARD_SCHEMAS,
  editLineSchema,
  editSpendingSchema,
  setPrimeSchema,
  voidAwardSchema,
  voidLineSchema,
  voidSpendingSchema,
  type AwardIntent,
} from "~/schemas/grants";
import { BudgetLinesHead } from "~/components/BudgetLinesHead";
import { ScrollTable } from "~/components/ScrollTable";
import { FigureTile } from "~/components/FigureTile";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.award.award_number ?? "Award"} — Baseline` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const award = await requireAward(user, params.number, "read");
  const center = awardCenter(award);
  const db = getDb();
  const url = new URL(request.url);
  const [lines, paymentCount, catalog, frameworks] = await Promise.all([
    awardLines(db, award.id),
    countAwardSpending(db, award.id),
    listCapabilities(db),
    listFrameworks(db),
  ]);
  // Payments come a page at a time, newest first (an award may have thousands); the spent figures
  // come from the lines' summary column, which triggers keep equal to their live payments.
  const paymentsWindow = pageWindow(paymentCount, pageParam(url.searchParams.get("payments")), PAYMENTS_PER_PAGE);
  const selectedSpend = url.searchParams.get("spend");
  const [spending, selectedPayment] = await Promise.all([
    awardSpendingPage(db, award.id, { offset: paymentsWindow.offset, limit: PAYMENTS_PER_PAGE }),
    selectedSpend ? awardPayment(db, award.id, selectedSpend) : undefined,
  ]);
  const lineRows = lines.map((l) => ({ ...l, spent: l.spent_cents }));
  const facts: LineFact[] = lineRows.map((l) => ({
    amountCents: l.amount_cents,
    spentCents: l.spent,
    capabilityId: l.capability_id,
    poete: l.poete,
    costCategory: l.cost_category,
    voided: l.voided_at !== null,
  }));
  const asOf = todayIso();
  const selectedLine = url.searchParams.get("line");
  const titles = new Map(catalog.map((c) => [c.id, c.title]));

  // LIFECYCLE (loader): amendments, match contributions, reporting obligations and closed periods of this
  // award are loaded here by the lifecycle feature and passed to the component's lifecycle region.
  const lifecycle = await lifecycleOfAward(db, award, asOf);

  return {
    award,
    asOf,
    figures: awardFigures({ amountCents: award.amount_cents, popStart: award.pop_start, popEnd: award.pop_end }, facts, asOf),
    byArea: byCapabilityArea(facts, catalog).map((r) => ({
      ...r,
      title: r.area === NO_CAPABILITY ? "Not tied to a capability" : titles.get(r.area) ?? r.area,
    })),
    byPoete: byPoete(facts),
    lines: lineRows,
    spending,
    payments: pagerView(paymentsWindow, (n) => `?${pageSearch(url.searchParams, n)}#spending`),
    capabilities: catalog.map((c) => ({ id: c.id, title: c.title, framework_id: c.framework_id, parent_id: c.parent_id })),
    frameworks: frameworks.map((f) => ({ id: f.id, title: f.title })),
    selectedLine: lineRows.find((l) => l.line_id === selectedLine)?.line_id ?? null,
    selectedPayment: selectedPayment ?? null,
    once: newFormToken(),
    canEdit: allows(user, { can: "edit", center }),
    // The latest changes only: each payment adds one, and the award report prints 500.
    history: await awardHistory(
      db,
      award.id,
      lines.map((l) => l.id),
      HISTORY_ON_PAGE,
    ),
    lifecycle,
    // Compliance findings on this award as of today; empty for a voided award.
    findings: (await findingsForAward(db, award.award_number, { asOf })).findings,
  };
}

// ---------------------------------------------------------------------------------------------
// Action: one intent per form; the hidden `intent` picks the schema (app/schemas/grants.ts).
// ---------------------------------------------------------------------------------------------

function formIdOf(intent: AwardIntent, form: FormData): string {
  const key = String(form.get(intent.includes("spending") && intent !== "add-spending" ? "spend" : "line") ?? "");
  return intent === "add-line" || intent === "void-award" || intent === "set-prime" ? intent : `${intent}-${key}`;
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const award = await requireAward(user, params.number, "edit");
  const formData = await request.formData();
  const intent = String(formData.get("intent") ?? "") as AwardIntent;
  if (!AWARD_INTENTS.includes(intent)) return json({ error: `Unknown action "${intent}"` }, { status: 400 });
  const formId = formIdOf(intent, formData);
  const submission = parseWithZod(formData, { schema: AWARD_SCHEMAS[intent] });
  if (submission.status !== "success") return formReply(formId, submission.reply());

  const db = getDb();
  const v = submission.value;
  const base = `/awards/${encodeURIComponent(award.award_number)}`;
  const refused = (r: WriteResult<unknown>) => (r.ok || r.kind !== "refused" ? formReply(formId, submission.reply()) : refusedReply(submission, formId, r.message, r.field));
  if (v.intent === "add-line") {
    const line = { capabilityId: v.capability, poete: v.poete, costCategory: v.category, amountCents: v.amount, description: v.description };
    return createOnce(
      request,
      formData,
      submission,
      formId,
      (trx) => addBudgetLine(trx, user.id, award.id, line),
      (r) => (r.ok ? `${base}?line=${encodeURIComponent(r.value.line_id)}&done=line-added#line-panel` : null),
      refused,
    );
  }
  if (v.intent === "add-spending") {
    const payment = { date: v.date, amountCents: v.amount, description: v.description };
    return createOnce(
      request,
      formData,
      submission,
      formId,
      (trx) => addSpending(trx, user.id, award.id, v.line, payment),
      (r) => (r.ok ? `${base}?line=${encodeURIComponent(v.line)}&done=spending-added#line-panel` : null),
      refused,
    );
  }
  let result: WriteResult<unknown>;
  let entity: string;
  let next: string;
  switch (v.intent) {
    case "edit-line":
      result = await editBudgetLine(db, user.id, award.id, v.line, v.version, {
        capabilityId: v.capability,
        poete: v.poete,
        costCategory: v.category,
        amountCents: v.amount,
        description: v.description,
      });
      entity = "budget_line";
      next = `${base}?line=${encodeURIComponent(v.line)}&done=line-saved#line-panel`;
      break;
    case "void-line":
      result = await voidBudgetLine(db, user.id, award.id, v.line, v.version, v.reason);
      entity = "budget_line";
      next = `${base}?done=line-voided`;
      break;
    case "edit-spending":
      result = await editSpending(db, user.id, award.id, v.spend, v.version, { date: v.date, amountCents: v.amount, description: v.description });
      entity = "spending";
      next = `${base}?done=spending-saved#spending`;
      break;
    case "void-spending":
      result = await voidSpending(db, user.id, award.id, v.spend, v.version, v.reason);
      entity = "spending";
      next = `${base}?done=spending-voided#spending`;
      break;
    case "void-award":
      result = await voidAward(db, user.id, award.id, v.version, v.reason);
      entity = "award";
      next = `${base}?done=award-voided`;
      break;
    case "set-prime":
      result = await setAwardPrime(db, user.id, award.id, v.version, { primeAward: v.primeAward, passThrough: v.passThrough });
      entity = "award";
      next = `${base}?done=prime-saved`;
      break;
  }
  if (result.ok) return redirect(next, { status: 303 });
  if (result.kind === "refused") return refused(result);
  const changes = await auditChangesSince(db, entity, Number(result.current.id), v.version);
  return conflictReply(submission, formId, { what: "this record", version: result.current.version, changes });
}

// ---------------------------------------------------------------------------------------------
// Component
// ---------------------------------------------------------------------------------------------

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;

const DONE: Record<string, string> = {
  created: "Award recorded.",
  "line-added": "Budget line added.",
  "line-saved": "Budget line saved.",
  "line-voided": "Budget line voided.",
  "spending-added": "Payment recorded.",
  "spending-saved": "Payment saved.",
  "spending-voided": "Payment voided.",
  "award-voided": "Award voided.",
  "prime-saved": "Prime award and pass-through entity saved.",
};

function CapabilityOptions({ capabilities, frameworks }: { capabilities: LoaderData["capabilities"]; frameworks: LoaderData["frameworks"] }) {
  return (
    <>
      <option value="">None (not tied to a baseline capability)</option>
      {frameworks.map((f) => (
        <optgroup key={f.id} label={f.title}>
          {capabilities
            .filter((c) => c.framework_id === f.id)
            .map((c) => (
              <option key={c.id} value={c.id}>
                {c.id} — {c.title.length > 70 ? `${c.title.slice(0, 70)}…` : c.title}
              </option>
            ))}
        </optgroup>
      ))}
    </>
  );
}

type Line = LoaderData["lines"][number];
type Payment = LoaderData["spending"][number];

function LineForm({ line, capabilities, frameworks }: { line?: Line; capabilities: LoaderData["capabilities"]; frameworks: LoaderData["frameworks"] }) {
  // Typed as the edit schema (a superset of the add form's fields); the add form validates with its own.
  const schema = (line ? editLineSchema : addLineSchema) as typeof editLineSchema;
  const formId = line ? `edit-line-${line.line_id}` : "add-line";
  const reply = useReply(formId);
  const [form, fields] = useForm({
    id: formId,
    lastResult: reply?.result,
    defaultValue: line
      ? {
          capability: line.capability_id ?? "",
          poete: line.poete,
          category: line.cost_category,
          amount: centsToDecimal(line.amount_cents),
          description: line.description,
        }
      : { poete: "planning", category: "personnel" },
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
  });
  useResetAfterSave(form);
  const { once } = useLoaderData<typeof loader>();
  return (
    <Form method="post" {...getFormProps(form)} preventScrollReset>
      <FormErrors errors={form.errors} errorId={form.errorId} />
      <input type="hidden" name="intent" value={line ? "edit-line" : "add-line"} />
      {line ? null : <OnceField token={once} formId={formId} />}
      {line ? (
        <>
          <input type="hidden" name="line" value={line.line_id} />
          <input type="hidden" name="version" value={line.version} />
        </>
      ) : null}
      <div className="grid-2">
        <div className="field">
          <label htmlFor={fields.capability.id}>Capability it serves</label>
          <select {...props(getSelectProps(fields.capability))}>
            <CapabilityOptions capabilities={capabilities} frameworks={frameworks} />
          </select>
          <Errors field={fields.capability} />
        </div>
        <div className="field">
          <label htmlFor={fields.amount.id}>Amount (dollars)</label>
          <input {...props(getInputProps(fields.amount, { type: "text" }))} inputMode="decimal" placeholder="1234.56" />
          <Errors field={fields.amount} />
        </div>
        <div className="field">
          <label htmlFor={fields.poete.id}>POETE solution area</label>
          <select {...props(getSelectProps(fields.poete))}>
            {POETE_AREAS.map((p) => (
              <option key={p} value={p}>
                {POETE_LABELS[p]}
              </option>
            ))}
          </select>
          <Errors field={fields.poete} />
        </div>
        <div className="field">
          <label htmlFor={fields.category.id}>Cost category</label>
          <select {...props(getSelectProps(fields.category))}>
            {COST_CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {COST_CATEGORY_LABELS[c]}
              </option>
            ))}
          </select>
          <Errors field={fields.category} />
        </div>
      </div>
      <div className="field">
        <label htmlFor={fields.description.id}>Description</label>
        <input {...props(getInputProps(fields.description, { type: "text" }))} maxLength={500} />
        <Errors field={fields.description} />
      </div>
      <button type="submit">{line ? "Save budget line" : "Add budget line"}</button>
    </Form>
  );
}

function SpendingForm({ line, payment }: { line: string; payment?: Payment }) {
  const schema = (payment ? editSpendingSchema : addSpendingSchema) as typeof editSpendingSchema;
  const formId = payment ? `edit-spending-${payment.spend_id}` : `add-spending-${line}`;
  const reply = useReply(formId);
  const [form, fields] = useForm({
    id: formId,
    lastResult: reply?.result,
    defaultValue: payment ? { date: payment.date, amount: centsToDecimal(payment.amount_cents), description: payment.description } : {},
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
  });
  useResetAfterSave(form);
  const { once } = useLoaderData<typeof loader>();
  return (
    <Form method="post" {...getFormProps(form)} preventScrollReset>
      <FormErrors errors={form.errors} errorId={form.errorId} />
      <input type="hidden" name="intent" value={payment ? "edit-spending" : "add-spending"} />
      {payment ? (
        <>
          <input type="hidden" name="spend" value={payment.spend_id} />
          <input type="hidden" name="version" value={payment.version} />
        </>
      ) : (
        <>
          <input type="hidden" name="line" value={line} />
          <OnceField token={once} formId={formId} />
        </>
      )}
      <div className="grid-2">
        <div className="field">
          <label htmlFor={fields.date.id}>Date paid</label>
          <input {...props(getInputProps(fields.date, { type: "text" }))} placeholder="YYYY-MM-DD" />
          <Errors field={fields.date} />
        </div>
        <div className="field">
          <label htmlFor={fields.amount.id}>Amount (dollars; a refund or credit as -2,500.00)</label>
          <input {...props(getInputProps(fields.amount, { type: "text" }))} inputMode="decimal" placeholder="1234.56" />
          <Errors field={fields.amount} />
        </div>
      </div>
      <div className="field">
        <label htmlFor={fields.description.id}>Payee / description</label>
        <input {...props(getInputProps(fields.description, { type: "text" }))} maxLength={500} />
        <Errors field={fields.description} />
      </div>
      <button type="submit">{payment ? "Save payment" : "Record payment"}</button>
    </Form>
  );
}

/** Void form: a reason is required; the row stays, struck through, out of totals. */
function VoidForm({
  intent,
  keyName,
  keyValue,
  version,
  label,
}: {
  intent: "void-line" | "void-spending" | "void-award";
  keyName?: string;
  keyValue?: string;
  version: number;
  label: string;
}) {
  const schema = intent === "void-line" ? voidLineSchema : intent === "void-spending" ? voidSpendingSchema : voidAwardSchema;
  const formId = intent === "void-award" ? intent : `${intent}-${keyValue}`;
  const reply = useReply(formId);
  const [form, fields] = useForm<{ reason: string }>({
    id: formId,
    lastResult: reply?.result,
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
  });
  return (
    <Form method="post" {...getFormProps(form)} preventScrollReset className="void-form">
      <FormErrors errors={form.errors} errorId={form.errorId} />
      <input type="hidden" name="intent" value={intent} />
      {keyName ? <input type="hidden" name={keyName} value={keyValue} /> : null}
      <input type="hidden" name="version" value={version} />
      <div className="field">
        <label htmlFor={fields.reason.id}>Reason for voiding</label>
        <input {...props(getInputProps(fields.reason, { type: "text" }))} maxLength={500} />
        <Errors field={fields.reason} />
      </div>
      <button type="submit" className="secondary">
        {label}
      </button>
    </Form>
  );
}

/** Names (or clears) the prime award this award is a sub-award of, and the pass-through entity. */
function PrimeForm({ primeAward, passThrough, version }: { primeAward: string | null; passThrough: string | null; version: number }) {
  const reply = useReply("set-prime");
  const [form, fields] = useForm({
    id: "set-prime",
    lastResult: reply?.result,
    defaultValue: { primeAward: primeAward ?? "", passThrough: passThrough ?? "" },
    shouldValidate: "onBlur",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: setPrimeSchema }),
  });
  return (
    <Form method="post" {...getFormProps(form)} preventScrollReset>
      <FormErrors errors={form.errors} errorId={form.errorId} />
      <input type="hidden" name="intent" value="set-prime" />
      <input type="hidden" name="version" value={version} />
      <div className="field">
        <label htmlFor={fields.primeAward.id}>Prime award number (FAIN)</label>
        <input {...props(getInputProps(fields.primeAward, { type: "text" }))} autoComplete="off" placeholder="EMW-2024-SS-00012" />
        <div className="muted">Leave empty for a direct award (no prime).</div>
        <Errors field={fields.primeAward} />
      </div>
      <div className="field">
        <label htmlFor={fields.passThrough.id}>Pass-through entity</label>
        <input {...props(getInputProps(fields.passThrough, { type: "text" }))} maxLength={200} />
        <div className="muted">Empty: the prime award's recipient.</div>
        <Errors field={fields.passThrough} />
      </div>
      <button type="submit" className="secondary">
        Save prime award
      </button>
    </Form>
  );
}

/** Changes shown in the award page's history panel (the award report prints up to 500). */
export const HISTORY_ON_PAGE = 100;

/** Payments shown a page at a time on the award page (the printable report lists them all). */
export const PAYMENTS_PER_PAGE = 100;

/** The page's query with another page of payments (the first page leaves the parameter out). */
function pageSearch(params: URLSearchParams, page: number): string {
  const p = new URLSearchParams(params);
  for (const k of ["payments", "done", "spend", "line"]) p.delete(k);
  if (page > 1) p.set("payments", String(page));
  return p.toString();
}

export default function AwardPage() {
  const data = useLoaderData<typeof loader>();
  const { award, figures, lines, spending, payments, canEdit, selectedLine, selectedPayment: payment, capabilities, frameworks, history } = data;
  const done = useDone(DONE);
  const capTitle = new Map(capabilities.map((c) => [c.id, c.title]));
  const line = lines.find((l) => l.line_id === selectedLine);
  const liveLines = lines.filter((l) => !l.voided_at);
  const burn = figures.burn;
  const enc = encodeURIComponent(award.award_number);

  return (
    <>
      <p className="muted">
        <Link to="/awards">Grants</Link> › <Link to={`/centers/${encodeURIComponent(award.center_code)}`}>{award.center_code}</Link> › {award.award_number}
      </p>
      <h1>
        Award {award.award_number}
        {award.voided_at ? <span className="badge red"> voided</span> : null}
      </h1>
      <Notice>{done}</Notice>
      <p>
        {award.program_code} — {award.program_name} ({SOURCE_LABELS[award.agency]}, {award.federal ? "federal" : "non-federal"}) · FY{award.fiscal_year} ·{" "}
        <Link to={`/centers/${encodeURIComponent(award.center_code)}`}>{award.center_name}</Link> · period of performance {award.pop_start} to {award.pop_end}
        {award.match_required_cents > 0 ? <> · match required {formatMoney(award.match_required_cents)}</> : null}
      </p>
      <p>
        {award.prime_award_number ? (
          <>
            Sub-award under prime award <Link to={`/prime-awards/${encodeURIComponent(award.prime_award_number)}`}>{award.prime_award_number}</Link>
            {award.pass_through ? <> from {award.pass_through}</> : null}. Every figure on this page is this center's share.
          </>
        ) : (
          <>Direct award (no prime award).</>
        )}
      </p>
      <p className="no-print">
        <Link to={`/awards/${enc}/report`}>Award report</Link> (printable, with CSV and XLSX export)
      </p>
      {award.voided_at ? (
        <p className="notice error">
          Voided on {award.voided_at.slice(0, 10)}: {award.void_reason}. A voided award is left out of every total.
        </p>
      ) : null}

      <section aria-labelledby="figures">
        <h2 id="figures">Planned vs spent</h2>
        <div className="tiles">
          <FigureTile value={formatMoney(figures.amountCents)} label="Award amount" />
          <FigureTile value={formatMoney(figures.budgetedCents)} label={`Budgeted on ${figures.liveLines} line${figures.liveLines === 1 ? "" : "s"}`} />
          <FigureTile value={formatMoney(figures.unbudgetedCents)} label="Not yet budgeted" />
          <FigureTile value={formatMoney(figures.spentCents)} label="Spent" />
          <FigureTile value={formatMoney(figures.unspentCents)} label="Unspent" />
          <FigureTile
            value={`${formatPercent(burn.elapsedShare)} / ${formatPercent(burn.spentShare)}`}
            label={
              <>
                Period elapsed / funds spent ({burn.elapsedDays} of {burn.totalDays} days as of {data.asOf}){" "}
                <span className={`badge ${burn.status === "behind" ? "red" : burn.status === "on pace" ? "green" : "amber"}`}>{burn.status}</span>
              </>
            }
          />
        </div>
      </section>

      <CompliancePanel
        findings={data.findings}
        title="Compliance findings on this award"
        subtitle={`Award rules as of ${data.asOf}.`}
        reportHref={`/reports/findings?center=${encodeURIComponent(award.center_code)}&fy=${award.fiscal_year}`}
        hideAward
      />

      <section aria-labelledby="lines">
        <h2 id="lines">Budget lines</h2>
        {lines.length === 0 ? (
          <p className="empty">No budget lines yet.</p>
        ) : (
          <ScrollTable>
            <BudgetLinesHead />
            <tbody>
              {lines.map((l) => (
                <tr key={l.id} className={l.voided_at ? "voided" : undefined} aria-current={l.line_id === selectedLine ? "true" : undefined}>
                  <td>
                    <Link to={`?line=${encodeURIComponent(l.line_id)}#line-panel`} preventScrollReset>
                      {l.line_id}
                    </Link>
                    {l.voided_at ? <span className="muted"> (voided: {l.void_reason})</span> : null}
                  </td>
                  <td>{l.capability_id ? `${l.capability_id} — ${capTitle.get(l.capability_id) ?? ""}` : <span className="muted">none</span>}</td>
                  <td>{POETE_LABELS[l.poete]}</td>
                  <td>{COST_CATEGORY_LABELS[l.cost_category]}</td>
                  <td>{l.description}</td>
                  <td className="num">{formatMoney(l.amount_cents)}</td>
                  <td className="num">{formatMoney(l.spent)}</td>
                  <td className="num">{formatMoney(l.amount_cents - l.spent)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={5}>
                  Live lines ({figures.liveLines}){figures.voidedLines ? `; ${figures.voidedLines} voided line(s) left out` : ""}
                </th>
                <td className="num">{formatMoney(figures.budgetedCents)}</td>
                <td className="num">{formatMoney(figures.spentCents)}</td>
                <td className="num">{formatMoney(figures.budgetedCents - figures.spentCents)}</td>
              </tr>
            </tfoot>
          </ScrollTable>
        )}
      </section>

      {liveLines.length ? (
        <BudgetVsSpentChart lines={liveLines.map((l) => ({ label: l.line_id, budgetedCents: l.amount_cents, spentCents: l.spent }))} />
      ) : null}

      {figures.liveLines ? (
        <div className="grid-2">
          <SplitTable
            id="by-area"
            title="By capability area"
            rows={data.byArea.map((r) => ({ key: r.area, label: r.area === NO_CAPABILITY ? r.title : `${r.area} — ${r.title}`, ...r }))}
          />
          <SplitTable id="by-poete" title="By POETE solution area" rows={data.byPoete.map((r) => ({ key: r.poete, label: POETE_LABELS[r.poete], ...r }))} />
        </div>
      ) : null}

      {line ? (
        <section id="line-panel" className="panel" aria-labelledby="line-panel-title">
          <h2 id="line-panel-title">
            Budget line {line.line_id} {line.voided_at ? <span className="badge red">voided</span> : null}
          </h2>
          <p>
            Budgeted {formatMoney(line.amount_cents)}, spent {formatMoney(line.spent)}, remaining {formatMoney(line.amount_cents - line.spent)}.{" "}
            <Link to={`/awards/${enc}`} preventScrollReset>
              Close
            </Link>
          </p>
          {canEdit && !line.voided_at && !award.voided_at ? (
            <div className="grid-2">
              <div>
                <h3>Edit the line</h3>
                <LineForm key={`${line.line_id}:${line.version}`} line={line} capabilities={capabilities} frameworks={frameworks} />
                <h3>Void the line</h3>
                {line.spent > 0 ? (
                  <p className="muted">This line has {formatMoney(line.spent)} of live spending: void that spending first, then the line.</p>
                ) : null}
                <VoidForm
                  key={`v${line.line_id}:${line.version}`}
                  intent="void-line"
                  keyName="line"
                  keyValue={line.line_id}
                  version={line.version}
                  label="Void budget line"
                />
              </div>
              <div>
                <h3>Record a payment on this line</h3>
                <SpendingForm key={`s${line.line_id}:${line.version}`} line={line.line_id} />
              </div>
            </div>
          ) : null}
        </section>
      ) : null}

      <section id="spending" aria-labelledby="spending-title">
        <h2 id="spending-title">Spending</h2>
        {spending.length === 0 ? (
          <p className="empty">No spending recorded.</p>
        ) : (
          <>
            <p className="muted">
              Newest first. {payments.label} payments{payments.pageCount > 1 ? ` (page ${payments.page} of ${payments.pageCount})` : ""}; the award report lists
              them all.
            </p>
            <PagerNav pager={payments} label="Pages of payments" />
            <ScrollTable>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Payment</th>
                  <th scope="col">Line</th>
                  <th scope="col">Payee / description</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                </tr>
              </thead>
              <tbody>
                {spending.map((s) => (
                  <tr key={s.id} className={s.voided_at ? "voided" : undefined}>
                    <td>{s.date}</td>
                    <td>
                      {canEdit && !s.voided_at && !award.voided_at ? (
                        <Link to={`?line=${encodeURIComponent(s.line_id)}&spend=${encodeURIComponent(s.spend_id)}#payment-panel`} preventScrollReset>
                          {s.spend_id}
                        </Link>
                      ) : (
                        s.spend_id
                      )}
                      {s.voided_at ? <span className="muted"> (voided: {s.void_reason})</span> : null}
                    </td>
                    <td>{s.line_id}</td>
                    <td>{s.description}</td>
                    <td className="num">{formatMoney(s.amount_cents)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={4}>
                    Live spending{payments.pageCount > 1 ? ", all payments" : ""}
                  </th>
                  <td className="num">{formatMoney(figures.spentCents)}</td>
                </tr>
              </tfoot>
            </ScrollTable>
            <PagerNav pager={payments} label="Pages of payments, below the table" />
          </>
        )}
      </section>

      {payment && canEdit && !payment.voided_at ? (
        <section id="payment-panel" className="panel" aria-labelledby="payment-panel-title">
          <h2 id="payment-panel-title">Payment {payment.spend_id}</h2>
          <div className="grid-2">
            <div>
              <h3>Edit the payment</h3>
              <SpendingForm key={`${payment.spend_id}:${payment.version}`} line={payment.line_id} payment={payment} />
            </div>
            <div>
              <h3>Void the payment</h3>
              <VoidForm
                key={`v${payment.spend_id}:${payment.version}`}
                intent="void-spending"
                keyName="spend"
                keyValue={payment.spend_id}
                version={payment.version}
                label="Void payment"
              />
            </div>
          </div>
        </section>
      ) : null}

      {canEdit && !award.voided_at ? (
        <section className="panel" aria-labelledby="add-line-title">
          <h2 id="add-line-title">Add a budget line</h2>
          <p className="muted">{formatMoney(figures.unbudgetedCents)} of the award is not yet on a budget line. Lines can never total more than the award.</p>
          <LineForm key={`new:${figures.liveLines}:${figures.budgetedCents}`} capabilities={capabilities} frameworks={frameworks} />
        </section>
      ) : null}

      {/* ===== LIFECYCLE REGION (start) =====
          Amendments, match contributions, reporting obligations and closed periods of this award go here,
          fed by `data.lifecycle` from the loader. Keep additions inside this region. */}
      <AwardLifecycle awardNumber={award.award_number} data={data.lifecycle} />
      {/* ===== LIFECYCLE REGION (end) ===== */}

      {canEdit && !award.voided_at ? (
        <section className="panel" aria-labelledby="prime-title">
          <h2 id="prime-title">Prime award</h2>
          <p className="muted">
            When the center received this money as a sub-award (from the State Administrative Agency, say), name the prime award it was made under. Its
            program must be one the prime funds, its period within the prime's, and the prime's sub-awards may not add up to more than the prime.
          </p>
          <PrimeForm key={`prime:${award.version}`} primeAward={award.prime_award_number} passThrough={award.pass_through} version={award.version} />
        </section>
      ) : null}

      {canEdit && !award.voided_at ? (
        <section className="panel" aria-labelledby="void-award-title">
          <h2 id="void-award-title">Void this award</h2>
          <p className="muted">
            Only for an award recorded in error. Its budget lines (and their spending) must be voided first; the award stays on record, struck through.
          </p>
          <VoidForm key={`award:${award.version}`} intent="void-award" version={award.version} label="Void award" />
        </section>
      ) : null}

      <HistoryPanel
        rows={history}
        title={
          history.length === HISTORY_ON_PAGE
            ? `History of this award, its lines and spending: the latest ${HISTORY_ON_PAGE} changes`
            : "History of this award, its lines and spending"
        }
        showRecord
      />
    </>
  );
}

/** Budgeted / spent / remaining split by one dimension, with a totals row (the same totals as the lines table). */
function SplitTable({
  id,
  title,
  rows,
}: {
  id: string;
  title: string;
  rows: Array<{ key: string; label: string; budgetedCents: number; spentCents: number; remainingCents: number }>;
}) {
  const total = (k: "budgetedCents" | "spentCents" | "remainingCents") => rows.reduce((sum, r) => sum + r[k], 0);
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <ScrollTable>
        <thead>
          <tr>
            <th scope="col">Area</th>
            <th scope="col" className="num">
              Budgeted
            </th>
            <th scope="col" className="num">
              Spent
            </th>
            <th scope="col" className="num">
              Remaining
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <td>{r.label}</td>
              <td className="num">{formatMoney(r.budgetedCents)}</td>
              <td className="num">{formatMoney(r.spentCents)}</td>
              <td className="num">{formatMoney(r.remainingCents)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <td className="num">{formatMoney(total("budgetedCents"))}</td>
            <td className="num">{formatMoney(total("spentCents"))}</td>
            <td className="num">{formatMoney(total("remainingCents"))}</td>
          </tr>
        </tfoot>
      </ScrollTable>
    </section>
  );
}
