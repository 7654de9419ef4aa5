import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoDatabase, ensureBuild, latestAward, login, recordFigures, startProdFlags, startServer, tempDir, type ServerHandle } from "../reliability/harness";

/**
 * Single requests that used to stop the server, sent to the compiled server running under
 * `npm run start:prod`'s heap limit: a form field with a list index of ten million, a 900 KB
 * multipart part header, a multipart body without a boundary. After each the same process answers
 * /healthz and its resident memory is under the heap limit it runs with.
 */

let dir: string;
let server: ServerHandle;
let director: string;
let auditor: string;
let award: string;
const heapLimitMb = Number(/--max-old-space-size=(\d+)/.exec(startProdFlags().join(" "))?.[1]);

beforeAll(async () => {
  ensureBuild({ fresh: true });
  dir = tempDir("baseline-crash-");
  const dbFile = await demoDatabase(path.join(dir, "baseline.sqlite"));
  award = await latestAward(dbFile);
  server = await startServer({ databaseFile: dbFile, production: true });
  director = await login(server.url, "demo-director");
  auditor = await login(server.url, "demo-auditor");
}, 300_000);

afterAll(async () => {
  await server?.kill9();
  fs.rmSync(dir, { recursive: true, force: true });
});

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return Math.round(kb / 1024);
}

const header900k = `X-Pad: ${"a".repeat(900 * 1024)}\r\n`;
const CASES: Array<{ name: string; path: () => string; cookie: () => string; type: string; body: string; status: number }> = [
  {
    name: "field index of ten million, award page add-line",
    path: () => `/awards/${encodeURIComponent(award)}`,
    cookie: () => director,
    type: "application/x-www-form-urlencoded",
    body: "intent=add-line&x[10000000]=1",
    status: 400,
  },
  {
    name: "field index of ten million, auditor's validate on an assessment",
    path: () => "/centers/VA/assessments/2025",
    cookie: () => auditor,
    type: "application/x-www-form-urlencoded",
    body: "intent=validate&rows[10000000].status=achieved",
    status: 400,
  },
  {
    name: "900 KB multipart part header, import page",
    path: () => "/import",
    cookie: () => director,
    type: "multipart/form-data; boundary=X",
    body: `--X\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n${header900k}\r\nb\r\n--X--\r\n`,
    status: 413,
  },
  {
    name: "900 KB multipart part header, award page",
    path: () => `/awards/${encodeURIComponent(award)}`,
    cookie: () => director,
    type: "multipart/form-data; boundary=X",
    body: `--X\r\nContent-Disposition: form-data; name="intent"\r\n${header900k}\r\nadd-line\r\n--X--\r\n`,
    status: 413,
  },
  {
    name: "multipart without a boundary, import page",
    path: () => "/import",
    cookie: () => director,
    type: "multipart/form-data",
    body: '--X\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nb\r\n--X--\r\n',
    status: 400,
  },
];

describe("single requests that used to stop the server", () => {
  it(`each is refused, and the same process answers /healthz with resident memory under ${heapLimitMb} MB`, async () => {
    expect(heapLimitMb).toBeGreaterThan(0);
    const figures: Record<string, unknown> = { heapLimitMb, rssAtStartMb: rssMb(server.pid) };
    for (const c of CASES) {
      const res = await fetch(`${server.url}${c.path()}`, { method: "POST", headers: { cookie: c.cookie(), "Content-Type": c.type }, body: c.body, redirect: "manual" });
      const text = await res.text();
      expect(res.status, c.name).toBe(c.status);
      expect(text, c.name).toContain("Nothing was saved.");
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status, `${c.name}: /healthz`).toBe(200);
      expect(server.child.exitCode, c.name).toBeNull();
      const rss = rssMb(server.pid);
      figures[c.name] = { status: res.status, responseBytes: text.length, rssMb: rss };
      expect(rss, `${c.name}: resident memory`).toBeLessThan(heapLimitMb);
    }
    recordFigures("crash-requests", figures);
  });
});
