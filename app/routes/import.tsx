import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useState } from "react";
import { requireUser } from "~/auth/guard.server";
import { getDb } from "~/db.server";
import { columnReference } from "~/import/formats";
import {
  getJob,
  getUpload,
  jobView,
  MAX_UPLOAD_BYTES,
  dropUpload,
  receiveUpload,
  startImport,
  waitForJob,
  WAIT_FOR_JOB_MS,
  type Job,
  type JobView,
} from "~/import/jobs.server";
import { sha256Of } from "~/import/runner.server";
import { confirmSchema } from "~/import/upload";
import { ScrollTable } from "~/components/ScrollTable";
import { FigureTile } from "~/components/FigureTile";
import { getCenterName } from "~/models/centers.server";

/**
 * Import from spreadsheets: upload a CSV or XLSX file, see what a dry run would do
 * (new, changed with before → after, unchanged, errors), then confirm. Works without JavaScript
 * (the action waits for the result); with JavaScript a long file shows a progress bar fed by
 * GET /import/jobs/:id. See docs/decisions/008-import-progress.md.
 */
export const meta: MetaFunction = () => [{ title: "Import — Baseline" }];

type ActionData = { phase: "form"; error: string } | { phase: "discarded" } | { phase: "job"; job: JobView; token: string | null };

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { can: "import" });
  const center = user.centerId === null ? null : await getCenterName(getDb(), user.centerId);
  return { role: user.role, center: center ?? null, maxMb: MAX_UPLOAD_BYTES / (1024 * 1024), reference: columnReference() };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { can: "import" });
  const db = getDb();
  const contentType = request.headers.get("Content-Type") ?? "";
  if (contentType.startsWith("multipart/form-data")) {
    const received = await receiveUpload(db, request, user.id);
    if (!received.ok) return formError(received.error, received.status);
    return answer(await startImport(db, user, received.upload, { dryRun: true }), received.upload.token, received.js);
  }
  const form = await request.formData();
  const parsed = confirmSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return formError(parsed.error.issues[0]?.message ?? "Choose a file to import.");
  const { intent, token, js, allowMove } = parsed.data;
  const stored = await getUpload(db, user.id, token);
  if (!stored) return formError("This upload has expired or belongs to someone else; upload the file again.", 410);
  if (intent === "discard") {
    await dropUpload(db, stored.token);
    return json<ActionData>({ phase: "discarded" });
  }
  const again = stored.commitJobId ? await getJob(db, user.id, stored.commitJobId) : null;
  if (again) return answer(again, stored.token, js === "1");
  if ((await sha256Of({ path: stored.path })) !== stored.sha256) {
    await dropUpload(db, stored.token);
    return formError("The uploaded file changed since it was checked; upload it again.", 409);
  }
  return answer(await startImport(db, user, stored, { dryRun: false, allowMove: allowMove === "on" }), stored.token, js === "1");
}

/** With JavaScript, answer after a moment and let the page poll; without, wait for the result. */
async function answer(started: Job, token: string, js: boolean) {
  const job = await waitForJob(getDb(), started, js ? WAIT_FOR_JOB_MS : Infinity);
  const view = jobView(job);
  const keepToken = view.dryRun && view.status !== "failed";
  return json<ActionData>({ phase: "job", job: view, token: keepToken ? token : null });
}

function formError(error: string, status = 400) {
  return json<ActionData>({ phase: "form", error }, { status });
}

// ---------------------------------------------------------------------------------------------
// Page

