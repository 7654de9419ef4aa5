import { randomBytes } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema";

/**
 * One-time form tokens (docs/decisions/015-form-tokens.md). The page puts a fresh token in each
 * create form; the write spends it in the same transaction, so the same form sent twice (a double
 * click, a resent POST) writes once and the second answer says "already recorded". Tokens are
 * issued without a database write: a token is its issue time and random bytes, and only spent
 * tokens are stored, until the token expires.
 */

/** The hidden field that carries the token. */
export const FORM_TOKEN_FIELD = "once";

/** How long a form stays good; a spent token is kept as long, so a replay in that time is caught. */
export const FORM_TOKEN_DAYS = 7;
const LIFETIME_MS = FORM_TOKEN_DAYS * 24 * 60 * 60 * 1000;
// A token issued by a server whose clock runs a little ahead is still good.
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export function newFormToken(nowMs = Date.now()): string {
  return `${nowMs.toString(36)}.${randomBytes(12).toString("base64url")}`;
}

function issuedAt(token: string): number | null {
  const m = /^([0-9a-z]{1,12})\.[A-Za-z0-9_-]{16}$/.exec(token);
  return m ? parseInt(m[1], 36) : null;
}

export const EXPIRED_FORM_MESSAGE = `This form is more than ${FORM_TOKEN_DAYS} days old or was not issued by this site. Your entries are kept: reload the page and send them again.`;

export type Once<R> = { kind: "done"; value: R } | { kind: "replay"; location: string | null } | { kind: "expired"; message: string };

class Stop {
  constructor(public outcome: Once<never> | { kind: "refused"; value: unknown }) {}
}

/** A model's refusal ({ ok: false, ... }): nothing is written, so the token stays unspent. */
function refused(value: unknown): boolean {
  return typeof value === "object" && value !== null && "ok" in value && (value as { ok: unknown }).ok === false;
}

/**
 * Runs the write `fn` once per token: spends `token` and writes in one transaction. A token already
 * spent answers "replay" (with where the first submission was sent) and writes nothing; a refusal
 * from `fn` rolls the token back with the write, so the user can correct the form and send it
 * again. `locate` names the page the success goes to, kept for the replay's answer. A form sent
 * without a token (scripts, older pages) is written as before.
 */
export async function writeOnce<R>(
  db: Kysely<Database>,
  token: FormDataEntryValue | null | undefined,
  fn: (trx: Transaction<Database>) => Promise<R>,
  locate?: (value: R) => string | null,
  nowMs = Date.now(),
): Promise<Once<R>> {
  const t = typeof token === "string" && token !== "" ? token : null;
  try {
    const value = await db.transaction().execute(async (trx) => {
      if (t !== null) await spend(trx, t, nowMs);
      const v = await fn(trx);
      if (refused(v)) throw new Stop({ kind: "refused", value: v });
      const location = locate?.(v) ?? null;
      if (t !== null && location !== null) await trx.updateTable("form_tokens").set({ location }).where("token", "=", t).execute();
      return v;
    });
    return { kind: "done", value };
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    if (e.outcome.kind === "refused") return { kind: "done", value: e.outcome.value as R };
    return e.outcome;
  }
}

async function spend(trx: Transaction<Database>, token: string, nowMs: number): Promise<void> {
  const issued = issuedAt(token);
  if (issued === null || issued > nowMs + CLOCK_SKEW_MS || issued + LIFETIME_MS < nowMs) {
    throw new Stop({ kind: "expired", message: EXPIRED_FORM_MESSAGE });
  }
  // Expired rows go first: their tokens are refused above, so the table stays one lifetime long.
  await trx.deleteFrom("form_tokens").where("expires_at", "<", new Date(nowMs).toISOString()).execute();
  const inserted = await trx
    .insertInto("form_tokens")
    .values({ token, expires_at: new Date(issued + LIFETIME_MS).toISOString(), location: null })
    .onConflict((oc) => oc.column("token").doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
    const row = await trx.selectFrom("form_tokens").select("location").where("token", "=", token).executeTakeFirst();
    throw new Stop({ kind: "replay", location: row?.location ?? null });
  }
}
