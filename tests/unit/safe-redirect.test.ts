/** Same-origin redirect targets (app/auth/redirect.ts, docs/decisions/011-sessions-and-sign-in.md). */
import { describe, expect, it } from "vitest";
import { clientAddress, trustedProxyHops, userAgentSummary } from "~/auth/client-address.server";
import { MAX_REDIRECT_LENGTH, safeRedirect } from "~/auth/redirect";

describe("safeRedirect", () => {
  it.each([
    ["/awards", "/awards"],
    ["/awards/EMW-2024-SS-00001?tab=lines#spending", "/awards/EMW-2024-SS-00001?tab=lines#spending"],
    ["/centers/VA/plan/2026", "/centers/VA/plan/2026"],
    ["/awards?q=caf\u00e9", "/awards?q=caf%C3%A9"],
    ["/awards?q=a%20b", "/awards?q=a%20b"],
  ])("keeps the path %j on this site", (to, expected) => {
    expect(safeRedirect(to)).toBe(expected);
  });

  it.each([
    "//other.host/",
    "///other.host/",
    "/\\other.host",
    "\\\\other.host",
    "/\t/other.host/",
    "/%09/other.host/",
    "/%2509/other.host/",
    "/\n/other.host",
    "/\r/other.host",
    "/%0A/other.host",
    "/%0d%0aSet-Cookie:x",
    "/\u0000",
    "/%00",
    "/\u007f",
    "/\u0085",
    "/a\u2028b",
    "/%2F/other.host",
    "/%2f%2fother.host",
    "/%5Cother.host",
    "/%255Cother.host",
    "https://other.host/",
    "javascript:alert(1)",
    "other.host",
    "",
    " /awards",
    "/%E0%A4%A",
    "/" + "a".repeat(MAX_REDIRECT_LENGTH),
  ])("sends %j to the fallback", (to) => {
    expect(safeRedirect(to)).toBe("/dashboard");
    expect(safeRedirect(to, "/account")).toBe("/account");
  });

  it("answers the fallback for anything that is not a string", () => {
    for (const to of [null, undefined, 42, {}, ["/awards"]]) expect(safeRedirect(to)).toBe("/dashboard");
  });

  it("never answers a value a Location header cannot hold", () => {
    for (let code = 0; code < 0x3000; code += 7) {
      const out = safeRedirect(`/x${String.fromCharCode(code)}y`);
      expect(() => new Headers({ Location: out })).not.toThrow();
      expect(out).toMatch(/^\/[\x21-\x7e]*$/);
    }
  });
});

describe("client address", () => {
  it("is the socket's address, X-Forwarded-For ignored unless TRUST_PROXY is on", () => {
    expect(clientAddress("::ffff:192.0.2.7", "198.51.100.1", 0)).toBe("192.0.2.7");
    expect(clientAddress("2001:DB8::1", undefined, 0)).toBe("2001:db8::1");
    expect(clientAddress(undefined, undefined, 0)).toBe("unknown");
  });

  it("with TRUST_PROXY, is the entry the nearest trusted proxy added (the client may write the others)", () => {
    expect(clientAddress("10.0.0.2", "203.0.113.9, 198.51.100.1", 1)).toBe("198.51.100.1");
    expect(clientAddress("10.0.0.2", "203.0.113.9, 198.51.100.1, 10.0.0.5", 2)).toBe("198.51.100.1");
    expect(clientAddress("10.0.0.2", "not-an-address", 1)).toBe("unknown");
    expect(clientAddress("10.0.0.2", "x".repeat(10_000), 1)).toBe("unknown");
    expect(trustedProxyHops({ TRUST_PROXY: "true" })).toBe(1);
    expect(trustedProxyHops({ TRUST_PROXY: "2" })).toBe(2);
    expect(trustedProxyHops({})).toBe(0);
    expect(trustedProxyHops({ TRUST_PROXY: "false" })).toBe(0);
  });

  it("summarises a user agent in a few bounded words", () => {
    expect(userAgentSummary("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15")).toBe("Safari on macOS");
    expect(userAgentSummary("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")).toBe("Chrome on Linux");
    expect(userAgentSummary("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0")).toBe("Edge on Windows");
    expect(userAgentSummary("z".repeat(100_000)).length).toBeLessThanOrEqual(80);
    expect(userAgentSummary(null)).toBe("");
  });
});