export default function ImportPage() {
  const { role, center, maxMb, reference } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>() as ActionData | undefined;
  const navigation = useNavigation();
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const busy = navigation.state === "submitting";

  return (
    <>
      <h1>Import from a spreadsheet</h1>
      <p>
        Upload a CSV or XLSX file (up to {maxMb} MB) of one type of data. Nothing is written until you have seen what the file
        would change and confirmed; a file with any error is not imported at all.
        {role === "director" && center ? ` As a center director you may import rows of ${center.code} only.` : ""}
      </p>

      <section className="panel" aria-labelledby="upload-heading">
        <h2 id="upload-heading">1. Check a file</h2>
        <Form method="post" encType="multipart/form-data" className="filters">
          <input type="hidden" name="js" value={hydrated ? "1" : "0"} />
          <label>
            File (CSV or XLSX)
            <input type="file" name="file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" />
          </label>
          <label>
            Type of data
            <select name="type" defaultValue="">
              <option value="">Work it out from the header row</option>
              {reference.map((r) => (
                <option key={r.type} value={r.type}>
                  {r.label} ({r.type})
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={busy}>
            {busy ? "Checking…" : "Check the file (dry run)"}
          </button>
        </Form>
      </section>

      {data?.phase === "form" ? (
        <p className="notice error" role="alert">
          {data.error}
        </p>
      ) : null}
      {data?.phase === "discarded" ? (
        <p className="notice" role="status">
          The upload was discarded; nothing was imported.
        </p>
      ) : null}
      {data?.phase === "job" ? <JobPanel key={data.job.id} initial={data.job} token={data.token} hydrated={hydrated} /> : null}

      <ColumnReference reference={reference} />
    </>
  );
}

function JobPanel({ initial, token, hydrated }: { initial: JobView; token: string | null; hydrated: boolean }) {
  const poll = useFetcher<JobView>();
  const job = poll.data && poll.data.id === initial.id ? poll.data : initial;
  const running = job.status === "queued" || job.status === "running";
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      if (poll.state === "idle") poll.load(`/import/jobs/${initial.id}`);
    }, 1000);
    return () => clearInterval(timer);
  }, [running, initial.id, poll]);

  if (job.status === "missing") {
    return <p className="notice error">This import is no longer known to the server (it restarted, or the result expired). Upload the file again.</p>;
  }
  if (running) {
    return (
      <section className="panel" aria-live="polite">
        <h2>{job.dryRun ? "Checking" : "Importing"} {job.fileName}…</h2>
        {job.showProgress || job.fraction !== null ? (
          <progress className="progress" max={1} value={job.fraction ?? undefined} aria-label="Progress" />
        ) : null}
        <p className="muted">{job.progress}</p>
      </section>
    );
  }
  if (job.status === "failed" || !job.result) {
    return <p className="notice error">{job.failure ?? "The import failed; nothing was written."}</p>;
  }
  return <ResultPanel job={job} result={job.result} token={token} hydrated={hydrated} />;
}

