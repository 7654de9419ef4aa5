import type { Q } from "../../db/schema";

/**
 * Sign-in throttling, kept in the database so every server process sees the same counts
 * (docs/decisions/011-sessions-and-sign-in.md).
 *
 * - per account and client address: 5 failures within 15 minutes hold that account back from that
 *   address only, so a stranger's bad passwords elsewhere never lock out the real user;
 * - per client address: 20 failures within 15 minutes, whatever the usernames, hold back the address.
 *
 * A failure row holds a keyed hash of the typed username, made by the caller (app/auth/sign-in.server.ts:
 * fixed size, and a password typed into the username field is not kept in the clear) and the client
 * address; the table never holds more than MAX_FAILURE_ROWS rows.
 */

export const ACCOUNT_ATTEMPTS = 5;
export const ADDRESS_ATTEMPTS = 20;
export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURE_ROWS = 10_000;

export interface SignInSource {
  /** 64 hex characters (app/auth/sign-in.server.ts usernameHash). */
  usernameHash: string;
  clientAddress: string;
}

export interface SignInWait {
  scope: "address" | "account";
  seconds: number;
}

/** Seconds until the oldest of the last `limit` failures leaves the window, or 0 when fewer than `limit`. */
function waitFor(rows: { at_ms: number }[], limit: number, nowMs: number): number {
  if (rows.length < limit) return 0;
  return Math.max(1, Math.ceil((rows[rows.length - 1].at_ms + THROTTLE_WINDOW_MS - nowMs) / 1000));
}

/** Times of the last `limit` failures within the window from the source's address (and, per account, for its username). */
async function recentFailures(db: Q, source: SignInSource, scope: SignInWait["scope"], limit: number, nowMs: number) {
  let query = db.selectFrom("login_failures").select("at_ms").where("client_address", "=", source.clientAddress).where("at_ms", ">", nowMs - THROTTLE_WINDOW_MS);
  if (scope === "account") query = query.where("username_hash", "=", source.usernameHash);
  return query.orderBy("at_ms", "desc").limit(limit).execute();
}

/** Whether a sign-in from this source must wait, checked before any password work; null when it may go ahead. */
export async function signInWait(db: Q, source: SignInSource, nowMs = Date.now()): Promise<SignInWait | null> {
  const addressWait = waitFor(await recentFailures(db, source, "address", ADDRESS_ATTEMPTS, nowMs), ADDRESS_ATTEMPTS, nowMs);
  if (addressWait > 0) return { scope: "address", seconds: addressWait };
  const accountWait = waitFor(await recentFailures(db, source, "account", ACCOUNT_ATTEMPTS, nowMs), ACCOUNT_ATTEMPTS, nowMs);
  return accountWait > 0 ? { scope: "account", seconds: accountWait } : null;
}

export async function recordLoginFailure(db: Q, source: SignInSource, nowMs = Date.now()): Promise<void> {
  const { id } = await db
    .insertInto("login_failures")
    .values({ username_hash: source.usernameHash, client_address: source.clientAddress.slice(0, 64), at_ms: nowMs })
    .returning("id")
    .executeTakeFirstOrThrow();
  // Rows leave when their window has passed, and, whatever the request rate, when MAX_FAILURE_ROWS
  // newer ones exist (ids only grow, so the rows kept are those within MAX_FAILURE_ROWS of this one).
  await db
    .deleteFrom("login_failures")
    .where((eb) => eb.or([eb("at_ms", "<=", nowMs - THROTTLE_WINDOW_MS), eb("id", "<=", id - MAX_FAILURE_ROWS)]))
    .execute();
}

/** After a successful sign-in: that account's failures from that address no longer count. */
export async function clearLoginFailures(db: Q, source: SignInSource): Promise<void> {
  await db.deleteFrom("login_failures").where("username_hash", "=", source.usernameHash).where("client_address", "=", source.clientAddress).execute();
}
