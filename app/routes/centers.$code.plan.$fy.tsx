import { getFormProps, getInputProps, getSelectProps, getTextareaProps, useForm, type FieldMetadata } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useEffect, useState } from "react";
import { assertAllowed, notFound, requireUser } from "~/auth/guard.server";
import { allows } from "~/domain/permissions";
import { Errors, FormErrors, Notice, props, useDone, useReply } from "~/components/forms";
import { conflictReply, formReply, refusedReply } from "~/http/forms.server";
import { getDb } from "~/db.server";
import { parseFiscalYear } from "~/domain/fiscal-year";
import { COST_CATEGORIES, COST_CATEGORY_LABELS, POETE_AREAS, POETE_LABELS } from "~/domain/grants";
import { centsToDecimal, formatMoney, formatPercent, parseMoney } from "~/domain/money";
import { projectPlan, type PlanInput, type PlanProjection } from "~/domain/plan";
import { formatScore, STATUS_LABELS } from "~/domain/scores";
import { auditChangesSince, liveAwardsOfCenter } from "~/models/awards.server";
import { getCenterByCode } from "~/models/centers.server";
import { applyPlan, getPlan, planBasis, planInputRows, savePlan, type PlanInputRows } from "~/models/plans.server";
import { listPrograms } from "~/models/programs.server";
import { applyPlanSchema, savePlanSchema } from "~/schemas/grants";
import { ScrollTable } from "~/components/ScrollTable";
import { FigureTile } from "~/components/FigureTile";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `FY${data?.fiscalYear ?? ""} plan — ${data?.center.code ?? ""} — Baseline` }];

/** Blank "other needs" rows offered under the gap rows (more appear after each save). */
const BLANK_ROWS = 3;

async function loadCenter(params: { code?: string; fy?: string }) {
  const center = await getCenterByCode(getDb(), params.code ?? "");
  if (!center) throw notFound(`No center with code ${params.code}`);
  const fy = parseFiscalYear(params.fy);
  if (fy === null) throw notFound(`"${params.fy}" is not a fiscal year`);
  return { center, fiscalYear: fy };
}

