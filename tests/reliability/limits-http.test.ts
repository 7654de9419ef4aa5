import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoDatabase, ensureBuild, fingerprint, login, startServer, tempDir, withDatabase, type ServerHandle } from "./harness";

/**
 * Crafted requests against the production server: each used to answer 500 (or worse) and must now
 * be a 4xx with a sentence, writing nothing; pages must be clean UTF-8; the calendar feed must not
 * echo the Host header. Limits themselves are tested just under and just over in
 * tests/unit/form-limits.test.ts.
 */

let dir: string;
let dbFile: string;
let server: ServerHandle;
let director: string;
let admin: string;
let award: string;
let token: string;
let directorId: number;

beforeAll(async () => {
  ensureBuild({ fresh: true });
  dir = tempDir();
  dbFile = await demoDatabase(path.join(dir, "baseline.sqlite"));
  token = "feed-token-for-the-host-header-test";
  await withDatabase(dbFile, async (db) => {
    award = (
      await db
        .selectFrom("awards as a")
        .innerJoin("centers as c", "c.id", "a.center_id")
        .select("a.award_number")
        .where("c.code", "=", "VA")
        .where("a.voided_at", "is", null)
        .orderBy("a.fiscal_year", "desc")
        .orderBy("a.award_number")
        .limit(1)
        .executeTakeFirstOrThrow()
    ).award_number;
    directorId = (await db.selectFrom("users").select("id").where("username", "=", "demo-director").executeTakeFirstOrThrow()).id;
    await db.updateTable("users").set({ ics_token: token }).where("id", "=", directorId).execute();
  });
  server = await startServer({ databaseFile: dbFile, env: { PUBLIC_URL: "https://baseline.example.org" } });
  director = await login(server.url, "demo-director");
  admin = await login(server.url, "demo-admin");
}, 180_000);

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * One request on its own connection: the fingerprints between requests take longer than the server's
 * keep-alive timeout, and a reused idle connection can be closed just as it is written to.
 */
