/**
 * The address Baseline is reached at, for absolute links that leave the browser (the calendar
 * feed and its link on the account page). Configured (PUBLIC_URL), never taken from the request:
 * the Host header is whatever the client typed (docs/decisions/012-form-limits.md).
 */

/** The origin of an http(s) URL such as "https://baseline.example.org", or null when it is not one. */
export function parsePublicUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) return null;
  return url.origin;
}

export const PUBLIC_URL_HELP = "PUBLIC_URL must be the http(s) address users reach Baseline at, without a path, e.g. https://baseline.example.org";

/**
 * PUBLIC_URL's origin; unset, http://localhost on the configured PORT (3000 by default), which is
 * right for the default HOST (127.0.0.1: only this machine can reach the server anyway).
 */
export function publicOrigin(env: Record<string, string | undefined> = process.env): string {
  const raw = env.PUBLIC_URL?.trim();
  if (raw) {
    const origin = parsePublicUrl(raw);
    if (!origin) throw new Error(PUBLIC_URL_HELP);
    return origin;
  }
  const port = Number(env.PORT);
  return `http://localhost:${Number.isInteger(port) && port > 0 && port <= 65535 ? port : 3000}`;
}