function ResultPanel({
  job,
  result,
  token,
  hydrated,
}: {
  job: JobView;
  result: NonNullable<JobView["result"]>;
  token: string | null;
  hydrated: boolean;
}) {
  const navigation = useNavigation();
  const confirming = navigation.state === "submitting" && navigation.formData?.get("intent") === "confirm";
  const rest = result.errorCount - result.errors.length;
  return (
    <section className="panel" aria-labelledby="result-heading">
      <h2 id="result-heading">
        {result.committed ? "Imported" : result.dryRun ? "2. What the import would do" : "Not imported"}: {result.fileName}
        {result.type ? ` (${result.type})` : ""}
      </h2>
      {result.fileError ? (
        <p className="notice error" role="alert">
          {result.fileError}. Nothing was imported.
        </p>
      ) : null}
      {result.committed ? (
        <p className="notice" role="status">
          Imported in one batch (#{result.batchId}): {n(result.added)} new, {n(result.changed)} changed, {n(result.unchanged)} unchanged. The audit log
          records the batch with the file's SHA-256.
        </p>
      ) : null}
      {!result.fileError ? (
        <div className="tiles">
          <FigureTile label="Rows read" value={n(result.rowsRead)} />
          <FigureTile label="New" value={n(result.added)} />
          <FigureTile label="Changed" value={n(result.changed)} />
          <FigureTile label="Unchanged" value={n(result.unchanged)} />
          <FigureTile label="Errors" value={n(result.errorCount)} />
        </div>
      ) : null}

      {result.errorCount > 0 ? (
        <>
          <h3>Errors — nothing will be imported until they are fixed</h3>
          <div className="actions">
            <a className="button secondary" href={`/import/jobs/${job.id}?download=errors`} download>
              Download errors as CSV
            </a>
          </div>
          <ScrollTable>
            <caption>
              {result.errorCount.toLocaleString("en-US")} error{result.errorCount === 1 ? "" : "s"}
              {rest > 0 ? ` (the first ${result.errors.length.toLocaleString("en-US")} are listed; ${rest.toLocaleString("en-US")} more in the CSV)` : ""}
            </caption>
            <thead>
              <tr>
                <th scope="col" className="num">Row</th>
                <th scope="col">Column</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {result.errors.map((e, i) => (
                <tr key={i}>
                  <td className="num">{e.row}</td>
                  <td>{e.column || "—"}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
        </>
      ) : null}

      {result.ok && result.dryRun && token ? (
        result.added + result.changed > 0 ? (
          <Form method="post" className="actions">
            <input type="hidden" name="token" value={token} />
            <input type="hidden" name="js" value={hydrated ? "1" : "0"} />
            {result.moves.length > 0 ? (
              <label className="checkbox">
                <input type="checkbox" name="allowMove" />
                Move {n(result.moves.length)} award{result.moves.length === 1 ? "" : "s"} to another center, as listed below (without this, the file is
                refused and nothing is imported)
              </label>
            ) : null}
            <button type="submit" name="intent" value="confirm" disabled={confirming}>
              {confirming ? "Importing…" : `Import ${n(result.added)} new and ${n(result.changed)} changed rows`}
            </button>
            <button type="submit" name="intent" value="discard" className="secondary">
              Discard
            </button>
          </Form>
        ) : (
          <p className="notice">Nothing to import: every row is already in Baseline as it is in the file.</p>
        )
      ) : null}

      {result.moves.length > 0 ? (
        <section aria-labelledby="moves-heading">
          <h3 id="moves-heading">Awards that move to another center</h3>
          <ul>
            {result.moves.map((m) => (
              <li key={m.row}>
                Row {m.row}: {m.key} moves from {m.from} to {m.to}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {result.changes.length > 0 ? (
        <ScrollTable>
          <caption>
            Changed rows{result.changed > result.changes.length ? ` (the first ${result.changes.length} of ${n(result.changed)})` : ""}
          </caption>
          <thead>
            <tr>
              <th scope="col" className="num">Row</th>
              <th scope="col">Key</th>
              <th scope="col">Before → after</th>
            </tr>
          </thead>
          <tbody>
            {result.changes.map((c) => (
              <tr key={c.row}>
                <td className="num">{c.row}</td>
                <td>{c.key}</td>
                <td>
                  {c.fields.map((f) => (
                    <div key={f}>
                      <strong>{f}</strong>: {c.before[f] || "(empty)"} → {c.after[f] || "(empty)"}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      ) : null}

      {result.addedRows.length > 0 ? (
        <ScrollTable>
          <caption>New rows{result.added > result.addedRows.length ? ` (the first ${result.addedRows.length} of ${n(result.added)})` : ""}</caption>
          <thead>
            <tr>
              <th scope="col" className="num">Row</th>
              {Object.keys(result.addedRows[0].values).map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {result.addedRows.map((r) => (
              <tr key={r.row}>
                <td className="num">{r.row}</td>
                {Object.entries(r.values).map(([c, v]) => (
                  <td key={c}>{v}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      ) : null}
    </section>
  );
}

const n = (value: number) => value.toLocaleString("en-US");

function ColumnReference({ reference }: { reference: ReturnType<typeof columnReference> }) {
  return (
    <section aria-labelledby="reference-heading">
      <h2 id="reference-heading">File formats</h2>
      <p>
        The first row names the columns, in any order (case and spaces around names are ignored; unknown columns are refused). Money as
        1234.56, $1,234.56 or 1234; dates as YYYY-MM-DD or MM/DD/YYYY. Importing the same file again changes nothing: rows are matched by
        their key. A cell starting with = + - or @ is kept as text; exports put an apostrophe in front of it, which imports take off again.
        Download any list as a file in the same format from its page, e.g. <Link to="/export/awards.csv">all awards you can see</Link>.
      </p>
      {reference.map((r) => (
        <ScrollTable key={r.type}>
          <caption>
            {r.label} — <code>{r.type}</code>, key {r.key.join(" + ")} ·{" "}
            <a href={`/import/examples/${r.type}.csv`} download>
              example file
            </a>
            {r.type === "spending" ? (
              <>
                {" "}
                ·{" "}
                <a href="/import/examples/spending.xlsx" download>
                  XLSX example
                </a>
              </>
            ) : null}
          </caption>
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Required</th>
              <th scope="col">Accepted values</th>
            </tr>
          </thead>
          <tbody>
            {r.columns.map((c) => (
              <tr key={c.name}>
                <td>
                  <code>{c.name}</code>
                </td>
                <td>{c.required ? "yes" : "may be left out"}</td>
                <td>{c.note}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      ))}
    </section>
  );
}
