/**
 * The upload page and its routes, called with real requests on the demo data: dry run →
 * confirm, without and with JavaScript (progress polling), errors as CSV, bad files, another
 * center's rows, a file changed between the check and the confirmation, the size limit, the
 * example files and the export downloads.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DB } from "../../db/client";
import { loadDemo } from "~/demo/load.server";
import { getUpload, resetImportJobs, type JobView } from "~/import/jobs.server";
import { action, loader } from "~/routes/import";
import { loader as jobLoader } from "~/routes/import.jobs.$id";
import { loader as exampleLoader } from "~/routes/import.examples.$type";
import { loader as exportLoader } from "~/routes/export.$type[.]csv";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";
import { tableFingerprint } from "../helpers/fingerprint";

const t = useTestDatabase();
const cookies = {} as Record<"admin" | "director" | "auditor" | "state", string>;
let vaLine: { line_id: string; room: number };
let mdLine: { line_id: string };

type Answer = { phase: "form"; error: string } | { phase: "discarded" } | { phase: "job"; job: JobView; token: string | null };

// import_uploads and import_jobs: the page's own bookkeeping (docs/decisions/027-shared-state-and-job-leases.md).
const fingerprint = (db: DB) => tableFingerprint(db, ["import_uploads", "import_jobs"]);

function uploadRequest(cookie: string, content: string | Buffer, opts: { fileName?: string; type?: string; js?: boolean } = {}): Request {
  const form = new FormData();
  form.set("js", opts.js ? "1" : "0");
  form.set("type", opts.type ?? "");
  form.set("file", new Blob([typeof content === "string" ? content : new Uint8Array(content)]), opts.fileName ?? "upload.csv");
  return request("/import", { cookie, form });
}

async function post(req: Request): Promise<{ status: number; body: Answer }> {
  const res = (await run(action, req)) as Response;
  return { status: res.status, body: (await res.json()) as Answer };
}

async function upload(who: keyof typeof cookies, content: string | Buffer, opts: Parameters<typeof uploadRequest>[2] = {}) {
  return post(uploadRequest(cookies[who], content, opts));
}

function job(a: Answer): JobView {
  if (a.phase !== "job") throw new Error(`expected a job, got: ${JSON.stringify(a)}`);
  return a.job;
}

async function poll(who: keyof typeof cookies, id: string): Promise<JobView> {
  const res = (await run(jobLoader, request(`/import/jobs/${id}`, { cookie: cookies[who] }), { id })) as Response;
  return (await res.json()) as JobView;
}

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  cookies.admin = await cookieFor(t.db, "demo-admin");
  cookies.director = await cookieFor(t.db, "demo-director");
  cookies.auditor = await cookieFor(t.db, "demo-auditor");
  cookies.state = await cookieFor(t.db, "demo-state");
  const lineOf = (code: string) =>
    t.db
      .selectFrom("budget_lines")
      .innerJoin("awards", "awards.id", "budget_lines.award_id")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select((eb) => ["budget_lines.line_id", eb(eb.ref("budget_lines.amount_cents"), "-", eb.ref("budget_lines.spent_cents")).as("room")])
      .where("centers.code", "=", code)
      .where("budget_lines.voided_at", "is", null)
      // A recent award, so no closed reporting period covers the payment dates used below.
      .where("awards.fiscal_year", "=", 2025)
      .orderBy("room", "desc")
      .executeTakeFirstOrThrow();
  vaLine = await lineOf("VA");
  mdLine = await lineOf("MD");
  expect(vaLine.room).toBeGreaterThan(1_000_00);
});

// Uploads the tests leave checked but unconfirmed: their temp files go with them.
afterAll(() => resetImportJobs(t.db));

const SPENDING = "spend_id,line_id,date,amount,description";

describe("file names are data", () => {
  it.each(["FY=2025.csv", "budget;2025.csv", 'quote"d.csv', "name with spaces; and = signs.csv", "résumé 2025.csv"])("a file named %s uploads and keeps its name", async (name) => {
    const r = await upload("director", `${SPENDING}\nNAME-1,${vaLine.line_id},2025-05-01,1.00,x\n`, { fileName: name });
    const view = job(r.body);
    expect(view.result).toMatchObject({ ok: true, added: 1, fileName: name });
  });
});

describe("another center's records look exactly like records that do not exist", () => {
  const award = (code: string) =>
    t.db
      .selectFrom("awards")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select(["awards.award_number", "awards.budgeted_cents"])
      .where("centers.code", "=", code)
      .where("awards.voided_at", "is", null)
      .where("awards.budgeted_cents", ">", 0)
      .orderBy("awards.award_number")
      .executeTakeFirstOrThrow();

  it("a Virginia director naming a Maryland award, line or payment is told it is unknown or not theirs, never its figures", async () => {
    const md = await award("MD");
    const va = await award("VA");
    const mdSpent = await t.db
      .selectFrom("budget_lines")
      .innerJoin("awards", "awards.id", "budget_lines.award_id")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select(["budget_lines.line_id", "budget_lines.spent_cents"])
      .where("centers.code", "=", "MD")
      .where("budget_lines.spent_cents", ">", 0)
      .where("budget_lines.voided_at", "is", null)
      .executeTakeFirstOrThrow();
    const mdPayment = await t.db
      .selectFrom("spending")
      .innerJoin("budget_lines", "budget_lines.id", "spending.budget_line_id")
      .select(["spending.spend_id"])
      .where("budget_lines.line_id", "=", mdSpent.line_id)
      .where("spending.voided_at", "is", null)
      .executeTakeFirstOrThrow();

    const results = [];
    // Moving Maryland's award to Virginia at $1, below its budget lines.
    const awards = `award_number,center,program,fiscal_year,amount,pop_start,pop_end\n${md.award_number},VA,SHSP,2025,1.00,2024-10-01,2027-09-30\n`;
    results.push(job((await upload("director", awards)).body).result!);
    expect(results[0].errors).toEqual([{ row: 2, column: "award_number", message: `Unknown award "${md.award_number}", or not yours` }]);

    // A line on Maryland's award, one on an award that does not exist, and Maryland's spent line lowered to a cent.
    const lines =
      "line_id,award_number,capability,poete,cost_category,amount,description\n" +
      `NEW-1,${md.award_number},,planning,personnel,1.00,x\n` +
      "NEW-2,NO-SUCH-AWARD,,planning,personnel,1.00,x\n" +
      `${mdSpent.line_id},${va.award_number},,planning,personnel,0.01,x\n`;
    results.push(job((await upload("director", lines)).body).result!);
    expect(results[1].errors).toEqual([
      { row: 2, column: "award_number", message: `Unknown award "${md.award_number}", or not yours` },
      { row: 3, column: "award_number", message: 'Unknown award "NO-SUCH-AWARD", or not yours' },
      { row: 4, column: "line_id", message: `Unknown budget line "${mdSpent.line_id}", or not yours` },
    ]);

    // Payments on Maryland's line and on a line that does not exist, and Maryland's payment moved to Virginia.
    const spending = `${SPENDING}\nP-1,${mdSpent.line_id},2025-05-01,1.00,x\nP-2,NO-SUCH-LINE,2025-05-01,1.00,x\n${mdPayment.spend_id},${vaLine.line_id},2025-05-01,1.00,x\n`;
    results.push(job((await upload("director", spending)).body).result!);
    expect(results[2].errors).toEqual([
      { row: 2, column: "line_id", message: `Unknown budget line "${mdSpent.line_id}", or not yours` },
      { row: 3, column: "line_id", message: 'Unknown budget line "NO-SUCH-LINE", or not yours' },
      { row: 4, column: "spend_id", message: `Unknown payment "${mdPayment.spend_id}", or not yours` },
    ]);

    for (const r of results) {
      expect(r.committed).toBe(false);
      for (const e of r.errors) expect(e.message).not.toMatch(/\$|\bMD\b/);
    }
  });
});

describe("upload, dry run, confirm", () => {
  it("shows the page with the column reference to importers", async () => {
    const data = (await run(loader, request("/import", { cookie: cookies.director }))) as Awaited<ReturnType<typeof loader>>;
    expect(data.role).toBe("director");
    expect(data.center).toEqual({ code: "VA", name: expect.any(String) });
    expect(data.reference.map((r) => r.type)).toEqual(["centers", "awards", "budget_lines", "spending", "assessments", "prime_awards", "usaspending_subawards"]);
    expect(data.reference[3].columns.map((c) => [c.name, c.required])).toEqual([
      ["spend_id", true],
      ["line_id", true],
      ["date", true],
      ["amount", true],
      ["description", false],
    ]);
  });

  it("without JavaScript: the check waits for the result and writes nothing; confirming imports the same file", async () => {
    const file = `${SPENDING}\nWEB-1,${vaLine.line_id},2025-05-01,125.50,Toner\nWEB-2,${vaLine.line_id},2025-05-02,74.50,Paper\n`;
    const before = await fingerprint(t.db);
    const checked = await upload("director", file, { fileName: "may.csv" });
    expect(checked.status).toBe(200);
    const view = job(checked.body);
    expect(view).toMatchObject({ status: "done", dryRun: true, fileName: "may.csv" });
    expect(view.result).toMatchObject({ ok: true, dryRun: true, committed: false, type: "spending", added: 2, changed: 0, unchanged: 0, errorCount: 0 });
    expect(await fingerprint(t.db)).toEqual(before);
    const token = (checked.body as Extract<Answer, { phase: "job" }>).token!;
    expect(token).toBeTruthy();
    const tempFile = (await getUpload(t.db, await directorId(), token))!.path;
    expect(fs.existsSync(tempFile)).toBe(true);

    const confirmed = await post(request("/import", { cookie: cookies.director, form: { intent: "confirm", token, js: "0" } }));
    const done = job(confirmed.body);
    expect(done.result).toMatchObject({ ok: true, committed: true, added: 2 });
    const rows = await t.db.selectFrom("spending").select(["spend_id", "amount_cents", "import_batch_id"]).where("spend_id", "like", "WEB-%").orderBy("spend_id").execute();
    expect(rows).toEqual([
      { spend_id: "WEB-1", amount_cents: 12_550, import_batch_id: done.result!.batchId },
      { spend_id: "WEB-2", amount_cents: 7_450, import_batch_id: done.result!.batchId },
    ]);
    const batch = await t.db.selectFrom("import_batches").selectAll().where("id", "=", done.result!.batchId!).executeTakeFirstOrThrow();
    expect(batch).toMatchObject({ user_id: await directorId(), file_name: "may.csv", sha256: createHash("sha256").update(file).digest("hex"), rows_added: 2 });
    // The upload is gone once imported: confirming again is refused and changes nothing.
    await waitFor(() => !fs.existsSync(tempFile));
    const after = await fingerprint(t.db);
    const again = await post(request("/import", { cookie: cookies.director, form: { intent: "confirm", token, js: "0" } }));
    expect(again.status).toBe(410);
    expect(await fingerprint(t.db)).toEqual(after);
  });

  it("with JavaScript: the page polls the job, which only its owner can see", async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => `JS-${i},${vaLine.line_id},2025-05-03,0.01,Bulk`).join("\n");
    const checked = await upload("director", `${SPENDING}\n${rows}\n`, { js: true, fileName: "bulk.csv" });
    const first = job(checked.body);
    const seen: JobView[] = [first];
    let view = first;
    for (let i = 0; i < 600 && (view.status === "queued" || view.status === "running"); i++) {
      await new Promise((r) => setTimeout(r, 100));
      view = await poll("director", first.id);
      seen.push(view);
    }
    expect(view).toMatchObject({ id: first.id, status: "done", rowsRead: 12_000 });
    expect(view.result).toMatchObject({ ok: true, added: 12_000 });
    // A progress bar once a running file is past 10,000 rows, never before.
    for (const v of seen) {
      if (v.status === "running") expect(v.showProgress).toBe(v.rowsRead >= 10_000);
    }
    expect(await poll("admin", first.id)).toMatchObject({ status: "missing", result: null });
  });

  it("discarding an upload deletes it", async () => {
    const checked = await upload("admin", `${SPENDING}\nDISC-1,${vaLine.line_id},2025-05-01,1.00,x\n`);
    const token = (checked.body as Extract<Answer, { phase: "job" }>).token!;
    const r = await post(request("/import", { cookie: cookies.admin, form: { intent: "discard", token } }));
    expect(r.body).toEqual({ phase: "discarded" });
    const again = await post(request("/import", { cookie: cookies.admin, form: { intent: "confirm", token } }));
    expect(again.status).toBe(410);
  });
});

describe("an award moved to another center", () => {
  it("is listed as a move by the dry run and needs the confirmation's checkbox; without it nothing is written", async () => {
    const a = await t.db
      .selectFrom("awards")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select(["award_number", "program_code", "fiscal_year", "amount_cents", "pop_start", "pop_end"])
      .where("centers.code", "=", "VA")
      .where("program_code", "=", "LOCAL")
      .orderBy("award_number")
      .executeTakeFirstOrThrow();
    const file = `award_number,center,program,fiscal_year,amount,pop_start,pop_end\n${a.award_number},MD,LOCAL,${a.fiscal_year},${a.amount_cents / 100},${a.pop_start},${a.pop_end}\n`;
    const before = await fingerprint(t.db);
    const checked = await upload("admin", file, { fileName: "move.csv" });
    const view = job(checked.body);
    expect(view.result).toMatchObject({ ok: true, dryRun: true, changed: 1, errorCount: 0 });
    expect(view.result!.moves).toEqual([{ row: 2, key: a.award_number, from: "VA", to: "MD" }]);
    expect(await fingerprint(t.db)).toEqual(before);

    const token = (checked.body as Extract<Answer, { phase: "job" }>).token!;
    const unconfirmed = job((await post(request("/import", { cookie: cookies.admin, form: { intent: "confirm", token, js: "0" } }))).body);
    expect(unconfirmed.result).toMatchObject({ ok: false, committed: false });
    expect(unconfirmed.result!.errors).toEqual([
      {
        row: 2,
        column: "center",
        message: `Award ${a.award_number} is recorded for VA; this row would move it to MD. Confirm the move on the import page, or import with --allow-move`,
      },
    ]);
    expect(await fingerprint(t.db)).toEqual(before);

    const again = await upload("admin", file, { fileName: "move.csv" });
    const token2 = (again.body as Extract<Answer, { phase: "job" }>).token!;
    const confirmed = job((await post(request("/import", { cookie: cookies.admin, form: { intent: "confirm", token: token2, js: "0", allowMove: "on" } }))).body);
    expect(confirmed.result).toMatchObject({ ok: true, committed: true, changed: 1 });
    const moved = await t.db
      .selectFrom("awards")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select("centers.code")
      .where("award_number", "=", a.award_number)
      .executeTakeFirstOrThrow();
    expect(moved.code).toBe("MD");
  });
});

describe("files with problems change nothing", () => {
  async function expectUnchanged<T>(fn: () => Promise<T>): Promise<T> {
    const before = await fingerprint(t.db);
    const result = await fn();
    expect(await fingerprint(t.db)).toEqual(before);
    return result;
  }

  it("row errors are listed and offered as a CSV", async () => {
    const file = `${SPENDING}\nERR-1,NO-SUCH-LINE,2025-05-01,1.00,x\nERR-2,${vaLine.line_id},2025-05-01,abc,y\nERR-3,${vaLine.line_id},2025-05-01,1.00,"=cmd|' /C calc'!A0"\n`;
    const checked = await expectUnchanged(() => upload("director", file));
    const view = job(checked.body);
    expect(view.result!.errors).toEqual([
      { row: 2, column: "line_id", message: 'Unknown budget line "NO-SUCH-LINE", or not yours' },
      { row: 3, column: "amount", message: '"abc" is not an amount in dollars (use 1234.56 or $1,234.56)' },
    ]);
    expect(view.result!.errorCount).toBe(2);

    const res = (await run(jobLoader, request(`/import/jobs/${view.id}?download=errors`, { cookie: cookies.director }), { id: view.id })) as Response;
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("Content-Disposition")).toBe('attachment; filename="import-errors.csv"');
    const bytes = Buffer.from(await res.arrayBuffer());
    // A byte-order mark first, so Excel reads the file as UTF-8.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString("utf8")).toBe(
      'row,column,message\r\n2,line_id,"Unknown budget line ""NO-SUCH-LINE"", or not yours"\r\n3,amount,"""abc"" is not an amount in dollars (use 1234.56 or $1,234.56)"\r\n',
    );
    // Confirming a file with errors imports nothing either.
    const token = (checked.body as Extract<Answer, { phase: "job" }>).token!;
    const confirmed = await expectUnchanged(() => post(request("/import", { cookie: cookies.director, form: { intent: "confirm", token } })));
    expect(job(confirmed.body).result).toMatchObject({ committed: false, errorCount: 2 });
  });

  it("an empty file", async () => {
    const r = await expectUnchanged(() => upload("admin", "", { fileName: "empty.csv" }));
    expect(job(r.body).result).toMatchObject({ fileError: "The file is empty", ok: false, committed: false });
  });

  it("a header row only", async () => {
    const r = await expectUnchanged(() => upload("admin", `${SPENDING}\r\n`));
    expect(job(r.body).result!.fileError).toBe("The file has a header row but no data rows");
  });

  it("binary garbage", async () => {
    const garbage = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131 + 7) % 256));
    const r = await expectUnchanged(() => upload("admin", garbage, { fileName: "photo.csv" }));
    expect(job(r.body).result!.fileError).toMatch(/^This does not look like a CSV or XLSX file/);
  });

  it("a byte-order mark, CRLF, semicolons and a quoted field with a line break are accepted", async () => {
    const file = `\uFEFF${SPENDING.replace(/,/g, ";")}\r\nSEMI-W1;${vaLine.line_id};05/04/2025;$1,000.00;"Two lines;\r\nsecond"\r\n`;
    const r = await expectUnchanged(() => upload("admin", file));
    const result = job(r.body).result!;
    expect(result).toMatchObject({ ok: true, delimiter: ";", added: 1 });
    expect(result.addedRows[0].values).toMatchObject({ date: "2025-05-04", amount: "1000.00", description: "Two lines;\nsecond" });
  });

  it("another center's rows are refused for a director, naming the rows", async () => {
    const file = `${SPENDING}\nMINE-1,${vaLine.line_id},2025-05-01,1.00,own\nTHEIRS-1,${mdLine.line_id},2025-05-01,1.00,other\n`;
    const r = await expectUnchanged(() => upload("director", file));
    expect(job(r.body).result!.errors).toEqual([{ row: 3, column: "line_id", message: `Unknown budget line "${mdLine.line_id}", or not yours` }]);
  });

  it("a file changed on disk between the check and the confirmation", async () => {
    const checked = await upload("director", `${SPENDING}\nSWAP-1,${vaLine.line_id},2025-05-01,1.00,x\n`);
    const token = (checked.body as Extract<Answer, { phase: "job" }>).token!;
    const stored = (await getUpload(t.db, await directorId(), token))!;
    fs.writeFileSync(stored.path, `${SPENDING}\nSWAP-1,${vaLine.line_id},2025-05-01,999.00,x\n`);
    const r = await expectUnchanged(() => post(request("/import", { cookie: cookies.director, form: { intent: "confirm", token } })));
    expect(r).toEqual({ status: 409, body: { phase: "form", error: "The uploaded file changed since it was checked; upload it again." } });
  });

  it("someone else's upload token", async () => {
    const checked = await upload("admin", `${SPENDING}\nTOKEN-1,${vaLine.line_id},2025-05-01,1.00,x\n`);
    const token = (checked.body as Extract<Answer, { phase: "job" }>).token!;
    const r = await expectUnchanged(() => post(request("/import", { cookie: cookies.director, form: { intent: "confirm", token } })));
    expect(r.status).toBe(410);
  });

  it("no file, or an unknown type of data", async () => {
    const form = new FormData();
    form.set("type", "");
    const none = await post(request("/import", { cookie: cookies.admin, form }));
    expect(none).toEqual({ status: 400, body: { phase: "form", error: "Choose a CSV or XLSX file to import." } });
    const badType = await expectUnchanged(() => upload("admin", `${SPENDING}\nX-1,${vaLine.line_id},2025-05-01,1.00,x\n`, { type: "grants" }));
    expect(badType.status).toBe(400);
    expect(badType.body).toEqual({ phase: "form", error: "Choose one of centers, awards, budget_lines, spending, assessments, prime_awards, usaspending_subawards, or leave it to the header row" });
  });

  it("a file over 50 MB", async () => {
    const big = Buffer.alloc(50 * 1024 * 1024 + 1, 0x41);
    const r = await expectUnchanged(() => upload("admin", big, { fileName: "huge.csv" }));
    expect(r).toEqual({ status: 413, body: { phase: "form", error: "The file is larger than 50 MB. Split it, or import it from the command line." } });
  });

  it("auditors and state officials may not import", async () => {
    for (const who of ["auditor", "state"] as const) {
      const res = (await run(action, uploadRequest(cookies[who], `${SPENDING}\nAUD-1,${vaLine.line_id},2025-05-01,1.00,x\n`))) as Response;
      expect(res.status).toBe(403);
      const page = (await run(loader, request("/import", { cookie: cookies[who] }))) as Response;
      expect(page.status).toBe(403);
    }
  });
});

describe("example files and export downloads", () => {
  it("serves each example file as it is in tests/fixtures/import", async () => {
    const res = (await run(exampleLoader, request("/import/examples/awards.csv", { cookie: cookies.state }), { type: "awards.csv" })) as Response;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(fs.readFileSync("tests/fixtures/import/awards.csv", "utf8"));
    const xlsx = (await run(exampleLoader, request("/import/examples/spending.xlsx", { cookie: cookies.state }), { type: "spending.xlsx" })) as Response;
    expect(Buffer.from(await xlsx.arrayBuffer())).toEqual(fs.readFileSync("tests/fixtures/import/spending.xlsx"));
    const missing = (await run(exampleLoader, request("/import/examples/grants.csv", { cookie: cookies.state }), { type: "grants.csv" })) as Response;
    expect(missing.status).toBe(404);
  });

  async function download(who: keyof typeof cookies, path: string) {
    const type = /\/export\/([^/?]+)\.csv/.exec(path)![1];
    const res = (await run(exportLoader, request(path, { cookie: cookies[who] }), { type })) as Response;
    return { status: res.status, disposition: res.headers.get("Content-Disposition"), text: res.status === 200 ? await res.text() : "" };
  }

  it("exports the awards a director may read, in the import format, by award number", async () => {
    const r = await download("director", "/export/awards.csv?fy=2024");
    expect(r.status).toBe(200);
    expect(r.disposition).toBe('attachment; filename="awards-FY2024.csv"');
    const [header, ...lines] = r.text.replace(/^\uFEFF/, "").trim().split("\n");
    expect(header).toBe("award_number,center,program,fiscal_year,amount,pop_start,pop_end,prime_award,pass_through");
    const expected = await t.db
      .selectFrom("awards")
      .innerJoin("centers", "centers.id", "awards.center_id")
      .select("awards.award_number")
      .where("centers.state", "=", "VA")
      .where("awards.fiscal_year", "=", 2024)
      .where("awards.voided_at", "is", null)
      .orderBy("awards.award_number")
      .execute();
    expect(lines.map((l) => l.split(",")[0])).toEqual(expected.map((e) => e.award_number));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.split(",")[3] === "2024")).toBe(true);
  });

  it("refuses another state's center to a director, and an unknown type", async () => {
    expect((await download("director", "/export/spending.csv?center=MD")).status).toBe(403);
    expect((await download("auditor", "/export/spending.csv?center=MD")).status).toBe(200);
    expect((await download("admin", "/export/grants.csv")).status).toBe(404);
    expect((await download("admin", "/export/awards.csv?fy=24")).status).toBe(400);
  });

  it("a director's export of their own center imports back unchanged", async () => {
    const r = await download("director", "/export/budget_lines.csv?center=VA");
    expect(r.disposition).toBe('attachment; filename="budget_lines-VA.csv"');
    const before = await fingerprint(t.db);
    const checked = await upload("director", r.text, { fileName: "budget_lines-VA.csv" });
    const result = job(checked.body).result!;
    expect(result).toMatchObject({ ok: true, added: 0, changed: 0 });
    expect(result.unchanged).toBe(r.text.trim().split("\n").length - 1);
    expect(await fingerprint(t.db)).toEqual(before);
  });
});

async function directorId(): Promise<number> {
  return (await t.db.selectFrom("users").select("id").where("username", "=", "demo-director").executeTakeFirstOrThrow()).id;
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
}
