import type { Q } from "../../db/schema";

/**
 * Idempotency keys for API writes (docs/decisions/023-api-tokens.md). The first request with a key
 * claims it (a row with no answer yet), runs, and stores its answer; a retry with the same key and
 * the same request gets that answer again and writes nothing; the same key with another request is
 * refused. Keys are per user and kept for KEY_TTL_HOURS.
 */
export const KEY_TTL_HOURS = 24;

export interface StoredAnswer {
  status: number;
  contentType: string;
  body: string;
}

export type Claim =
  | { kind: "claimed"; id: number }
  | { kind: "replay"; answer: StoredAnswer }
  | { kind: "mismatch" }
  | { kind: "in-progress" };

/** Claims `key` for this request, or says what was stored under it. */
export async function claimIdempotencyKey(db: Q, input: { userId: number; key: string; requestHash: string }, now = new Date()): Promise<Claim> {
  const cutoff = new Date(now.getTime() - KEY_TTL_HOURS * 3600_000).toISOString();
  await db.deleteFrom("idempotency_keys").where("created_at", "<", cutoff).execute();
  const existing = await db
    .selectFrom("idempotency_keys")
    .select(["id", "request_hash", "status", "content_type", "body"])
    .where("user_id", "=", input.userId)
    .where("key", "=", input.key)
    .executeTakeFirst();
  if (existing) return judge(existing, input.requestHash);
  try {
    const row = await db
      .insertInto("idempotency_keys")
      .values({ user_id: input.userId, key: input.key, request_hash: input.requestHash, created_at: now.toISOString() })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { kind: "claimed", id: row.id };
  } catch (error) {
    // Two first requests at once: the other one claimed it between our read and our insert.
    const again = await db
      .selectFrom("idempotency_keys")
      .select(["id", "request_hash", "status", "content_type", "body"])
      .where("user_id", "=", input.userId)
      .where("key", "=", input.key)
      .executeTakeFirst();
    if (!again) throw error;
    return judge(again, input.requestHash);
  }
}

function judge(row: { request_hash: string; status: number | null; content_type: string | null; body: string | null }, requestHash: string): Claim {
  if (row.request_hash !== requestHash) return { kind: "mismatch" };
  if (row.status === null) return { kind: "in-progress" };
  return { kind: "replay", answer: { status: row.status, contentType: row.content_type ?? "application/json", body: row.body ?? "" } };
}

/** Stores the answer of a claimed key. */
export async function storeIdempotentAnswer(db: Q, id: number, answer: StoredAnswer): Promise<void> {
  await db.updateTable("idempotency_keys").set({ status: answer.status, content_type: answer.contentType, body: answer.body }).where("id", "=", id).execute();
}

/** Lets a claimed key go (the request failed before it wrote anything), so a retry runs afresh. */
export async function releaseIdempotencyKey(db: Q, id: number): Promise<void> {
  await db.deleteFrom("idempotency_keys").where("id", "=", id).where("status", "is", null).execute();
}
