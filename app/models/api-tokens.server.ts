import { createHash, randomBytes } from "node:crypto";
import type { Q } from "../../db/schema";
import { recordAudit } from "./audit.server";

/**
 * API tokens (docs/decisions/023-api-tokens.md). A token is bound to one user and acts with exactly
 * that user's role and scope. Only its SHA-256 is stored (the token has 256 random bits, so a plain
 * hash is enough, as for sessions); it is shown once, when created. Creating and revoking are
 * audited; last use is written at most once a minute.
 */

/** Tokens start with this, so a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = "bl_";
/** A token without an expiry given lasts this long. */
export const DEFAULT_TOKEN_DAYS = 90;
/** No token lasts longer than this. */
export const MAX_TOKEN_DAYS = 366;
export const MAX_TOKENS_PER_USER = 20;
const LAST_USED_RESOLUTION_MS = 60_000;
const AUDIT_ENTITY = "api_token";

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export interface ApiTokenRow {
  id: number;
  userId: number;
  username: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export type CreateTokenResult = { ok: true; id: number; token: string; expiresAt: string } | { ok: false; error: string };

/**
 * Creates a token for `userId`; `expiresOn` is the last day it works (YYYY-MM-DD, through 23:59:59 UTC).
 * `actorId` is who creates it (an administrator, the user themself, or null for the command line).
 */
export async function createApiToken(
  db: Q,
  input: { userId: number; name: string; expiresOn?: string; actorId: number | null },
  now = new Date(),
): Promise<CreateTokenResult> {
  const name = input.name.trim();
  if (name.length < 1 || name.length > 80) return { ok: false, error: "Give the token a name of 1 to 80 characters." };
  const day = 24 * 60 * 60 * 1000;
  let expires: Date;
  if (input.expiresOn) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.expiresOn) || Number.isNaN(Date.parse(`${input.expiresOn}T00:00:00Z`))) {
      return { ok: false, error: "The expiry must be a date as YYYY-MM-DD." };
    }
    expires = new Date(`${input.expiresOn}T23:59:59.999Z`);
    if (expires.getTime() <= now.getTime()) return { ok: false, error: "The expiry must be a date in the future." };
    if (expires.getTime() > now.getTime() + MAX_TOKEN_DAYS * day) return { ok: false, error: `A token lasts at most ${MAX_TOKEN_DAYS} days.` };
  } else expires = new Date(now.getTime() + DEFAULT_TOKEN_DAYS * day);
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const exec = async (trx: Q) => {
    const user = await trx.selectFrom("users").select(["id", "active"]).where("id", "=", input.userId).executeTakeFirst();
    if (!user || !user.active) return { ok: false as const, error: "No active user with that id." };
    const live = await trx
      .selectFrom("api_tokens")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("user_id", "=", input.userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now.toISOString())
      .executeTakeFirstOrThrow();
    if (Number(live.n) >= MAX_TOKENS_PER_USER) return { ok: false as const, error: `A user has at most ${MAX_TOKENS_PER_USER} live tokens; revoke one first.` };
    const row = await trx
      .insertInto("api_tokens")
      .values({
        user_id: input.userId,
        name,
        token_hash: hashApiToken(token),
        created_at: now.toISOString(),
        created_by: input.actorId,
        expires_at: expires.toISOString(),
      })
      .returning(["id", "expires_at"])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      userId: input.actorId,
      action: "create",
      entity: AUDIT_ENTITY,
      entityId: row.id,
      after: { id: row.id, user_id: input.userId, name, expires_at: row.expires_at },
    });
    return { ok: true as const, id: row.id, token, expiresAt: row.expires_at };
  };
  return db.isTransaction ? exec(db) : db.transaction().execute(exec);
}

/** Tokens of one user (or of everybody), newest first; never the token itself. */
export async function listApiTokens(db: Q, filter: { userId?: number } = {}): Promise<ApiTokenRow[]> {
  let q = db
    .selectFrom("api_tokens")
    .innerJoin("users", "users.id", "api_tokens.user_id")
    .select([
      "api_tokens.id",
      "api_tokens.user_id as userId",
      "users.username",
      "api_tokens.name",
      "api_tokens.created_at as createdAt",
      "api_tokens.expires_at as expiresAt",
      "api_tokens.last_used_at as lastUsedAt",
      "api_tokens.revoked_at as revokedAt",
    ]);
  if (filter.userId !== undefined) q = q.where("api_tokens.user_id", "=", filter.userId);
  return q.orderBy("api_tokens.id", "desc").execute();
}

/**
 * Revokes a token at once. `ownerId` limits it to that user's tokens (a user revoking their own);
 * false when there is no such live token.
 */
export async function revokeApiToken(db: Q, input: { id: number; actorId: number | null; ownerId?: number }, now = new Date()): Promise<boolean> {
  const exec = async (trx: Q) => {
    let q = trx.selectFrom("api_tokens").select(["id", "user_id", "name", "expires_at"]).where("id", "=", input.id).where("revoked_at", "is", null);
    if (input.ownerId !== undefined) q = q.where("user_id", "=", input.ownerId);
    const row = await q.executeTakeFirst();
    if (!row) return false;
    await trx.updateTable("api_tokens").set({ revoked_at: now.toISOString() }).where("id", "=", row.id).execute();
    await recordAudit(trx, {
      userId: input.actorId,
      action: "void",
      entity: AUDIT_ENTITY,
      entityId: row.id,
      before: { id: row.id, user_id: row.user_id, name: row.name, expires_at: row.expires_at, revoked_at: null },
      after: { id: row.id, user_id: row.user_id, name: row.name, expires_at: row.expires_at, revoked_at: now.toISOString() },
    });
    return true;
  };
  return db.isTransaction ? exec(db) : db.transaction().execute(exec);
}

/** The live token's id and user, or null (unknown, revoked or expired). Moves last_used_at on. */
export async function findApiToken(db: Q, token: string, now = new Date()): Promise<{ id: number; userId: number } | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = await db
    .selectFrom("api_tokens")
    .select(["id", "user_id", "expires_at", "revoked_at", "last_used_at"])
    .where("token_hash", "=", hashApiToken(token))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null || row.expires_at <= now.toISOString()) return null;
  if (row.last_used_at === null || Date.parse(row.last_used_at) < now.getTime() - LAST_USED_RESOLUTION_MS) {
    try {
      await db.updateTable("api_tokens").set({ last_used_at: now.toISOString() }).where("id", "=", row.id).execute();
    } catch {
      // A read-only or busy database must not refuse a read; the last use is just not moved this time.
    }
  }
  return { id: row.id, userId: row.user_id };
}
