/**
 * Upload tokens and import jobs of the upload page (docs/decisions/008-import-progress.md,
 * docs/decisions/027-shared-state-and-job-leases.md).
 *
 * - An upload is a temp file on disk (never held in memory) known by a random token, private to the
 *   user who uploaded it, kept 30 minutes: the dry run reads it, and the confirmation imports the
 *   same file again after checking its SHA-256 has not changed.
 * - A job is one run of runImport in the background of a server process, with progress counters the
 *   page polls (GET /import/jobs/:id). Jobs run one at a time, each on its own database connection
 *   so pages keep reading while an import holds its write transaction.
 * - Every row error is also appended to a CSV file next to the upload, for "Download errors as CSV".
 *
 * Uploads and jobs are rows in the database (app/models/import-jobs.server.ts), so any server
 * process can answer any request: a file checked through one worker is confirmed through another,
 * and a job is polled from any of them. A job is claimed by one process; while it runs, that process
 * writes the live counters and a heartbeat to a small file in the import folder every second (on
 * SQLite the import holds the database's only write lock, so they cannot go to the database then).
 * A job whose process has gone is failed by whoever looks at it next; nothing half-written is left,
 * since an import is one transaction.
 */
import {
  MaxPartSizeExceededError,
  NodeOnDiskFile,
  unstable_composeUploadHandlers,
  unstable_createFileUploadHandler,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from "@remix-run/node";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "csv-stringify/sync";
import type { DB } from "../../db/client";
import type { Principal } from "../domain/permissions";
import {
  batchSince,
  claimNextJob,
  deleteAllImportState,
  deleteUpload,
  failAbandonedJob,
  findJob,
  findUpload,
  finishJob,
  insertJob,
  insertUpload,
  queueState,
  setCommitJob,
  sweepExpired,
  type JobRow,
  type UploadRow,
} from "../models/import-jobs.server";
import { getPrincipal } from "../models/users.server";
import { escapeCell } from "./escape";
import { multipartBoundary, originalFileName, quoteFileNames } from "./multipart";
import { progressLine } from "./progress";
import { isImportType, type ImportType } from "./registry";
import type { RowError } from "./rows";
import { runImport, sha256Of, type ImportResult } from "./runner.server";
import { openSideConnection } from "./statements.server";
import { uploadSchema } from "./upload";

/**
 * Uploads, error files and live progress. Every process serving the app must see the same folder:
 * the workers of one machine share the temp folder; processes on several machines need IMPORT_DIR
 * on shared storage.
 */
export const UPLOAD_DIR = process.env.IMPORT_DIR ? path.resolve(process.env.IMPORT_DIR) : path.join(os.tmpdir(), "baseline-imports");
/** Upload page limit (and the body limit of app/http/security.server.ts). */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
export const UPLOAD_TTL_MS = 30 * 60 * 1000;
/** How long the upload action waits for a job before answering with a progress bar instead. */
export const WAIT_FOR_JOB_MS = 1500;
/** Files over this many rows show a progress bar. */
export const PROGRESS_ROWS = 10_000;
/** A claim on another machine holds this long past its last heartbeat. */
export const JOB_LEASE_MS = 30_000;
const HEARTBEAT_MS = 1000;

/** This process, as a job's claim names it: the host and pid say whether it is still alive. */
const PROCESS_ID = `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

export const ABANDONED_JOB_MESSAGE = "The server process running this import stopped before it finished; nothing was written. Upload the file again.";

export interface Upload {
  token: string;
  userId: number;
  path: string;
  fileName: string;
  size: number;
  sha256: string;
  type?: ImportType;
  expiresAt: number;
  /** The committing job, once the user confirmed (a second click gets the same job). */
  commitJobId?: string;
}

export type JobStatus = "queued" | "running" | "done" | "failed";

export interface Job {
  id: string;
  userId: number;
  token: string;
  dryRun: boolean;
  fileName: string;
  status: JobStatus;
  rowsRead: number;
  bytesRead: number;
  totalBytes: number;
  startedAt: number;
  elapsedMs: number;
  result: ImportResult | null;
  failure: string | null;
  errorsPath: string;
  expiresAt: number;
}

/** What the page and the polling route see of a job. */
export interface JobView {
  id: string;
  status: JobStatus | "missing";
  dryRun: boolean;
  fileName: string;
  rowsRead: number;
  /** 0..1 by bytes read, null while unknown. */
  fraction: number | null;
  progress: string;
  showProgress: boolean;
  result: ImportResult | null;
  failure: string | null;
}

interface LiveProgress {
  rowsRead: number;
  bytesRead: number;
  elapsedMs: number;
  /** When it was written (the heartbeat). */
  at: number;
}

/** Jobs this process runs: their end, and their counters as they move. */
const localRuns = new Map<string, { finished: Promise<void>; progress: LiveProgress }>();

const newId = () => randomBytes(18).toString("base64url");
const removeFile = (file: string) => fs.rm(file, { force: true }, () => {});

let leftoversSwept = false;

export function uploadDir(): string {
  fs.mkdirSync(UPLOAD_DIR, { recursive: true, mode: 0o700 });
  if (!leftoversSwept) {
    // Temp files of a process that stopped before it could delete them.
    leftoversSwept = true;
    const cutoff = Date.now() - UPLOAD_TTL_MS;
    for (const name of fs.readdirSync(UPLOAD_DIR)) {
      const file = path.join(UPLOAD_DIR, name);
      try {
        if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
      } catch {
        // Gone already, or not ours to remove.
      }
    }
  }
  return UPLOAD_DIR;
}

function progressFile(jobId: string): string {
  return path.join(UPLOAD_DIR, `${jobId}.progress.json`);
}

function uploadOf(row: UploadRow): Upload {
  return {
    token: row.token,
    userId: Number(row.user_id),
    path: row.path,
    fileName: row.file_name,
    size: Number(row.size),
    sha256: row.sha256,
    type: row.type && isImportType(row.type) ? row.type : undefined,
    expiresAt: Number(row.expires_at_ms),
    commitJobId: row.commit_job_id ?? undefined,
  };
}

function jobOf(row: JobRow): Job {
  const job: Job = {
    id: row.id,
    userId: Number(row.user_id),
    token: row.token,
    dryRun: Number(row.dry_run) === 1,
    fileName: row.file_name,
    status: row.status,
    rowsRead: Number(row.rows_read),
    bytesRead: Number(row.bytes_read),
    totalBytes: Number(row.total_bytes),
    startedAt: Number(row.started_at_ms ?? row.created_at_ms),
    elapsedMs: Number(row.elapsed_ms),
    result: row.result ? (JSON.parse(row.result) as ImportResult) : null,
    failure: row.failure,
    errorsPath: row.errors_path,
    expiresAt: Number(row.expires_at_ms),
  };
  if (job.status === "running") {
    const live = localRuns.get(job.id)?.progress ?? readProgressFile(job.id);
    if (live) Object.assign(job, { rowsRead: live.rowsRead, bytesRead: live.bytesRead, elapsedMs: live.elapsedMs });
  }
  return job;
}

function readProgressFile(jobId: string): LiveProgress | null {
  try {
    const p = JSON.parse(fs.readFileSync(progressFile(jobId), "utf8")) as LiveProgress;
    return Number.isFinite(p.at) ? p : null;
  } catch {
    return null;
  }
}

/** Replaced in one rename, so a reader in another process never sees half of it. */
function writeProgressFile(jobId: string, p: LiveProgress): void {
  const file = progressFile(jobId);
  try {
    fs.writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(p));
    fs.renameSync(`${file}.${process.pid}.tmp`, file);
  } catch {
    // Progress is a courtesy; the job goes on.
  }
}

async function sweep(db: DB): Promise<void> {
  for (const file of await sweepExpired(db, Date.now())) removeFile(file);
}

export async function saveUpload(db: DB, userId: number, file: Omit<Upload, "token" | "userId" | "expiresAt">): Promise<Upload> {
  await sweep(db);
  const upload: Upload = { ...file, token: newId(), userId, expiresAt: Date.now() + UPLOAD_TTL_MS };
  await insertUpload(db, {
    token: upload.token,
    user_id: userId,
    path: upload.path,
    file_name: upload.fileName,
    size: upload.size,
    sha256: upload.sha256,
    type: upload.type ?? null,
    expires_at_ms: upload.expiresAt,
    commit_job_id: null,
  });
  return upload;
}

export type Received = { ok: true; upload: Upload; js: boolean } | { ok: false; error: string; status: number };

/**
 * Streams a multipart upload's file part to a temp file (never into memory), capped at 50 MB, and
 * keeps it as an upload of this user. The form's other fields: `type` and `js`.
 */
export async function receiveUpload(db: DB, request: Request, userId: number): Promise<Received> {
  let originalName = "";
  const handler = unstable_composeUploadHandlers(
    unstable_createFileUploadHandler({
      directory: uploadDir(),
      maxPartSize: MAX_UPLOAD_BYTES,
      avoidFileConflicts: false,
      filter: ({ name }) => name === "file",
      file: ({ filename }) => {
        originalName = path.basename(originalFileName(filename).replace(/\\/g, "/"));
        return `${randomUUID()}${/\.xlsx$/i.test(originalName) ? ".xlsx" : ".csv"}`;
      },
    }),
    unstable_createMemoryUploadHandler({ maxPartSize: 64 * 1024 }),
  );
  let form: FormData;
  try {
    form = await unstable_parseMultipartFormData(withQuotedFileNames(request), handler);
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) {
      const message =
        error.field === "file"
          ? `The file is larger than ${MAX_UPLOAD_BYTES / (1024 * 1024)} MB. Split it, or import it from the command line.`
          : `The form field "${error.field}" is too long.`;
      return { ok: false, status: 413, error: message };
    }
    throw error;
  }
  const file = form.get("file");
  if (!(file instanceof NodeOnDiskFile)) return { ok: false, status: 400, error: "Choose a CSV or XLSX file to import." };
  const filePath = file.getFilePath();
  const fields = uploadSchema.safeParse({ type: form.get("type") ?? undefined, js: form.get("js") ?? undefined });
  if (!fields.success) {
    removeFile(filePath);
    return { ok: false, status: 400, error: fields.error.issues[0]?.message ?? "Choose the type of data." };
  }
  const upload = await saveUpload(db, userId, {
    path: filePath,
    fileName: originalName || "upload.csv",
    size: file.size,
    sha256: await sha256Of({ path: filePath }),
    type: fields.data.type,
  });
  return { ok: true, upload, js: fields.data.js === "1" };
}

/** The request with its part headers' file names made safe for Remix's parser (multipart.ts). */
function withQuotedFileNames(request: Request): Request {
  const boundary = multipartBoundary(request.headers.get("Content-Type") ?? "");
  if (!boundary || !request.body) return request;
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: quoteFileNames(request.body, boundary),
    signal: request.signal,
    duplex: "half",
  } as RequestInit);
}

/** The user's own, unexpired upload, or null. */
export async function getUpload(db: DB, userId: number, token: string): Promise<Upload | null> {
  const row = await findUpload(db, token);
  if (!row || Number(row.user_id) !== userId || Number(row.expires_at_ms) < Date.now()) return null;
  return uploadOf(row);
}

export async function dropUpload(db: DB, token: string): Promise<void> {
  const file = await deleteUpload(db, token);
  if (file) removeFile(file);
}

/**
 * Queues an import of an upload and starts it when no other import runs; the job is then claimed
 * by a process (this one, or whichever finishes the import before it). A second confirmation of
 * the same upload gets the first's job.
 */
export async function startImport(db: DB, user: Principal, upload: Upload, opts: { dryRun: boolean; allowMove?: boolean }): Promise<Job> {
  const id = newId();
  const now = Date.now();
  if (!opts.dryRun && !(await setCommitJob(db, upload.token, id, null))) {
    const current = await findUpload(db, upload.token);
    const again = current?.commit_job_id ? await getJob(db, user.id, current.commit_job_id) : null;
    if (again) return again;
    throw new Error("The upload's confirmation changed while it was being confirmed");
  }
  await insertJob(db, {
    id,
    user_id: user.id,
    token: upload.token,
    dry_run: opts.dryRun ? 1 : 0,
    allow_move: opts.allowMove ? 1 : 0,
    file_name: upload.fileName,
    status: "queued",
    total_bytes: upload.size,
    created_at_ms: now,
    errors_path: path.join(uploadDir(), `${upload.token}-${now}-errors.csv`),
    expires_at_ms: now + UPLOAD_TTL_MS,
  });
  await advanceQueue(db);
  return jobOf((await findJob(db, id))!);
}

/** Whether the process holding a running job's claim is gone (same machine: its pid; elsewhere: the lease). */
function abandoned(row: JobRow, nowMs = Date.now()): boolean {
  const claimedBy = row.claimed_by ?? "";
  if (claimedBy === PROCESS_ID) return !localRuns.has(row.id);
  const [host, pid] = claimedBy.split(":");
  if (host === os.hostname() && Number(pid) > 0) {
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ESRCH";
    }
  }
  const heartbeat = readProgressFile(row.id)?.at ?? 0;
  return nowMs > Math.max(Number(row.lease_until_ms ?? 0), heartbeat + JOB_LEASE_MS);
}

async function failAbandoned(db: DB, row: JobRow): Promise<void> {
  const since = new Date(Number(row.started_at_ms ?? row.created_at_ms)).toISOString();
  // The process may have ended between the import's commit and its report.
  const batch = Number(row.dry_run) === 1 ? null : await batchSince(db, Number(row.user_id), row.file_name, since);
  const failure =
    batch === null
      ? ABANDONED_JOB_MESSAGE
      : `The server process running this import stopped after the import was written (import batch ${batch}); check the audit log before importing the file again.`;
  const now = Date.now();
  if (await failAbandonedJob(db, row.id, row.claimed_by ?? "", failure, now, now + UPLOAD_TTL_MS)) {
    console.error(`import job ${row.id}: its process (${row.claimed_by}) is gone; marked failed`);
    removeFile(progressFile(row.id));
  }
}

/** Fails jobs whose process is gone, then claims and runs the next queued job when none runs. */
async function advanceQueue(db: DB): Promise<void> {
  const state = await queueState(db);
  let running = state.running.length;
  for (const row of state.running) {
    if (abandoned(row)) {
      await failAbandoned(db, row);
      running--;
    }
  }
  if (!state.queued || running > 0) return;
  const claimed = await claimNextJob(db, PROCESS_ID, Date.now(), JOB_LEASE_MS);
  if (claimed) runClaimed(db, claimed);
}

/** Runs a job this process claimed, in the background; the next queued job follows. */
function runClaimed(db: DB, row: JobRow): void {
  const progress: LiveProgress = { rowsRead: 0, bytesRead: 0, elapsedMs: 0, at: Date.now() };
  const startedAt = Number(row.started_at_ms ?? Date.now());
  const run = async () => {
    const heartbeat = setInterval(() => writeProgressFile(row.id, { ...progress, at: Date.now() }), HEARTBEAT_MS);
    heartbeat.unref();
    writeProgressFile(row.id, progress);
    const errors = new ErrorFile(row.errors_path);
    let end: { status: "done" | "failed"; result: ImportResult | null; failure: string | null };
    let committed = false;
    try {
      const upload = await findUpload(db, row.token);
      const user = upload ? await getPrincipal(db, Number(row.user_id)) : null;
      if (!upload || !user) {
        end = { status: "failed", result: null, failure: "This upload has expired; upload the file again." };
      } else {
        const side = openSideConnection(db);
        try {
          const result = await runImport(side.db, { fileName: upload.file_name, path: upload.path }, {
            type: upload.type && isImportType(upload.type) ? upload.type : undefined,
            dryRun: Number(row.dry_run) === 1,
            allowMove: Number(row.allow_move) === 1,
            user,
            fileName: upload.file_name,
            via: "web",
            sha256: upload.sha256,
            totalBytes: Number(upload.size),
            onProgress: (p) => Object.assign(progress, { rowsRead: p.rowsRead, bytesRead: p.bytesRead, elapsedMs: p.elapsedMs }),
            onError: (e) => errors.add(e),
          });
          progress.rowsRead = result.rowsRead;
          progress.bytesRead = Number(row.total_bytes);
          committed = result.committed;
          end = { status: "done", result, failure: null };
        } finally {
          await side.close();
        }
      }
    } catch (error) {
      console.error("import job failed", error);
      end = {
        status: "failed",
        result: null,
        failure: "The import stopped on an unexpected error; nothing was written. Try again, or import the file from the command line.",
      };
    } finally {
      clearInterval(heartbeat);
      errors.close();
    }
    await finishJob(db, row.id, PROCESS_ID, {
      ...end,
      result: end.result ? JSON.stringify(end.result) : null,
      rowsRead: progress.rowsRead,
      bytesRead: progress.bytesRead,
      elapsedMs: Date.now() - startedAt,
      expiresAtMs: Date.now() + UPLOAD_TTL_MS,
    });
    removeFile(progressFile(row.id));
    if (committed) await dropUpload(db, row.token);
    else if (end.status === "failed" && Number(row.dry_run) === 0) await setCommitJob(db, row.token, null, row.id);
  };
  const finished = run()
    .catch((error) => console.error(`import job ${row.id}: could not record its end`, error))
    .finally(() => {
      localRuns.delete(row.id);
      return advanceQueue(db).catch((error) => console.error("could not start the next import job", error));
    });
  localRuns.set(row.id, { finished, progress });
}

/** The user's own job, with its live progress; a job whose process has gone is failed first. */
export async function getJob(db: DB, userId: number, id: string): Promise<Job | null> {
  let row = await findJob(db, id);
  if (!row || Number(row.user_id) !== userId) return null;
  if (row.status === "queued" || (row.status === "running" && abandoned(row))) {
    await advanceQueue(db);
    row = (await findJob(db, id)) ?? row;
  }
  return jobOf(row);
}

const finishedStatus = (job: Job | null) => !job || job.status === "done" || job.status === "failed";

/** The job once it has finished, or as it stands after `ms` (no limit: until it finishes). */
export async function waitForJob(db: DB, job: Job, ms = Infinity): Promise<Job> {
  const end = Date.now() + ms;
  let current: Job = job;
  for (;;) {
    const latest = await getJob(db, job.userId, job.id);
    if (latest) current = latest;
    if (finishedStatus(latest) || Date.now() >= end) return current;
    // A job of this process says when it ends; one run elsewhere is looked at again shortly.
    const wait = Math.max(0, Math.min(100, end - Date.now()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([localRuns.get(job.id)?.finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, wait)))]);
    clearTimeout(timer);
  }
}

export function jobView(job: Job | null, id = ""): JobView {
  if (!job) {
    return { id, status: "missing", dryRun: true, fileName: "", rowsRead: 0, fraction: null, progress: "", showProgress: false, result: null, failure: null };
  }
  const running = job.status === "queued" || job.status === "running";
  const elapsedMs = running ? Date.now() - job.startedAt : job.elapsedMs;
  return {
    id: job.id,
    status: job.status,
    dryRun: job.dryRun,
    fileName: job.fileName,
    rowsRead: job.rowsRead,
    fraction: job.totalBytes > 0 ? Math.min(1, job.bytesRead / job.totalBytes) : null,
    progress:
      job.status === "queued"
        ? "Waiting for another import to finish…"
        : progressLine({ rowsRead: job.rowsRead, elapsedMs, bytesRead: job.bytesRead, totalBytes: job.totalBytes }),
    showProgress: running && job.rowsRead >= PROGRESS_ROWS,
    result: job.result,
    failure: job.failure,
  };
}

/** The job's errors CSV (every row error, not just the first 1,000), or null when there is none. */
export function errorsFile(job: Job): string | null {
  return fs.existsSync(job.errorsPath) ? job.errorsPath : null;
}

/** Rows of the errors CSV; past them the file ends with a count of the rest (README, "Limits"). */
export const MAX_ERROR_FILE_ROWS = 10_000;

/**
 * Appends row errors to a CSV file in pieces, so a file with a million bad rows stays out of
 * memory: the first MAX_ERROR_FILE_ROWS errors, then one line counting the rest (a file of
 * 10 million bad rows gives a file of about a megabyte, not 800).
 */
export class ErrorFile {
  private fd: number | null = null;
  private pending: string[][] = [];
  private count = 0;
  constructor(private readonly file: string) {}

  add(e: RowError): void {
    this.count++;
    if (this.count > MAX_ERROR_FILE_ROWS) return;
    this.pending.push([String(e.row), escapeCell(e.column), escapeCell(e.message)]);
    if (this.pending.length >= 1000) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    if (this.fd === null) {
      this.fd = fs.openSync(this.file, "w", 0o600);
      fs.writeSync(this.fd, "\uFEFFrow,column,message\r\n");
    }
    fs.writeSync(this.fd, stringify(this.pending, { record_delimiter: "\r\n" }));
    this.pending = [];
  }

  close(): void {
    const more = this.count - MAX_ERROR_FILE_ROWS;
    if (more > 0) {
      const n = (v: number) => v.toLocaleString("en-US");
      this.pending.push(["", "", `… and ${n(more)} more error${more === 1 ? "" : "s"} (only the first ${n(MAX_ERROR_FILE_ROWS)} are listed)`]);
    }
    this.flush();
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** For tests: forget every upload and job (files included), after the jobs of this process end. */
export async function resetImportJobs(db: DB): Promise<void> {
  await Promise.all([...localRuns.values()].map((r) => r.finished));
  for (const file of await deleteAllImportState(db)) removeFile(file);
}
