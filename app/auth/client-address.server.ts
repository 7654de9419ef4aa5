import { isIP } from "node:net";

/**
 * The address a request came from, for sign-in throttling and the sessions list
 * (docs/decisions/011-sessions-and-sign-in.md).
 *
 * The socket's address, unless TRUST_PROXY says the server sits behind reverse proxies: then the
 * address the nearest trusted proxy saw, i.e. the TRUST_PROXY-th entry from the right of
 * X-Forwarded-For (entries further left are whatever the client wrote). Without TRUST_PROXY the
 * header is ignored, since any client can send it. Anything that is not an IP address reads "unknown".
 */
export const UNKNOWN_ADDRESS = "unknown";

/** TRUST_PROXY: unset/"false"/"0" = no proxy; "true" = one proxy; a number = that many proxies. */
export function trustedProxyHops(env: Record<string, string | undefined> = process.env): number {
  const value = (env.TRUST_PROXY ?? "").trim().toLowerCase();
  if (value === "true" || value === "yes" || value === "on") return 1;
  const hops = Number(value);
  return Number.isInteger(hops) && hops > 0 && hops <= 10 ? hops : 0;
}

function normalise(address: string | undefined | null): string {
  let a = (address ?? "").trim();
  // IPv4 clients of a dual-stack socket appear as ::ffff:1.2.3.4.
  if (a.toLowerCase().startsWith("::ffff:") && isIP(a.slice(7)) === 4) a = a.slice(7);
  return isIP(a) ? a.toLowerCase() : UNKNOWN_ADDRESS;
}

export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, hops = trustedProxyHops()): string {
  if (hops === 0 || forwardedFor === undefined) return normalise(socketAddress);
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor).split(",").map((s) => s.trim());
  const entry = entries[entries.length - hops];
  return normalise(entry ?? entries[0]);
}

/** The address server.ts put in the load context; "unknown" when called without one (tests, CLI). */
export function clientAddressOf(context: unknown): string {
  const address = (context as { clientAddress?: unknown } | undefined)?.clientAddress;
  return typeof address === "string" && address.length <= 64 ? address : UNKNOWN_ADDRESS;
}

/** "Firefox on Windows": enough to recognise one's own browsers in the sessions list, and bounded. */
export function userAgentSummary(userAgent: string | null | undefined): string {
  const ua = (userAgent ?? "").slice(0, 512);
  if (!ua) return "";
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /OPR\/|Opera/.test(ua)
      ? "Opera"
      : /Firefox\//.test(ua)
        ? "Firefox"
        : /Chrome\/|Chromium\/|CriOS\//.test(ua)
          ? "Chrome"
          : /Safari\//.test(ua)
            ? "Safari"
            : /curl\//i.test(ua)
              ? "curl"
              : "";
  const system = /iPhone|iPad|iPod/.test(ua)
    ? "iOS"
    : /Android/.test(ua)
      ? "Android"
      : /Windows/.test(ua)
        ? "Windows"
        : /Mac OS X|Macintosh/.test(ua)
          ? "macOS"
          : /CrOS/.test(ua)
            ? "ChromeOS"
            : /Linux/.test(ua)
              ? "Linux"
              : "";
  if (browser && system) return `${browser} on ${system}`;
  return (browser || system || ua.replace(/[^\x20-\x7e]/g, "").slice(0, 60)).slice(0, 80);
}
