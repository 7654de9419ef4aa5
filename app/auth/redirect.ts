/**
 * Where a user-given target may send the browser (docs/decisions/011-sessions-and-sign-in.md). Pure.
 *
 * Only a path on this site: it starts with one "/", and neither it nor its percent-decoded forms
 * hold a backslash, a control character (browsers drop tab, CR and LF from URLs, so "/\t/evil.host"
 * becomes "//evil.host") or a second leading slash. Anything else, or anything that does not
 * parse, gives `fallback`. The answer is the URL parser's own serialisation (ASCII only), so it is
 * always a valid Location header.
 */

/** Longer targets are not paths a page of this site links to. */
export const MAX_REDIRECT_LENGTH = 2048;

// C0 controls, DEL, C1 controls, and the line/paragraph separators a header cannot hold.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\\]/;
const BASE = "http://baseline.invalid";

/** `to` percent-decoded until it no longer changes (at most a few rounds), or null when it is not valid encoding. */
function decodedForms(to: string): string[] | null {
  const forms = [to];
  let current = to;
  for (let round = 0; round < 3; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) return forms;
    forms.push(next);
    current = next;
  }
  // Still changing after three rounds: nobody links like that.
  return null;
}

export function safeRedirect(to: unknown, fallback = "/dashboard"): string {
  if (typeof to !== "string" || to.length === 0 || to.length > MAX_REDIRECT_LENGTH) return fallback;
  const forms = decodedForms(to);
  if (!forms) return fallback;
  for (const form of forms) {
    if (!form.startsWith("/") || form.startsWith("//") || UNSAFE.test(form)) return fallback;
  }
  let url: URL;
  try {
    url = new URL(to, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  const path = url.pathname + url.search + url.hash;
  return path.startsWith("/") && !path.startsWith("//") ? path : fallback;
}
