/**
 * HTTP-level protections, used by server.ts and tested on their own.
 */
import { PROBLEM_TYPE_BASE, TYPE_OF } from "./api/core.server";

/** Request body limits: forms 1 MB, uploads 50 MB. */
export const FORM_BODY_LIMIT = 1024 * 1024;
export const UPLOAD_BODY_LIMIT = 50 * 1024 * 1024;

/** Paths that accept file uploads (the larger limit): the import page and the API's imports. */
export function isUploadPath(pathname: string): boolean {
  return pathname === "/import" || pathname.startsWith("/import/") || pathname === "/api/v1/imports";
}

/** What server.ts answers when it refuses a request itself: text for pages, application/problem+json for the API. */
export function refusal(pathname: string, status: number, message: string): { type: string; body: string } {
  if (!pathname.startsWith("/api/")) return { type: "text/plain", body: message };
  return { type: "application/problem+json", body: `${JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${TYPE_OF[status] ?? "error"}`, title: message, status })}\n` };
}

export function bodyLimitFor(pathname: string): number {
  return isUploadPath(pathname) ? UPLOAD_BODY_LIMIT : FORM_BODY_LIMIT;
}

export function securityHeaders(nonce: string, options: { dev?: boolean } = {}): Record<string, string> {
  const connect = options.dev ? "'self' ws: http://localhost:* http://127.0.0.1:*" : "'self'";
  return {
    "Content-Security-Policy": [
      "default-src 'self'",
      `script-src 'self' 'nonce-${nonce}'`,
      // recharts positions SVG parts with inline style attributes.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src ${connect}`,
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; "),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF: a non-GET request whose Origin (or, lacking it, Referer) names another site is refused.
 * Requests with neither header (curl, the CLI's own HTTP tests) carry no browser credentials
 * from a third-party page and are let through; SameSite=Lax cookies cover the rest.
 */
export function isCrossSiteWrite(method: string, headers: { origin?: string | null; referer?: string | null; host?: string | null }): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return false;
  const source = headers.origin ?? headers.referer;
  if (!source) return false;
  if (source === "null") return true;
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return true;
  }
  return url.host !== headers.host;
}
