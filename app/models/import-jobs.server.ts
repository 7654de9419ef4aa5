import type { Insertable, Selectable } from "kysely";
import type { ImportJobsTable, ImportUploadsTable, Q } from "../../db/schema";

/**
 * Storage of the upload page's uploads and import jobs (docs/decisions/027-shared-state-and-job-leases.md):
 * rows every server process reads and writes, so an upload checked through one process can be
 * confirmed through another and a job polled from any of them. The files themselves (the upload,
 * its errors CSV, the live progress) are in the shared import folder (app/import/jobs.server.ts).
 */

export type UploadRow = Selectable<ImportUploadsTable>;
export type JobRow = Selectable<ImportJobsTable>;

export async function insertUpload(db: Q, row: Insertable<ImportUploadsTable>): Promise<void> {
  await db.insertInto("import_uploads").values(row).execute();
}

export async function findUpload(db: Q, token: string): Promise<UploadRow | null> {
  return (await db.selectFrom("import_uploads").selectAll().where("token", "=", token).executeTakeFirst()) ?? null;
}

/** Deletes the upload row; returns its file's path when there was one. */
export async function deleteUpload(db: Q, token: string): Promise<string | null> {
  const row = await db.deleteFrom("import_uploads").where("token", "=", token).returning("path").executeTakeFirst();
  return row?.path ?? null;
}

/** Records the job confirming an upload; false when another confirmation got there first. */
export async function setCommitJob(db: Q, token: string, jobId: string | null, expected: string | null): Promise<boolean> {
  let q = db.updateTable("import_uploads").set({ commit_job_id: jobId }).where("token", "=", token);
  q = expected === null ? q.where("commit_job_id", "is", null) : q.where("commit_job_id", "=", expected);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function insertJob(db: Q, row: Insertable<ImportJobsTable>): Promise<void> {
  await db.insertInto("import_jobs").values(row).execute();
}

export async function findJob(db: Q, id: string): Promise<JobRow | null> {
  return (await db.selectFrom("import_jobs").selectAll().where("id", "=", id).executeTakeFirst()) ?? null;
}

/** The running jobs and whether any job waits: what deciding to claim the next one needs. */
export async function queueState(db: Q): Promise<{ running: JobRow[]; queued: boolean }> {
  const running = await db.selectFrom("import_jobs").selectAll().where("status", "=", "running").orderBy("id").execute();
  const queued = await db.selectFrom("import_jobs").select("id").where("status", "=", "queued").limit(1).executeTakeFirst();
  return { running, queued: queued !== undefined };
}

/**
 * Claims the oldest queued job for `claimedBy` when no job is running (imports run one at a time:
 * a second would only wait for the first's write lock). One statement, so two processes claiming
 * at once cannot both win: the loser's WHERE no longer matches. Returns the claimed job or null.
 */
export async function claimNextJob(db: Q, claimedBy: string, nowMs: number, leaseMs: number): Promise<JobRow | null> {
  const next = db.selectFrom("import_jobs").select("id").where("status", "=", "queued").orderBy("created_at_ms").orderBy("id").limit(1);
  const claimed = await db
    .updateTable("import_jobs")
    .set({ status: "running", claimed_by: claimedBy, lease_until_ms: nowMs + leaseMs, started_at_ms: nowMs })
    .where("status", "=", "queued")
    .where("id", "=", next)
    .where((eb) => eb.not(eb.exists(eb.selectFrom("import_jobs as r").select("r.id").where("r.status", "=", "running"))))
    .returning("id")
    .executeTakeFirst();
  return claimed ? findJob(db, claimed.id) : null;
}

/** The end of a job, written by the process that ran it (only while it still holds the claim). */
export async function finishJob(
  db: Q,
  id: string,
  claimedBy: string,
  end: { status: "done" | "failed"; rowsRead: number; bytesRead: number; elapsedMs: number; result: string | null; failure: string | null; expiresAtMs: number },
): Promise<boolean> {
  const r = await db
    .updateTable("import_jobs")
    .set({
      status: end.status,
      rows_read: end.rowsRead,
      bytes_read: end.bytesRead,
      elapsed_ms: end.elapsedMs,
      result: end.result,
      failure: end.failure,
      expires_at_ms: end.expiresAtMs,
      lease_until_ms: null,
    })
    .where("id", "=", id)
    .where("status", "=", "running")
    .where("claimed_by", "=", claimedBy)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Fails a running job whose process is gone; false when it finished (or was failed) meanwhile. */
export async function failAbandonedJob(db: Q, id: string, claimedBy: string, failure: string, nowMs: number, expiresAtMs: number): Promise<boolean> {
  const r = await db
    .updateTable("import_jobs")
    .set((eb) => ({ status: "failed", failure, lease_until_ms: null, expires_at_ms: expiresAtMs, elapsed_ms: eb(eb.val(nowMs), "-", eb.fn.coalesce("started_at_ms", eb.val(nowMs))) }))
    .where("id", "=", id)
    .where("status", "=", "running")
    .where("claimed_by", "=", claimedBy)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return false;
  // The upload may be confirmed again.
  await db.updateTable("import_uploads").set({ commit_job_id: null }).where("commit_job_id", "=", id).execute();
  return true;
}

/** An import batch written from this file by this user since `sinceIso`: a job whose process ended after its commit. */
export async function batchSince(db: Q, userId: number, sha256: string, sinceIso: string): Promise<number | null> {
  const row = await db
    .selectFrom("import_batches")
    .select("id")
    .where("user_id", "=", userId)
    .where("sha256", "=", sha256)
    .where("at", ">=", sinceIso)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Expired uploads and finished jobs past their time: removed, with the files they named for the caller to delete. */
export async function sweepExpired(db: Q, nowMs: number): Promise<string[]> {
  const uploads = await db.deleteFrom("import_uploads").where("expires_at_ms", "<", nowMs).returning("path").execute();
  const jobs = await db
    .deleteFrom("import_jobs")
    .where("expires_at_ms", "<", nowMs)
    .where("status", "in", ["done", "failed"])
    .returning("errors_path")
    .execute();
  return [...uploads.map((u) => u.path), ...jobs.map((j) => j.errors_path)];
}

/** For tests: every upload and job, with the files they name. */
export async function deleteAllImportState(db: Q): Promise<string[]> {
  const uploads = await db.deleteFrom("import_uploads").returning("path").execute();
  const jobs = await db.deleteFrom("import_jobs").returning("errors_path").execute();
  return [...uploads.map((u) => u.path), ...jobs.map((j) => j.errors_path)];
}
