import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoDatabase, ensureBuild, FAULT_HOOK, login, setFault, startServer, tempDir, type ServerHandle } from "./harness";

/**
 * The production server over real HTTP: unknown pages are 404s, oversized bodies are
 * refused with 413 before they are read, and a server error shows a friendly page with the
 * request's reference id and no stack trace.
 */

let dir: string;
let server: ServerHandle;
let faultFile: string;
let admin: string;

beforeAll(async () => {
  ensureBuild();
  dir = tempDir();
  const db = await demoDatabase(path.join(dir, "baseline.sqlite"));
  faultFile = path.join(dir, "fault");
  server = await startServer({ databaseFile: db, preload: [FAULT_HOOK], env: { BASELINE_FAULT_FILE: faultFile } });
  admin = await login(server.url, "demo-admin");
}, 120_000);

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A raw request whose Content-Length is announced but whose body is never sent in full. */
function announce(url: string, pathname: string, length: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request(
      { host: u.hostname, port: u.port, path: pathname, method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(length) } },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
        req.destroy();
      },
    );
    req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(e)));
    req.write("a=1");
  });
}

describe("production server over HTTP", () => {
  it("answers an unknown page with a 404 page", async () => {
    const res = await fetch(`${server.url}/no/such/page`, { headers: { cookie: admin } });
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain("Page not found");
    expect(html).toContain('href="/"');
  });

  it("refuses a form body over 1 MB with 413", async () => {
    const body = new URLSearchParams({ username: "demo-admin", password: "x".repeat(1024 * 1024 + 10) });
    const res = await fetch(`${server.url}/login`, { method: "POST", body });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe("The request is too large.");
  });

  it("answers 413 from the announced length alone, before reading the body", async () => {
    const r = await announce(server.url, "/login", 1024 * 1024 + 1);
    expect(r.status).toBe(413);
  });

  it("allows uploads up to 50 MB on /import and refuses more", async () => {
    expect((await announce(server.url, "/import", 2 * 1024 * 1024)).status).not.toBe(413);
    expect((await announce(server.url, "/import", 50 * 1024 * 1024 + 1)).status).toBe(413);
  });

  it("refuses a chunked body (no length to check) with 411", async () => {
    const u = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path: "/login", method: "POST", headers: { "Transfer-Encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      req.write("username=demo-admin&password=");
      req.write("x".repeat(64 * 1024));
      req.end();
    });
    expect(status).toBe(411);
  });

  it("answers a cut-off multipart form with 400 and a plain sentence, not a server error", async () => {
    const res = await fetch(`${server.url}/login`, {
      method: "POST",
      headers: { "Content-Type": "multipart/form-data; boundary=X" },
      body: '--X\r\nContent-Disposition: form-data; name="username"\r\n\r\ndemo-admin',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("The form could not be read");
  });

  it("shows a server error as a friendly page with the reference id and no stack trace", async () => {
    await setFault(faultFile, "fail-table:frameworks");
    try {
      const res = await fetch(`${server.url}/capabilities`, { headers: { cookie: admin } });
      expect(res.status).toBe(500);
      const reference = res.headers.get("x-request-id")!;
      expect(reference).toMatch(/^[0-9a-f]{8}$/);
      const html = await res.text();
      expect(html).toContain("Something went wrong");
      expect(html).toContain(`Reference: <code>${reference}</code>`);
      for (const leak of ["injected fault", "    at ", "node_modules", ".server.ts", "Error:", "SqliteError"]) expect(html).not.toContain(leak);
      // The administrator finds the details in the server log under the same reference.
      await new Promise((r) => setTimeout(r, 100));
      expect(server.output()).toContain(`[${reference}]`);
      expect(server.output()).toContain("injected fault");
    } finally {
      await setFault(faultFile, "");
    }
    expect((await fetch(`${server.url}/capabilities`, { headers: { cookie: admin } })).status).toBe(200);
  });

  it("a write on a read-only database gets a clear \"nothing was saved\" page while reads keep working", async () => {
    await setFault(faultFile, "readonly");
    try {
      // Reads keep working.
      expect((await fetch(`${server.url}/centers`, { headers: { cookie: admin } })).status).toBe(200);
      // A write (a failed sign-in is recorded) cannot be saved: the page says so in plain words.
      const res = await fetch(`${server.url}/login`, { method: "POST", body: new URLSearchParams({ username: "demo-admin", password: "wrong password" }) });
      expect(res.status).toBe(503);
      const html = await res.text();
      expect(html).toContain("Nothing was saved");
      expect(html).toContain("The database cannot be written right now (disk full or read-only). Nothing was saved.");
      expect(html).toContain(`Reference: ${res.headers.get("x-request-id")}`);
      expect(html).not.toContain("SQLITE_READONLY");
      expect(html).not.toContain("    at ");
    } finally {
      await setFault(faultFile, "");
    }
  });
});
