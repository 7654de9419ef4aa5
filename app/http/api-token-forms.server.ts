import { json, redirect } from "@remix-run/node";
import type { Q } from "../../db/schema";
import { createApiToken, listApiTokens, revokeApiToken } from "../models/api-tokens.server";

/**
 * The `token-create` and `token-revoke` intents of the pages that show ApiTokensPanel: the account page
 * (a user's own tokens) and an administrator's user page. The caller has checked who may manage
 * `subjectId`'s tokens. The new token is in this answer only, never in a URL or the database.
 */
export async function tokenIntent(db: Q, form: FormData, who: { subjectId: number; actorId: number; back: string }): Promise<Response | null> {
  const intent = form.get("intent");
  if (intent === "token-create") {
    const name = String(form.get("name") ?? "");
    const created = await createApiToken(db, { userId: who.subjectId, name, expiresOn: String(form.get("expires") ?? "").trim() || undefined, actorId: who.actorId });
    if (!created.ok) return json({ tokenError: created.error }, { status: 400 });
    return json({ created: { token: created.token, name: name.trim(), expiresAt: created.expiresAt } });
  }
  if (intent === "token-revoke") {
    const id = Number(form.get("token"));
    // A token already revoked (a second click) is not an error; another user's is not found.
    if (Number.isSafeInteger(id) && id > 0) await revokeApiToken(db, { id, actorId: who.actorId, ownerId: who.subjectId });
    return redirect(`${who.back}?done=token-revoked#api-tokens`, { status: 303 });
  }
  return null;
}

/** The panel's rows for a user. */
export async function tokenRows(db: Q, userId: number) {
  return (await listApiTokens(db, { userId })).map((t) => ({ id: t.id, name: t.name, createdAt: t.createdAt, expiresAt: t.expiresAt, lastUsedAt: t.lastUsedAt, revokedAt: t.revokedAt }));
}

export const TOKEN_REVOKED = "The API token was revoked: it stops working at once.";
