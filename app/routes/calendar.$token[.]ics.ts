import type { LoaderFunctionArgs } from "@remix-run/node";
import { notFound } from "~/auth/guard.server";
import { getDb } from "~/db.server";
import { publicOrigin } from "~/http/public-url.server";
import { calendarFeed } from "~/models/calendar-feed.server";

/**
 * /calendar/<token>.ics — the personal deadline feed. Public by token, deliberately without
 * requireUser: calendar apps cannot sign in, so the secret link is the credential. An unknown or
 * revoked token answers 404, the same as a page that does not exist.
 */
export async function loader({ params }: LoaderFunctionArgs) {
  // Links use the configured address, never the request's Host header (app/http/public-url.server.ts).
  const body = await calendarFeed(getDb(), params.token ?? "", { origin: publicOrigin() });
  if (body === null) throw notFound("No such calendar");
  return new Response(body, {
    headers: {
      "Content-Type": "text/calendar; charset=utf-8",
      "Content-Disposition": 'inline; filename="baseline-deadlines.ics"',
      "Cache-Control": "private, max-age=300",
      "X-Robots-Tag": "noindex",
    },
  });
}
