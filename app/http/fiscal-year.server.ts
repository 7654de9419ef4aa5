import { legacyYearLocation, readFiscalYearParam } from "~/domain/fiscal-year";

/**
 * The `fy` of a request (app/domain/fiscal-year.ts): a link that still says `year=` is redirected
 * to `fy=` (301), a value that is not a fiscal year is refused with 400 and a message.
 */
export function fiscalYearOf(request: Request, opts: { allowAll?: boolean } = {}): number | "all" | undefined {
  const url = new URL(request.url);
  const moved = legacyYearLocation(url);
  if (moved) throw new Response(null, { status: 301, headers: { Location: moved } });
  const parsed = readFiscalYearParam(url.searchParams, opts);
  if (!parsed.ok) throw new Response(parsed.message, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  return parsed.fiscalYear;
}

/** fiscalYearOf for pages without an "all years" choice. */
export function oneFiscalYearOf(request: Request): number | undefined {
  const fy = fiscalYearOf(request);
  return fy === "all" ? undefined : fy;
}
