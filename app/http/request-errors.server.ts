/**
 * A form body that cannot be read — a cut-off or mis-bounded multipart upload, JSON or plain text
 * posted to a form — is the client's fault: answer 400 with a plain sentence, not a 500 (issue #10).
 * Wrapped around every action by withFriendlyErrorPages (app/http/storage-errors.server.ts).
 */
export const UNREADABLE_FORM_MESSAGE = "The form could not be read (the request was damaged or did not come from a Baseline page). Nothing was saved.";

type HandlerArgs = { request: Request; context: unknown; params: unknown };

function unreadable(): Response {
  return new Response(UNREADABLE_FORM_MESSAGE, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

/** Errors of Remix's streaming multipart parser (unstable_parseMultipartFormData) all start so. */
function isMalformedMultipart(error: unknown): boolean {
  return error instanceof Error && /^malformed (multipart|content-disposition)/.test(error.message);
}

export function guardUnreadableForms<R>(fn: (args: HandlerArgs) => R): (args: HandlerArgs) => Promise<Awaited<R>> {
  return async (args: HandlerArgs): Promise<Awaited<R>> => {
    const request = args.request;
    const formData = request.formData.bind(request);
    // fetch's formData() rejects with a TypeError for a body it cannot parse or a content type it does not know.
    Object.defineProperty(request, "formData", {
      configurable: true,
      value: async () => {
        try {
          return await formData();
        } catch (error) {
          if (error instanceof TypeError) throw unreadable();
          throw error;
        }
      },
    });
    try {
      return await fn(args);
    } catch (error) {
      if (isMalformedMultipart(error)) throw unreadable();
      throw error;
    }
  };
}
