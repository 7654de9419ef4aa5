import { getInputProps, type FieldMetadata, type SubmissionResult } from "@conform-to/react";
import { useActionData, useFetchers, useLocation, useNavigation, useSearchParams } from "@remix-run/react";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { ownEntry } from "~/domain/lookup";
import { MIN_PASSWORD_LENGTH } from "~/schemas/users";

/**
 * The form kit: what every page's forms share (docs/decisions/015-form-tokens.md). Server-side
 * helpers for the same replies are in app/http/forms.server.ts.
 *
 * - An action answers a form with a `FormReply` (its id, Conform's result, the other person's
 *   changes after a conflict); `useReply(formId)` picks the reply meant for one form.
 * - A create form carries a one-time token (`OnceField`) and is cleared once it was saved
 *   (`useResetAfterSave`): sending it twice writes once.
 * - A success message belongs to the action that produced it (`Notice`, `useDone`): it goes away
 *   as soon as another form is sent, whatever that form's answer.
 */

/** The hidden fields a create form sends: the one-time token, and which form it is. */
export const FORM_TOKEN_FIELD = "once";
export const FORM_ID_FIELD = "formId";

/** An action's answer to one form. */
export type FormReply = {
  formId: string;
  result: SubmissionResult<string[]>;
  /** After a conflict: the other person's changes, as the audit trail names them. */
  conflict?: string[];
  /** After a conflict: the version the record is at now. */
  currentVersion?: number | null;
};

/** Conform's field props without `key` (React refuses `key` inside a spread). */
export function props<T>(p: T & { key?: string }): Omit<T, "key"> {
  const { key: _key, ...rest } = p;
  return rest;
}

/** The message next to a field. */
export function Errors({ field }: { field: FieldMetadata<any, any, any> }) {
  return field.errors ? (
    <div id={field.errorId} className="field-error" role="alert">
      {field.errors.join(" ")}
    </div>
  ) : null;
}

/**
 * A password an administrator sets for an account (the first one, a reset): the length rule in the
 * label, and `new-password` so the browser offers to generate one rather than fill in its own.
 */
export function NewPasswordField({ field, label }: { field: FieldMetadata<string, any, any>; label: string }) {
  return (
    <div className="field">
      <label htmlFor={field.id}>
        {label} (at least {MIN_PASSWORD_LENGTH} characters)
      </label>
      <input {...getInputProps(field, { type: "password" })} autoComplete="new-password" />
      <span className="field-error" id={field.errorId}>
        {field.errors?.join(" ")}
      </span>
    </div>
  );
}

/** The form's own messages (a refusal, a conflict), above its fields. */
export function FormErrors({ errors, errorId }: { errors?: string[]; errorId: string }) {
  if (!errors) return null;
  return (
    <div className="notice error" role="alert" id={errorId}>
      {errors.join(" ")}
    </div>
  );
}

/** The action's reply, only for the form that was submitted. */
export function useReply<R extends { formId: string } = FormReply>(formId: string): R | undefined {
  const data = useActionData() as R | undefined;
  return data && typeof data === "object" && "formId" in data && data.formId === formId ? data : undefined;
}

/** A create form's hidden fields: its one-time token (from the loader) and its id. */
export function OnceField({ token, formId }: { token: string; formId: string }) {
  return (
    <>
      <input type="hidden" name={FORM_TOKEN_FIELD} value={token} />
      <input type="hidden" name={FORM_ID_FIELD} value={formId} />
    </>
  );
}

/**
 * Clears a create form after it was saved (the action redirected, so there is no reply for it):
 * what was typed must not be sent again by a second click. Without JavaScript the redirect shows
 * a fresh, empty form with a new token.
 */
export function useResetAfterSave(form: { id: string; reset: () => void }): void {
  const navigation = useNavigation();
  const reply = useReply(form.id);
  const sent = useRef(false);
  if (navigation.state === "submitting" && navigation.formData?.get(FORM_ID_FIELD) === form.id) sent.current = true;
  useEffect(() => {
    if (navigation.state !== "idle" || !sent.current) return;
    sent.current = false;
    if (!reply) form.reset();
  }, [navigation.state, reply, form]);
}

/**
 * True once another form was sent after this page was drawn: by a navigation (pending, or
 * answered with a reply that stays on this URL) or by a fetcher. A message from an earlier action
 * then no longer describes the latest one.
 */
export function useLaterAction(): boolean {
  const location = useLocation();
  const navigation = useNavigation();
  const reply = useActionData();
  const fetching = useFetchers().some((f) => f.state !== "idle" && f.formMethod !== undefined && f.formMethod.toUpperCase() !== "GET");
  const [staleAt, setStaleAt] = useState<string | null>(null);
  useEffect(() => {
    if (fetching) setStaleAt(location.key);
  }, [fetching, location.key]);
  return reply !== undefined || navigation.state === "submitting" || fetching || staleAt === location.key;
}

/** A confirmation of the latest action; gone as soon as another form is sent. */
export function Notice({ children }: { children: ReactNode }) {
  const later = useLaterAction();
  if (!children || later) return null;
  return (
    <p className="notice" role="status">
      {children}
    </p>
  );
}

/** Said when the same form came twice: the second sending wrote nothing. */
export const ALREADY_RECORDED = "This form was sent twice; it was recorded once.";

/**
 * The confirmation named by the `done` parameter a successful action redirects to (`messages`
 * maps its values to sentences), with a note when the answer is to a repeated form.
 */
export function useDone(messages: Record<string, string> | ((value: string) => string), param = "done"): string | null {
  const [params] = useSearchParams();
  const value = params.get(param);
  const message = value === null ? null : typeof messages === "function" ? messages(value) : (ownEntry(messages, value) ?? null);
  if (params.get("again") === "1") return message ? `${message} ${ALREADY_RECORDED}` : ALREADY_RECORDED;
  return message;
}
