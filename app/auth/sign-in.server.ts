import { createHmac } from "node:crypto";
import type { DB } from "../db.server";
import { clearLoginFailures, recordLoginFailure, signInWait } from "../models/login-throttle.server";
import { createSession } from "../models/sessions.server";
import { findUserByUsername } from "../models/users.server";
import { MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH } from "../schemas/users";
import { checkPassword } from "./password.server";
import { sessionSecret } from "./session.server";

/**
 * The sign-in form's rules (docs/decisions/011-sessions-and-sign-in.md): field sizes first (no
 * work, no write), then the throttle, then exactly one password check whatever the account, then
 * either a failure row or a new server-side session.
 */

export const WRONG_CREDENTIALS = "The username or password is not right.";

export type SignInResult =
  | { ok: true; userId: number; token: string }
  | { ok: false; status: 400 | 401 | 429; error: string; retryAfter?: number };

export interface SignInInput {
  username: unknown;
  password: unknown;
  clientAddress: string;
  userAgent: string;
}

/**
 * What a failure row keeps of the typed username: HMAC-SHA256 with the session secret, 64 hex
 * characters whatever was typed; without the secret, a copy of the database cannot be searched
 * for names (or passwords typed into the wrong field).
 */
export function usernameHash(username: string): string {
  return createHmac("sha256", sessionSecret()).update(`sign-in\u0000${username}`).digest("hex");
}

function minutes(seconds: number): string {
  const m = Math.ceil(seconds / 60);
  return `${m} minute${m === 1 ? "" : "s"}`;
}

/** The typed username as the form shows it back: trimmed, and never longer than the limit. */
export function typedUsername(value: unknown): string {
  return typeof value === "string" ? value.slice(0, MAX_USERNAME_LENGTH).trim() : "";
}

export async function signIn(db: DB, input: SignInInput): Promise<SignInResult> {
  const rawUsername = typeof input.username === "string" ? input.username : "";
  const password = typeof input.password === "string" ? input.password : "";
  if (rawUsername.length > MAX_USERNAME_LENGTH) {
    return { ok: false, status: 400, error: `A username has at most ${MAX_USERNAME_LENGTH} characters.` };
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    return { ok: false, status: 400, error: `A password has at most ${MAX_PASSWORD_LENGTH.toLocaleString("en-US")} characters.` };
  }
  const username = rawUsername.trim();
  if (!username || !password) return { ok: false, status: 400, error: "Enter your username and password." };

  const source = { usernameHash: usernameHash(username), clientAddress: input.clientAddress };
  const wait = await signInWait(db, source);
  if (wait) {
    const error =
      wait.scope === "address"
        ? `Too many sign-in attempts from this address; try again in ${minutes(wait.seconds)}.`
        : `Too many failed sign-in attempts for this account from this address; try again in ${minutes(wait.seconds)}.`;
    return { ok: false, status: 429, error, retryAfter: wait.seconds };
  }

  const user = await findUserByUsername(db, username);
  const passwordMatches = await checkPassword(password, user?.password_hash ?? null);
  if (!user || user.active !== 1 || !passwordMatches) {
    await recordLoginFailure(db, source);
    return { ok: false, status: 401, error: WRONG_CREDENTIALS };
  }
  const token = await db.transaction().execute(async (trx) => {
    await clearLoginFailures(trx, source);
    return createSession(trx, { userId: user.id, clientAddress: input.clientAddress, userAgent: input.userAgent });
  });
  return { ok: true, userId: user.id, token };
}
