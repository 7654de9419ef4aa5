import type { Submission } from "@conform-to/react";
import { json, redirect } from "@remix-run/node";
import type { Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { getDb } from "../db.server";
import { writeOnce } from "../models/form-tokens.server";
import { FORM_TOKEN_FIELD, type FormReply } from "../components/forms";

/** Server half of the form kit (app/components/forms.tsx): the replies every action gives its forms. */

/** A form's refused input (400 unless said): the messages go next to the fields, the input is kept. */
export function formReply(formId: string, result: FormReply["result"], status = 400, extra: Partial<FormReply> = {}) {
  return json<FormReply>({ formId, result, ...extra }, { status });
}

/** A form's refusal with one message above its fields, or next to `field` when one is named. */
export function refusedReply(submission: Submission<unknown>, formId: string, message: string, field?: string, status = 400) {
  return formReply(formId, submission.reply(field ? { fieldErrors: { [field]: [message] } } : { formErrors: [message] }), status);
}

/**
 * The one answer to a stale version (409): who changed what since the form was loaded (from the
 * audit trail), the user's input kept, and the version to save over when they send it again.
 */
export function conflictReply(
  submission: Submission<unknown>,
  formId: string,
  conflict: { what: string; version: number; changes: string[] },
) {
  const { what, version, changes } = conflict;
  const message =
    `Someone else changed ${what} while you were editing (it is now at version ${version})` +
    `${changes.length ? `: ${changes.join("; ")}` : ""}. Your entries are kept: check them, then save again to apply yours.`;
  return formReply(formId, submission.reply({ formErrors: [message] }), 409, { conflict: changes, currentVersion: version });
}

/** `location` with `again=1`: the page the first sending went to, saying the form came twice. */
function again(location: string): string {
  const hash = location.indexOf("#");
  const [path, fragment] = hash < 0 ? [location, ""] : [location.slice(0, hash), location.slice(hash)];
  return `${path}${path.includes("?") ? "&" : "?"}again=1${fragment}`;
}

/**
 * A create form's write, once per one-time token (docs/decisions/015-form-tokens.md): `write`
 * runs in a transaction that spends the token; `next` is where its success redirects (303). The
 * same form sent again writes nothing and is sent to the first sending's page, with a note. A
 * refusal (`{ ok: false }` from the model) spends nothing and comes back as `refuse` answers it.
 */
export async function createOnce<R>(
  request: Request,
  formData: FormData,
  submission: Submission<unknown>,
  formId: string,
  write: (trx: Transaction<Database>) => Promise<R>,
  next: (value: R) => string | null,
  refuse: (value: R) => Response | Promise<Response>,
): Promise<Response> {
  const once = await writeOnce(getDb(), formData.get(FORM_TOKEN_FIELD), write, next);
  if (once.kind === "replay") {
    const url = new URL(request.url);
    return redirect(again(once.location ?? `${url.pathname}${url.search}`), { status: 303 });
  }
  if (once.kind === "expired") return refusedReply(submission, formId, once.message);
  const location = next(once.value);
  return location === null ? refuse(once.value) : redirect(location, { status: 303 });
}
