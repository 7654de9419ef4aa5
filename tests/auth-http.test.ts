/**
 * HTTP-level protections: the Origin check and the security headers, as functions and
 * through the real Express app from server.ts (createApp) in front of a two-route stand-in build.
 */
import type { ServerBuild } from "@remix-run/node";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCrossSiteWrite, securityHeaders } from "~/http/security.server";
import { createApp } from "../server";

describe("Origin check (CSRF)", () => {
  const host = "baseline.example.gov";

  it("refuses a POST whose Origin is another site", () => {
    expect(isCrossSiteWrite("POST", { origin: "https://evil.example", host })).toBe(true);
    expect(isCrossSiteWrite("DELETE", { origin: "https://evil.example", host })).toBe(true);
    // Same host name, different port: another origin.
    expect(isCrossSiteWrite("POST", { origin: "https://baseline.example.gov:8443", host })).toBe(true);
  });

  it("falls back to Referer when Origin is missing, and refuses the opaque origin 'null'", () => {
    expect(isCrossSiteWrite("POST", { referer: "https://evil.example/page", host })).toBe(true);
    expect(isCrossSiteWrite("POST", { origin: "null", host })).toBe(true);
    expect(isCrossSiteWrite("POST", { origin: "not a url", host })).toBe(true);
  });

  it("allows same-origin writes and writes with neither header (non-browser clients)", () => {
    expect(isCrossSiteWrite("POST", { origin: "https://baseline.example.gov", host })).toBe(false);
    expect(isCrossSiteWrite("POST", { referer: "https://baseline.example.gov/awards/X", host })).toBe(false);
    expect(isCrossSiteWrite("POST", { host })).toBe(false);
  });

  it("allows GET, HEAD and OPTIONS from anywhere (they change nothing)", () => {
    for (const method of ["GET", "HEAD", "OPTIONS", "get"]) expect(isCrossSiteWrite(method, { origin: "https://evil.example", host })).toBe(false);
  });
});

describe("security headers", () => {
  const h = securityHeaders("n0nce");

  it("sends a Content-Security-Policy that forbids framing and inline scripts without the nonce", () => {
    const csp = h["Content-Security-Policy"];
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self' 'nonce-n0nce'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it("sends nosniff and a Referrer-Policy", () => {
    expect(h["X-Content-Type-Options"]).toBe("nosniff");
    expect(h["Referrer-Policy"]).toBe("strict-origin-when-cross-origin");
  });
});

describe("through the Express app", () => {
  let server: Server;
  let base: string;
  const reached: string[] = [];

  /** A stand-in for the Remix build: one resource route (/ping) answering GET and POST. */
  const build = {
    mode: "production",
    entry: { module: { default: () => new Response("document requests are not used here", { status: 500 }) } },
    routes: {
      root: { id: "root", path: "", module: { default: () => null } },
      "routes/ping": {
        id: "routes/ping",
        parentId: "root",
        path: "ping",
        module: {
          loader: () => {
            reached.push("GET");
            return new Response("pong");
          },
          action: () => {
            reached.push("POST");
            return new Response("written");
          },
        },
      },
      // Echoes the client address server.ts puts in the load context.
      "routes/whoami": {
        id: "routes/whoami",
        parentId: "root",
        path: "whoami",
        module: { loader: ({ context }: { context: { clientAddress?: string } }) => new Response(String(context.clientAddress)) },
      },
    },
    assets: { entry: { imports: [], module: "" }, routes: {}, url: "", version: "test" },
    publicPath: "/build/",
    assetsBuildDirectory: "public/build",
    future: {},
    isSpaMode: false,
  } as unknown as ServerBuild;

  beforeAll(async () => {
    const app = createApp(build);
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("answers a cross-site POST with 403 before it reaches the route, with the security headers", async () => {
    reached.length = 0;
    const res = await fetch(`${base}/ping`, { method: "POST", headers: { Origin: "https://evil.example" }, body: "x=1" });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe("Cross-site request refused.");
    expect(reached).toEqual([]);
    expect(res.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("lets a same-origin POST and a GET with a foreign Origin through, each with a fresh script nonce", async () => {
    reached.length = 0;
    const post = await fetch(`${base}/ping`, { method: "POST", headers: { Origin: base, "Content-Type": "application/x-www-form-urlencoded" }, body: "x=1" });
    expect(post.status).toBe(200);
    expect(await post.text()).toBe("written");
    const get = await fetch(`${base}/ping`, { headers: { Origin: "https://evil.example" } });
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("pong");
    expect(reached).toEqual(["POST", "GET"]);

    for (const res of [post, get]) {
      expect(res.headers.get("Referrer-Policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(res.headers.get("X-Powered-By")).toBeNull();
    }
    const nonce = (res: Response) => /'nonce-([^']+)'/.exec(res.headers.get("Content-Security-Policy") ?? "")?.[1];
    expect(nonce(post)).toBeTruthy();
    expect(nonce(post)).not.toBe(nonce(get));
  });

  it("gives routes the socket's address as the client address; X-Forwarded-For counts only with TRUST_PROXY", async () => {
    const whoami = async () => (await fetch(`${base}/whoami`, { headers: { "X-Forwarded-For": "203.0.113.5, 198.51.100.9" } })).text();
    expect(await whoami()).toBe("127.0.0.1");
    process.env.TRUST_PROXY = "true";
    try {
      expect(await whoami()).toBe("198.51.100.9");
    } finally {
      delete process.env.TRUST_PROXY;
    }
    expect(await whoami()).toBe("127.0.0.1");
  });

  it("refuses a form body over 1 MB with 413", async () => {
    const res = await fetch(`${base}/ping`, { method: "POST", headers: { Origin: base }, body: "x".repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
  });
});

describe("Secure session cookies", async () => {
  const { secureCookies } = await import("~/auth/session.server");
  it("are Secure in production when the server listens beyond loopback, and not on the loopback default", () => {
    expect(secureCookies({ NODE_ENV: "production", HOST: "0.0.0.0" })).toBe(true);
    expect(secureCookies({ NODE_ENV: "production" })).toBe(false);
    expect(secureCookies({ NODE_ENV: "production", HOST: "localhost" })).toBe(false);
    expect(secureCookies({ NODE_ENV: "development", HOST: "0.0.0.0" })).toBe(false);
    expect(secureCookies({ NODE_ENV: "production", HOST: "127.0.0.1", COOKIE_SECURE: "true" })).toBe(true);
  });
});
