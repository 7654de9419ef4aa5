/**
 * A form body that cannot be read — a cut-off or mis-bounded multipart upload, JSON or plain text
 * posted to a form — is the client's fault: answer 400 with a plain sentence, not a 500.
 * A body over a limit of app/http/form-limits.server.ts gets that limit's 400 or 413. Wrapped
 * around every action by withFriendlyErrorPages (app/http/storage-errors.server.ts), so no route
 * reads a form any other way.
 */
import { checkFormEnvelope, FormBodyMeter, formBodyLimit, type FormLimitError, formFieldsProblem, isMultipart, multipartBoundary } from "./form-limits.server";

export const UNREADABLE_FORM_MESSAGE = "The form could not be read (the request was damaged or did not come from a Baseline page). Nothing was saved.";

type HandlerArgs = { request: Request; context: unknown; params: unknown };

function unreadable(): Response {
  return new Response(UNREADABLE_FORM_MESSAGE, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

/** Errors of Remix's streaming multipart parser (unstable_parseMultipartFormData) all start so. */
function isMalformedMultipart(error: unknown): boolean {
  return error instanceof Error && /^malformed (multipart|content-disposition)/.test(error.message);
}

/**
 * The request an action sees: its body metered by FormBodyMeter as it streams (whoever reads it:
 * request.formData() or Remix's multipart parser), and a formData() that checks the fields it
 * returns. `violation` holds the limit the body broke, if any.
 */
function guardedRequest(request: Request): { request: Request; violation: () => FormLimitError | null } {
  const contentType = request.headers.get("Content-Type") ?? "";
  const meter = new FormBodyMeter(formBodyLimit(new URL(request.url).pathname, contentType), isMultipart(contentType) ? multipartBoundary(contentType) : null);
  let violation: FormLimitError | null = null;
  let guarded = request;
  if (request.body) {
    const source = request.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await source.read();
        if (done) return controller.close();
        try {
          meter.feed(value);
        } catch (error) {
          violation = error as FormLimitError;
          controller.error(error);
          // Read the rest (no more than server.ts let in) so the client gets the answer instead of a reset connection.
          void (async () => {
            while (!(await source.read()).done);
          })().catch(() => {});
          return;
        }
        controller.enqueue(value);
      },
      cancel: (reason) => source.cancel(reason),
    });
    guarded = new Request(request.url, { method: request.method, headers: request.headers, body, signal: request.signal, duplex: "half" } as RequestInit);
  }
  const formData = guarded.formData.bind(guarded);
  Object.defineProperty(guarded, "formData", {
    configurable: true,
    value: async () => {
      let form: FormData;
      try {
        form = await formData();
      } catch (error) {
        if (violation) throw violation.response();
        // fetch's formData() rejects with a TypeError for a body it cannot parse or a content type it does not know.
        if (error instanceof TypeError) throw unreadable();
        throw error;
      }
      const problem = formFieldsProblem(form);
      if (problem) throw problem.response();
      return form;
    },
  });
  return { request: guarded, violation: () => violation };
}

export function guardUnreadableForms<R>(fn: (args: HandlerArgs) => R): (args: HandlerArgs) => Promise<Awaited<R>> {
  return async (args: HandlerArgs): Promise<Awaited<R>> => {
    const refused = checkFormEnvelope(args.request.headers.get("Content-Type") ?? "");
    if (refused) throw refused.response();
    const { request, violation } = guardedRequest(args.request);
    try {
      return await fn({ ...args, request });
    } catch (error) {
      const broken = violation();
      if (broken && !(error instanceof Response)) throw broken.response();
      if (isMalformedMultipart(error)) throw unreadable();
      throw error;
    }
  };
}