function projectionInput(
  basis: Awaited<ReturnType<typeof planBasis>>,
  programs: Array<{ code: string; federal: boolean }>,
  rows: Pick<PlanInputRows, "funding" | "lines">,
): PlanInput {
  return {
    programs,
    funding: rows.funding,
    lines: rows.lines,
    leaves: basis.leaves,
    cocEcLeaves: basis.cocEcLeaves,
    statuses: new Map(basis.statuses),
    estCosts: new Map(basis.estCosts),
    parentOf: new Map(basis.parents),
  };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { center, fiscalYear } = await loadCenter(params);
  assertAllowed(user, { can: "read", center });
  const db = getDb();
  const [plan, basis, programRows, awards] = await Promise.all([getPlan(db, center.id, fiscalYear), planBasis(db, center.id), listPrograms(db), liveAwardsOfCenter(db, center.id)]);
  const programs = programRows.map((p) => ({ code: p.code, name: p.name, federal: p.federal === 1 }));
  const saved: Pick<PlanInputRows, "funding" | "lines"> = plan ? planInputRows(plan) : { funding: [], lines: [] };
  return {
    center: { code: center.code, name: center.name, kind: center.kind },
    fiscalYear,
    plan: plan ? { id: plan.id, version: plan.version, status: plan.status, notes: plan.notes, updatedAt: plan.updated_at } : null,
    saved,
    basis,
    programs,
    // Only the plan year's awards can take its lines (models/plans.server.ts applyPlan).
    awards: awards.filter((a) => a.fiscal_year === fiscalYear).map((a) => ({ number: a.award_number, program: a.program_code, fiscalYear: a.fiscal_year, unbudgetedCents: a.amount_cents - a.budgeted_cents })),
    projection: projectPlan(projectionInput(basis, programs, saved)),
    canEdit: allows(user, { can: "edit", center }),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const { center, fiscalYear } = await loadCenter(params);
  assertAllowed(user, { can: "edit", center });
  const db = getDb();
  const formData = await request.formData();
  const base = `/centers/${encodeURIComponent(center.code)}/plan/${fiscalYear}`;

  if (formData.get("intent") === "apply") {
    const submission = parseWithZod(formData, { schema: applyPlanSchema });
    if (submission.status !== "success") return formReply("apply", submission.reply());
    const result = await applyPlan(db, user.id, center.id, fiscalYear, submission.value.version, submission.value.award);
    if (result.ok) return redirect(`${base}?done=applied`, { status: 303 });
    if (result.kind === "refused") return refusedReply(submission, "apply", result.message, result.field);
    const changes = await auditChangesSince(db, "plan", Number(result.current.id), submission.value.version);
    return conflictReply(submission, "apply", { what: "this plan", version: result.current.version, changes });
  }

  const submission = parseWithZod(formData, { schema: savePlanSchema });
  if (submission.status !== "success") return formReply("plan", submission.reply());
  const v = submission.value;
  // Rows without an amount are dropped; remember each kept row's place in the form for error messages.
  const kept = v.lines.map((l, i) => ({ l, i })).filter(({ l }) => l.amount !== null);
  const input: PlanInputRows = {
    notes: v.notes,
    funding: v.funding.filter((f) => f.amount !== null).map((f) => ({ programCode: f.program, amountCents: f.amount! })),
    lines: kept.map(({ l }) => ({
      programCode: l.program!,
      capabilityId: l.capability,
      poete: l.poete,
      costCategory: l.category,
      amountCents: l.amount!,
      description: l.description,
    })),
  };
  const result = await savePlan(db, user.id, center.id, fiscalYear, v.version, input);
  if (result.ok) return redirect(`${base}?done=saved`, { status: 303 });
  if (result.kind === "refused") {
    const field = result.field?.replace(/^lines\[(\d+)\]/, (_m, n) => `lines[${kept[Number(n)]?.i ?? n}]`);
    return refusedReply(submission, "plan", result.message, field);
  }
  const changes = v.version === undefined ? [] : await auditChangesSince(db, "plan", Number(result.current.id), v.version);
  return conflictReply(submission, "plan", { what: "this plan", version: result.current.version, changes });
}

// ---------------------------------------------------------------------------------------------
// Component
// ---------------------------------------------------------------------------------------------

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;

/** Reads the plan form as typed, for the live figures; amounts that do not parse count as zero and are flagged. */
function readForm(form: HTMLFormElement): { rows: Pick<PlanInputRows, "funding" | "lines">; unreadable: number } {
  const data = new FormData(form);
  let unreadable = 0;
  const cents = (name: string): number => {
    const text = String(data.get(name) ?? "").trim();
    if (text === "") return 0;
    const parsed = parseMoney(text);
    if (!parsed.ok) {
      unreadable++;
      return 0;
    }
    return parsed.cents;
  };
  const funding: PlanInputRows["funding"] = [];
  for (let i = 0; data.has(`funding[${i}].program`); i++) funding.push({ programCode: String(data.get(`funding[${i}].program`)), amountCents: cents(`funding[${i}].amount`) });
  const lines: PlanInputRows["lines"] = [];
  for (let i = 0; data.has(`lines[${i}].poete`); i++) {
    const amountCents = cents(`lines[${i}].amount`);
    // Rows without an amount or a program are not plan lines yet (the save refuses the latter at the field).
    if (amountCents === 0 || !data.get(`lines[${i}].program`)) continue;
    lines.push({
      programCode: String(data.get(`lines[${i}].program`) ?? ""),
      capabilityId: String(data.get(`lines[${i}].capability`) ?? "") || null,
      poete: String(data.get(`lines[${i}].poete`)) as PlanInputRows["lines"][number]["poete"],
      costCategory: String(data.get(`lines[${i}].category`)) as PlanInputRows["lines"][number]["costCategory"],
      amountCents,
      description: String(data.get(`lines[${i}].description`) ?? ""),
    });
  }
  return { rows: { funding, lines }, unreadable };
}

const GAP_BADGE: Record<string, string> = { "fully funded": "green", "partly funded": "amber", "funded, no estimate": "amber", unfunded: "red" };

function Figures({ p, live, unreadable }: { p: PlanProjection; live: boolean; unreadable: number }) {
  return (
    <section aria-labelledby="plan-figures" aria-live="polite">
      <h2 id="plan-figures">Figures {live ? <span className="muted">(live, as typed — save to keep)</span> : <span className="muted">(as saved)</span>}</h2>
      {unreadable ? (
        <p className="notice error">
          {unreadable} amount{unreadable === 1 ? " is" : "s are"} not readable yet and count as $0 here.
        </p>
      ) : null}
      <div className="tiles">
        <FigureTile
          value={formatMoney(p.unassignedCents)}
          label={
            <>
              Funds unassigned ({formatMoney(p.expectedCents)} expected, {formatMoney(p.assignedCents)} assigned)
              {p.unassignedCents < 0 ? <span className="badge red"> over-assigned</span> : null}
            </>
          }
        />
        <FigureTile value={`${p.gapsFunded} / ${p.gapsUnfunded}`} label={`Gaps funded / unfunded (${p.gapsFullyFunded} fully funded of ${p.gaps.length})`} />
        <FigureTile
          value={formatPercent(p.federalShareToGaps)}
          label={`of federal funds go to baseline gaps (${formatMoney(p.federalToGapsCents)} of ${formatMoney(p.federalExpectedCents)} expected)`}
        />
        <FigureTile value={`${formatScore(p.currentScore)} → ${formatScore(p.projectedScore)}`} label="Baseline score now → if every fully funded gap were closed" />
      </div>
      <div className="grid-2">
        <ScrollTable>
          <caption>Gaps in the latest assessment</caption>
          <thead>
            <tr>
              <th scope="col">Gap</th>
              <th scope="col" className="num">
                Est. cost to close
              </th>
              <th scope="col" className="num">
                In the plan
              </th>
              <th scope="col" className="num">
                Short by
              </th>
              <th scope="col">State</th>
            </tr>
          </thead>
          {(["baseline", "coc-ec"] as const).map((framework) => {
            const rows = p.gaps.filter((g) => g.framework === framework);
            return rows.length === 0 ? null : (
          <tbody key={framework}>
            <tr>
              <th scope="rowgroup" colSpan={5}>
                {framework === "baseline" ? "Baseline capabilities" : "Critical Operational and Enabling Capabilities (COC/EC)"}
              </th>
            </tr>
            {rows.map((g) => (
              <tr key={g.capabilityId}>
                <td>
                  {g.capabilityId} <span className="muted">({STATUS_LABELS[g.status ?? "not_assessed"]})</span>
                </td>
                <td className="num">{g.estCostCents === null ? "no estimate" : formatMoney(g.estCostCents)}</td>
                <td className="num">{formatMoney(g.plannedCents)}</td>
                <td className="num">{formatMoney(g.shortfallCents)}</td>
                <td>
                  <span className={`badge ${GAP_BADGE[g.state]}`}>{g.state}</span>
                </td>
              </tr>
            ))}
          </tbody>
            );
          })}
        </ScrollTable>
        <ScrollTable>
          <caption>Expected funding by program</caption>
          <thead>
            <tr>
              <th scope="col">Program</th>
              <th scope="col" className="num">
                Expected
              </th>
              <th scope="col" className="num">
                Assigned
              </th>
              <th scope="col" className="num">
                Unassigned
              </th>
            </tr>
          </thead>
          <tbody>
            {p.programs
              .filter((r) => r.expectedCents || r.assignedCents)
              .map((r) => (
                <tr key={r.programCode}>
                  <td>
                    {r.programCode}
                    {r.federal ? <span className="muted"> (federal)</span> : null}
                  </td>
                  <td className="num">{formatMoney(r.expectedCents)}</td>
                  <td className="num">{formatMoney(r.assignedCents)}</td>
                  <td className="num">{formatMoney(r.unassignedCents)}</td>
                </tr>
              ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">All programs</th>
              <td className="num">{formatMoney(p.expectedCents)}</td>
              <td className="num">{formatMoney(p.assignedCents)}</td>
              <td className="num">{formatMoney(p.unassignedCents)}</td>
            </tr>
          </tfoot>
        </ScrollTable>
      </div>
    </section>
  );
}

function PlanForm({ data, onLive }: { data: LoaderData; onLive: (p: { projection: PlanProjection; unreadable: number }) => void }) {
  const reply = useReply("plan");
  const { saved, basis, programs } = data;
  const titles = new Map(basis.catalog.map((c) => [c.id, c.title]));
  const defaultProgram = data.center.kind === "state" ? "SHSP" : "UASI";
  const gapIds = data.projection.gaps.map((g) => g.capabilityId);
  const listed = new Set(saved.lines.map((l) => l.capabilityId));
  const defaultValue = {
    notes: data.plan?.notes ?? "",
    funding: programs.map((p) => {
      const cents = saved.funding.find((f) => f.programCode === p.code)?.amountCents;
      return { program: p.code, amount: cents ? centsToDecimal(cents) : "" };
    }),
    lines: [
      ...saved.lines.map((l) => ({ program: l.programCode, capability: l.capabilityId ?? "", poete: l.poete, category: l.costCategory, amount: centsToDecimal(l.amountCents), description: l.description })),
      // One row per open gap the plan does not give to yet, then blank rows for other needs.
      ...gapIds.filter((g) => !listed.has(g)).map((g) => ({ program: defaultProgram, capability: g, poete: "planning", category: "personnel", amount: "", description: "" })),
      ...Array.from({ length: BLANK_ROWS }, () => ({ program: defaultProgram, capability: "", poete: "planning", category: "other", amount: "", description: "" })),
    ],
  };
  const [form, fields] = useForm({
    id: "plan",
    lastResult: reply?.result,
    defaultValue,
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: savePlanSchema }),
  });
  const recompute = (el: HTMLFormElement) => {
    const { rows, unreadable } = readForm(el);
    onLive({ projection: projectPlan(projectionInput(basis, programs, rows)), unreadable });
  };
  const funding = fields.funding.getFieldList();
  const lines = fields.lines.getFieldList();
  const readOnly = !data.canEdit || data.plan?.status === "applied";
  return (
    <Form method="post" {...getFormProps(form)} onInput={(e) => recompute(e.currentTarget)} onChange={(e) => recompute(e.currentTarget)}>
      <FormErrors errors={form.errors} errorId={form.errorId} />
      <input type="hidden" name="intent" value="save" />
      {data.plan ? <input type="hidden" name="version" value={data.plan.version} /> : null}
      <fieldset disabled={readOnly}>
        <h2>Expected awards</h2>
        <p className="muted">Your estimate of what each program will award for FY{data.fiscalYear}. Leave a program empty if none is expected.</p>
        <ScrollTable>
          <thead>
            <tr>
              <th scope="col">Program</th>
              <th scope="col">Expected amount (dollars)</th>
            </tr>
          </thead>
          <tbody>
            {funding.map((f, i) => {
              const row = f.getFieldset();
              const program = programs[i];
              return (
                <tr key={f.key}>
                  <th scope="row">
                    <label htmlFor={row.amount.id}>
                      {program?.code ?? String(row.program.initialValue)} — {program?.name}
                    </label>
                    <input type="hidden" name={row.program.name} value={program?.code ?? String(row.program.initialValue ?? "")} />
                  </th>
                  <td>
                    <input {...props(getInputProps(row.amount, { type: "text" }))} inputMode="decimal" placeholder="0.00" />
                    <Errors field={row.amount} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </ScrollTable>

        <h2>Plan lines</h2>
        <p className="muted">
          Spread the expected money over the open gaps{basis.assessmentYear ? ` of the FY${basis.assessmentYear} assessment` : ""} and other needs. Rows left
          without an amount are not saved.
        </p>
        <ScrollTable>
          <thead>
            <tr>
              <th scope="col">Program</th>
              <th scope="col">Capability (gap or other need)</th>
              <th scope="col">POETE</th>
              <th scope="col">Cost category</th>
              <th scope="col">Amount (dollars)</th>
              <th scope="col">Description</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => {
              const row = l.getFieldset();
              return (
                <tr key={l.key}>
                  <td>
                    <select {...props(getSelectProps(row.program))} aria-label="Program">
                      <option value="">—</option>
                      {programs.map((p) => (
                        <option key={p.code} value={p.code}>
                          {p.code}
                        </option>
                      ))}
                    </select>
                    <Errors field={row.program} />
                  </td>
                  <td>
                    <select {...props(getSelectProps(row.capability))} aria-label="Capability">
                      <option value="">Other need (no capability)</option>
                      <optgroup label="Open gaps">
                        {gapIds.map((g) => (
                          <option key={g} value={g}>
                            {g} — {titles.get(g)}
                          </option>
                        ))}
                      </optgroup>
                      <optgroup label="Other capabilities">
                        {basis.catalog
                          .filter((c) => !gapIds.includes(c.id))
                          .map((c) => (
                            <option key={c.id} value={c.id}>
                              {c.id} — {c.title.length > 60 ? `${c.title.slice(0, 60)}…` : c.title}
                            </option>
                          ))}
                      </optgroup>
                    </select>
                    <Errors field={row.capability} />
                  </td>
                  <td>
                    <select {...props(getSelectProps(row.poete))} aria-label="POETE solution area">
                      {POETE_AREAS.map((p) => (
                        <option key={p} value={p}>
                          {POETE_LABELS[p]}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <select {...props(getSelectProps(row.category))} aria-label="Cost category">
                      {COST_CATEGORIES.map((c) => (
                        <option key={c} value={c}>
                          {COST_CATEGORY_LABELS[c]}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input {...props(getInputProps(row.amount, { type: "text" }))} inputMode="decimal" placeholder="0.00" aria-label="Amount in dollars" size={14} />
                    <Errors field={row.amount} />
                  </td>
                  <td>
                    <input {...props(getInputProps(row.description, { type: "text" }))} aria-label="Description" maxLength={500} />
                    <Errors field={row.description} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </ScrollTable>
        <div className="field">
          <label htmlFor={fields.notes.id}>Notes</label>
          <textarea {...props(getTextareaProps(fields.notes))} rows={3} />
          <Errors field={fields.notes} />
        </div>
        {readOnly ? null : (
          <p className="actions">
            <button type="submit">Save draft</button>
          </p>
        )}
      </fieldset>
    </Form>
  );
}

function ApplyForm({ data }: { data: LoaderData }) {
  const reply = useReply("apply");
  const [form, fields] = useForm({
    id: "apply",
    lastResult: reply?.result,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: applyPlanSchema }),
  });
  const programsInPlan = [...new Set(data.saved.lines.map((l) => l.programCode))];
  const award = fields.award.getFieldset();
  return (
    <Form method="post" {...getFormProps(form)}>
      <FormErrors errors={form.errors} errorId={form.errorId} />
      <input type="hidden" name="intent" value="apply" />
      <input type="hidden" name="version" value={data.plan!.version} />
      {programsInPlan.map((code) => {
        // The plan's expected amount for the program is matched to the year's award once it is
        // recorded (docs/decisions/014-first-week.md).
        const options = data.awards.filter((a) => a.program === code);
        const preferred = options;
        const total = data.saved.lines.filter((l) => l.programCode === code).reduce((s, l) => s + l.amountCents, 0);
        const field = (award as Record<string, FieldMetadata<string | undefined, any, string[]>>)[code];
        return (
          <div className="field" key={code}>
            <label htmlFor={`apply-award-${code}`}>
              {code} award for {formatMoney(total)} of plan lines
            </label>
            {options.length === 0 ? (
              <p className="muted">
                The FY{data.fiscalYear} {code} award has not arrived yet: the plan keeps it as an expected award. Once it is{" "}
                <Link to="/awards/new">recorded</Link> or imported, it is offered here.
              </p>
            ) : (
              <select id={`apply-award-${code}`} name={`award.${code}`} defaultValue={(field?.initialValue as string) ?? (preferred.length === 1 ? preferred[0].number : "")}>
                <option value="">Choose the award</option>
                {options.map((a) => (
                  <option key={a.number} value={a.number}>
                    {a.number} (FY{a.fiscalYear}, {formatMoney(a.unbudgetedCents)} not yet budgeted)
                  </option>
                ))}
              </select>
            )}
            {field?.errors ? <div className="field-error" role="alert">{field.errors.join(" ")}</div> : null}
          </div>
        );
      })}
      <p className="actions">
        <button type="submit">Turn the plan into budget lines</button>
      </p>
    </Form>
  );
}

const DONE: Record<string, string> = { saved: "Draft saved.", applied: "The plan's lines are now budget lines on the chosen awards." };

export default function PlanPage() {
  const data = useLoaderData<typeof loader>();
  const done = useDone(DONE);
  const [live, setLive] = useState<{ projection: PlanProjection; unreadable: number } | null>(null);
  // A new save (new version) brings fresh saved figures; drop the live ones.
  const key = `${data.plan?.version ?? 0}`;
  useEffect(() => setLive(null), [key]);
  const shown = live?.projection ?? (data.projection as PlanProjection);
  return (
    <>
      <p className="muted">
        <Link to="/centers">Centers</Link> › <Link to={`/centers/${encodeURIComponent(data.center.code)}`}>{data.center.code}</Link> › FY{data.fiscalYear} plan
      </p>
      <h1>
        FY{data.fiscalYear} budget plan — {data.center.name}
      </h1>
      <Notice>{done}</Notice>
      <p>
        {data.plan ? (
          <>
            <span className={`badge ${data.plan.status === "applied" ? "green" : "amber"}`}>{data.plan.status}</span> last saved {data.plan.updatedAt.slice(0, 10)}
          </>
        ) : (
          <span className="muted">No draft saved yet.</span>
        )}
        {data.basis.assessmentYear === null ? <span className="muted"> This center has no assessment: there are no gaps to plan against.</span> : null}
      </p>

      <Figures p={shown} live={live !== null} unreadable={live?.unreadable ?? 0} />

      <PlanForm key={key} data={data} onLive={setLive} />

      {data.plan && data.plan.status === "draft" && data.canEdit && data.saved.lines.length ? (
        <section className="panel" aria-labelledby="apply-title">
          <h2 id="apply-title">Turn into budget lines</h2>
          <p className="muted">
            Once the awards arrive, pick the award for each program: every plan line becomes a budget line on it, all at once or not at all. Save any
            changes first.
          </p>
          <ApplyForm data={data} />
        </section>
      ) : null}
    </>
  );
}