function send(pathname: string, init: { cookie: string; type?: string; body?: string; method?: string }): Promise<{ status: number; text: string }> {
  const u = new URL(server.url);
  const headers: Record<string, string> = { cookie: init.cookie, Connection: "close" };
  if (init.type) headers["Content-Type"] = init.type;
  if (init.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(init.body));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: pathname, method: init.method ?? "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/** The crafted request is refused with its sentence, and the server still answers. */
async function refused(pathname: string, init: Parameters<typeof send>[1], status: number, sentence: string) {
  const r = await send(pathname, init);
  expect(r.status, `${pathname} ${String(init.body).slice(0, 60)}`).toBe(status);
  expect(r.text).toContain(sentence);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
}

/** Nothing but failed sign-ins may change while `fn` sends its crafted requests. */
async function withoutWrite(fn: () => Promise<void>) {
  const before = await fingerprint(dbFile);
  await fn();
  expect(await fingerprint(dbFile)).toBe(before);
}

describe("crafted form posts", () => {
  it("a field index of ten million on the award page is a short 400, not an out-of-memory crash", () =>
    withoutWrite(async () => {
      const body = new URLSearchParams([
        ["intent", "add-line"],
        ["x[10000000]", "1"],
      ]).toString();
      await refused(
        `/awards/${encodeURIComponent(award)}`,
        { cookie: director, type: "application/x-www-form-urlencoded", body },
        400,
        "has a list index over 1,999"
      );
      const r = await send(`/awards/${encodeURIComponent(award)}`, {
        cookie: director,
        type: "application/x-www-form-urlencoded",
        body: "intent=add-line&x[1000000]=1",
      });
      expect(r.status).toBe(400);
      // The refusal page, not a million-slot list echoed back.
      expect(r.text.length).toBeLessThan(200_000);
    }));

  it("a malformed __intent__ or __state__ is a 400", () =>
    withoutWrite(async () => {
      for (const body of ["__intent__=%7B", "__intent__=null", "__state__=%7B", "__state__=x"]) {
        await refused(
          "/centers/VA/plan/2025",
          { cookie: director, type: "application/x-www-form-urlencoded", body: `intent=save&${body}` },
          400,
          "field is not one Baseline"
        );
        await refused(
          "/centers/VA/assessments/2025",
          { cookie: admin, type: "application/x-www-form-urlencoded", body: `intent=save&${body}` },
          400,
          "field is not one Baseline"
        );
      }
    }));

  it("a NUL character in any field is a 400 naming the field (PostgreSQL refuses one in any text it is sent)", () =>
    withoutWrite(async () => {
      await refused("/login", { cookie: "", type: "application/x-www-form-urlencoded", body: "username=demo%00admin&password=x" }, 400, "username&quot; holds a NUL character");
      await refused(
        `/awards/${encodeURIComponent(award)}`,
        { cookie: director, type: "application/x-www-form-urlencoded", body: "intent=add-line&description=a%00b" },
        400,
        "description&quot; holds a NUL character"
      );
    }));

  it("multipart without a boundary is a 400, on the import page too", () =>
    withoutWrite(async () => {
      const body = '--X\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--X--\r\n';
      for (const page of ["/import", "/centers/VA/plan/2025"]) {
        await refused(page, { cookie: director, type: "multipart/form-data", body }, 400, "without a boundary");
      }
    }));

  it("a 900 KB multipart part header is a 413, on the import page too", () =>
    withoutWrite(async () => {
      const body = `--X\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nX-Pad: ${"a".repeat(900 * 1024)}\r\n\r\nb\r\n--X--\r\n`;
      for (const page of ["/import", "/centers/VA/plan/2025"]) {
        await refused(page, { cookie: director, type: "multipart/form-data; boundary=X", body }, 413, "header over 8 KB");
      }
    }));
});

describe("NUL in the address", () => {
  it("a %00 in a path or a query parameter is a 400 with a sentence, on pages and the API", async () => {
    for (const url of ["/dashboard?state=%00", "/centers/%00", "/awards/%00", "/compare?c=%00", "/audit?entity=%00", "/api/v1/centers/%00"]) {
      const r = await send(url, { cookie: admin, method: "GET" });
      expect(r.status, url).toBe(400);
      expect(r.text, url).toContain("holds a NUL character");
    }
  });
});

describe("query parameters used as keys", () => {
  it("?done=__proto__ and other prototype names show the page without a message", async () => {
    const pages = [
      `/awards/${encodeURIComponent(award)}`,
      `/awards/${encodeURIComponent(award)}/match`,
      `/awards/${encodeURIComponent(award)}/periods`,
      "/centers/VA/plan/2025",
      "/account",
      `/admin/users/${directorId}`,
    ];
    for (const page of pages) {
      for (const key of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
        const res = await fetch(`${server.url}${page}?done=${key}`, { headers: { cookie: admin } });
        expect(res.status, `${page}?done=${key}`).toBe(200);
        expect(await res.text()).not.toContain("[object Object]");
      }
    }
  });
});

describe("page bytes", () => {
  it("pages long enough to stream in many pieces are valid UTF-8 without NUL bytes", async () => {
    for (const page of ["/deadlines", "/awards", "/awards?page=2", "/awards?page=3", "/centers", "/dashboard", "/capabilities"]) {
      const res = await fetch(`${server.url}${page}`, { headers: { cookie: admin } });
      expect(res.status, page).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.length).toBeGreaterThan(4096);
      expect(bytes.indexOf(0), `${page}: NUL byte`).toBe(-1);
      expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes), page).not.toThrow();
    }
  });
});

describe("calendar feed", () => {
  it("links to PUBLIC_URL whatever Host header the client sends", async () => {
    const u = new URL(server.url);
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: u.hostname, port: u.port, path: `/calendar/${token}.ics`, headers: { Host: "evil.example" } }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve(body));
      });
      req.on("error", reject);
    });
    expect(text).toContain("BEGIN:VCALENDAR");
    expect(text).not.toContain("evil.example");
    expect(text).toMatch(/\r\nURL:https:\/\/baseline\.example\.org\/deadlines\?center=VA\r\n/);
  });
});
