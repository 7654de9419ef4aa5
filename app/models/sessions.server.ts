import { createHash, randomBytes } from "node:crypto";
import type { Q } from "../../db/schema";

/**
 * Server-side sessions (docs/decisions/011-sessions-and-sign-in.md). The browser holds a random
 * 256-bit id; the table holds its SHA-256, so neither a copy of the database nor a backup signs
 * anybody in. Every request looks its row up: deleting the row ends the session at once.
 */

/** A session ends 8 hours after sign-in, or after 60 minutes without a request (decision 011). */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;
export const SESSION_IDLE_SECONDS = 60 * 60;

/** A user's open sessions beyond this many: the least recently used ones end. */
export const MAX_SESSIONS_PER_USER = 20;
/** last_seen is written at most this often per session, not on every request. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

const IDLE_MS = SESSION_IDLE_SECONDS * 1000;

export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export interface NewSession {
  userId: number;
  clientAddress: string;
  userAgent: string;
}

/** Opens a session and returns the id for the cookie. Also drops expired rows and a user's oldest beyond the cap. */
export async function createSession(db: Q, input: NewSession, nowMs = Date.now(), expiresAtMs = nowMs + SESSION_MAX_AGE_SECONDS * 1000): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await db.deleteFrom("sessions").where((eb) => eb.or([eb("expires_at_ms", "<=", nowMs), eb("last_seen_ms", "<=", nowMs - IDLE_MS)])).execute();
  await db
    .insertInto("sessions")
    .values({
      token_hash: hashSessionToken(token),
      user_id: input.userId,
      created_at_ms: nowMs,
      last_seen_ms: nowMs,
      expires_at_ms: expiresAtMs,
      client_address: input.clientAddress.slice(0, 64),
      user_agent: input.userAgent.slice(0, 80),
    })
    .execute();
  const keep = db.selectFrom("sessions").select("id").where("user_id", "=", input.userId).orderBy("last_seen_ms", "desc").orderBy("id", "desc").limit(MAX_SESSIONS_PER_USER);
  await db.deleteFrom("sessions").where("user_id", "=", input.userId).where("id", "not in", keep).execute();
  return token;
}

/**
 * Whether a session row read for a request is still live (not expired, not idle too long); when it
 * is, its idle clock moves on (at most once a minute). The request's lookup reads the row joined with
 * its user in one statement (users.server.ts `sessionPrincipal`).
 */
export async function liveSession(db: Q, row: { id: number; last_seen_ms: number; expires_at_ms: number }, nowMs = Date.now()): Promise<boolean> {
  if (row.expires_at_ms <= nowMs || row.last_seen_ms <= nowMs - IDLE_MS) return false;
  if (row.last_seen_ms < nowMs - LAST_SEEN_RESOLUTION_MS) {
    try {
      await db.updateTable("sessions").set({ last_seen_ms: nowMs }).where("id", "=", row.id).execute();
    } catch {
      // A read-only or busy database must not refuse a read; the idle clock is just not moved this time.
    }
  }
  return true;
}

/** Sign-out: ends the session the cookie names. */
export async function endSessionByToken(db: Q, token: string): Promise<void> {
  await db.deleteFrom("sessions").where("token_hash", "=", hashSessionToken(token)).execute();
}

/** Ends one of the user's own sessions (never another user's); true when there was one. */
export async function endUserSession(db: Q, userId: number, sessionId: number): Promise<boolean> {
  const result = await db.deleteFrom("sessions").where("user_id", "=", userId).where("id", "=", sessionId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Sign out everywhere; also on password reset and deactivation (app/models/users.server.ts). */
export async function endAllSessions(db: Q, userId: number): Promise<number> {
  const result = await db.deleteFrom("sessions").where("user_id", "=", userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface SessionRow {
  id: number;
  createdAt: string;
  lastSeenAt: string;
  clientAddress: string;
  userAgent: string;
}

/** The user's live sessions, most recently used first. */
export async function listSessions(db: Q, userId: number, nowMs = Date.now()): Promise<SessionRow[]> {
  const rows = await db
    .selectFrom("sessions")
    .select(["id", "created_at_ms", "last_seen_ms", "client_address", "user_agent"])
    .where("user_id", "=", userId)
    .where("expires_at_ms", ">", nowMs)
    .where("last_seen_ms", ">", nowMs - IDLE_MS)
    .orderBy("last_seen_ms", "desc")
    .orderBy("id", "desc")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    createdAt: new Date(r.created_at_ms).toISOString(),
    lastSeenAt: new Date(r.last_seen_ms).toISOString(),
    clientAddress: r.client_address,
    userAgent: r.user_agent,
  }));
}
