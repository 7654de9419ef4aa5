/**
 * Upload tokens and import jobs of the upload page (docs/decisions/008-import-progress.md).
 *
 * - An upload is a temp file on disk (never held in memory) known by a random token, private to the
 *   user who uploaded it, kept 30 minutes: the dry run reads it, and the confirmation imports the
 *   same file again after checking its SHA-256 has not changed.
 * - A job is one run of runImport in the background of this process, with progress counters the
 *   page polls (GET /import/jobs/:id). Jobs run one at a time, each on its own database connection
 *   so pages keep reading while an import holds its write transaction.
 * - Every row error is also appended to a CSV file next to the upload, for "Download errors as CSV".
 *
 * State lives in this process only: a restart forgets uploads and jobs (the page says so and the
 * user uploads again; nothing half-written can be left, since an import is one transaction).
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
import { escapeCell } from "./escape";
import { multipartBoundary, originalFileName, quoteFileNames } from "./multipart";
import { progressLine } from "./progress";
import type { ImportType } from "./registry";
import type { RowError } from "./rows";
import { runImport, sha256Of, type ImportResult } from "./runner.server";
import { openSideConnection } from "./sqlite.server";
import { uploadSchema } from "./upload";

export const UPLOAD_DIR = path.join(os.tmpdir(), "baseline-imports");
/** Upload page limit (and the body limit of app/http/security.server.ts). */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
export const UPLOAD_TTL_MS = 30 * 60 * 1000;
/** How long the upload action waits for a job before answering with a progress bar instead. */
export const WAIT_FOR_JOB_MS = 1500;
/** Files over this many rows show a progress bar. */
export const PROGRESS_ROWS = 10_000;

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
  finished: Promise<void>;
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

const uploads = new Map<string, Upload>();
const jobs = new Map<string, Job>();
let queue: Promise<void> = Promise.resolve();

const newId = () => randomBytes(18).toString("base64url");

function sweep(now = Date.now()): void {
  for (const [token, u] of uploads) if (u.expiresAt < now) dropUpload(token);
  for (const [id, j] of jobs) {
    if (j.expiresAt < now && (j.status === "done" || j.status === "failed")) {
      fs.rm(j.errorsPath, { force: true }, () => {});
      jobs.delete(id);
    }
  }
}
setInterval(sweep, 5 * 60 * 1000).unref();

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

export function saveUpload(userId: number, file: Omit<Upload, "token" | "userId" | "expiresAt">): Upload {
  sweep();
  const upload: Upload = { ...file, token: newId(), userId, expiresAt: Date.now() + UPLOAD_TTL_MS };
  uploads.set(upload.token, upload);
  return upload;
}

export type Received = { ok: true; upload: Upload; js: boolean } | { ok: false; error: string; status: number };

/**
 * Streams a multipart upload's file part to a temp file (never into memory), capped at 50 MB, and
 * keeps it as an upload of this user. The form's other fields: `type` and `js`.
 */
export async function receiveUpload(request: Request, userId: number): Promise<Received> {
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
    fs.rm(filePath, { force: true }, () => {});
    return { ok: false, status: 400, error: fields.error.issues[0]?.message ?? "Choose the type of data." };
  }
  const upload = saveUpload(userId, {
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
export function getUpload(userId: number, token: string): Upload | null {
  const u = uploads.get(token);
  if (!u || u.userId !== userId || u.expiresAt < Date.now()) return null;
  return u;
}

export function dropUpload(token: string): void {
  const u = uploads.get(token);
  if (!u) return;
  uploads.delete(token);
  fs.rm(u.path, { force: true }, () => {});
}

/** Starts (or queues) an import of an upload; the returned job is updated as it runs. */
export function startImport(db: DB, user: Principal, upload: Upload, opts: { dryRun: boolean; allowMove?: boolean }): Job {
  const job: Job = {
    id: newId(),
    userId: user.id,
    token: upload.token,
    dryRun: opts.dryRun,
    fileName: upload.fileName,
    status: "queued",
    rowsRead: 0,
    bytesRead: 0,
    totalBytes: upload.size,
    startedAt: Date.now(),
    elapsedMs: 0,
    result: null,
    failure: null,
    errorsPath: path.join(uploadDir(), `${upload.token}-${Date.now()}-errors.csv`),
    expiresAt: Date.now() + UPLOAD_TTL_MS,
    finished: Promise.resolve(),
  };
  jobs.set(job.id, job);
  if (!opts.dryRun) upload.commitJobId = job.id;
  const run = async () => {
    job.status = "running";
    job.startedAt = Date.now();
    const errors = new ErrorFile(job.errorsPath);
    const side = openSideConnection(db);
    try {
      job.result = await runImport(side.db, { fileName: upload.fileName, path: upload.path }, {
        type: upload.type,
        dryRun: opts.dryRun,
        allowMove: opts.allowMove,
        user,
        fileName: upload.fileName,
        via: "web",
        sha256: upload.sha256,
        totalBytes: upload.size,
        onProgress: (p) => {
          job.rowsRead = p.rowsRead;
          job.bytesRead = p.bytesRead;
          job.elapsedMs = p.elapsedMs;
        },
        onError: (e) => errors.add(e),
      });
      job.rowsRead = job.result.rowsRead;
      job.bytesRead = job.totalBytes;
      job.status = "done";
      if (job.result.committed) dropUpload(upload.token);
    } catch (error) {
      console.error("import job failed", error);
      job.failure = "The import stopped on an unexpected error; nothing was written. Try again, or import the file from the command line.";
      job.status = "failed";
      if (!opts.dryRun) upload.commitJobId = undefined;
    } finally {
      errors.close();
      await side.close();
      job.elapsedMs = Date.now() - job.startedAt;
      job.expiresAt = Date.now() + UPLOAD_TTL_MS;
    }
  };
  // One import at a time: a second would only wait for the first's write lock.
  job.finished = queue.then(run);
  queue = job.finished;
  return job;
}

export function getJob(userId: number, id: string): Job | null {
  const job = jobs.get(id);
  return job && job.userId === userId ? job : null;
}

/** Resolves when the job is finished or after `ms`, whichever comes first. */
export async function waitForJob(job: Job, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([job.finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
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

/** For tests: forget every upload and job (files included). */
export function resetImportJobs(): void {
  for (const token of [...uploads.keys()]) dropUpload(token);
  for (const j of jobs.values()) fs.rm(j.errorsPath, { force: true }, () => {});
  jobs.clear();
}
