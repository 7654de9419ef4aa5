/**
 * Who an API request is (docs/decisions/023-api-tokens.md): `Authorization: Bearer <token>` only.
 * Cookies are never read, so a page on another site cannot make a browser call the API with its
 * session (no CSRF surface). A bad token counts as a failed sign-in from the client's address, in
 * the sign-in throttle's table (app/models/login-throttle.server.ts): the same limits hold back a
 * client guessing tokens as one guessing passwords.
 */
import { getDb } from "../db.server";
import type { Principal } from "../domain/permissions";
import { ApiError } from "../http/api/core.server";
import { findApiToken } from "../models/api-tokens.server";
import { recordLoginFailure, signInWait } from "../models/login-throttle.server";
import { getPrincipal } from "../models/users.server";
import { UNKNOWN_ADDRESS } from "./client-address.server";
import { usernameHash } from "./sign-in.server";

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="baseline"' };

/** The throttle's account key for token failures: one "account" for every bad token from an address. */
const TOKEN_ACCOUNT = "\u0000api-token";

export async function apiPrincipal(request: Request, context: { clientAddress?: unknown } = {}): Promise<Principal> {
  const db = getDb();
  const source = {
    usernameHash: usernameHash(TOKEN_ACCOUNT),
    clientAddress: typeof context.clientAddress === "string" ? context.clientAddress : UNKNOWN_ADDRESS,
  };
  const wait = await signInWait(db, source);
  if (wait) {
    throw new ApiError(429, "Too many failed attempts", `Too many bad tokens or passwords from this address; try again in ${wait.seconds} seconds.`, {}, {
      "Retry-After": String(wait.seconds),
    });
  }
  const header = request.headers.get("Authorization") ?? "";
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new ApiError(401, "Unauthorized", "Send an API token as `Authorization: Bearer <token>`.", {}, CHALLENGE);
  const token = await findApiToken(db, m[1]);
  const user = token ? await getPrincipal(db, token.userId) : null;
  if (!token || !user) {
    await recordLoginFailure(db, source);
    throw new ApiError(401, "Unauthorized", "The token is unknown, expired or revoked, or its user is deactivated.", {}, { ...CHALLENGE, "WWW-Authenticate": `${CHALLENGE["WWW-Authenticate"]}, error="invalid_token"` });
  }
  return { ...user, tokenId: token.id };
}
