/**
 * The API through the real Express app (server.ts createApp) and its resource route: bodies stream
 * through, and the refusals server.ts makes before the app sees a request are problems here too.
 */
import type { ServerBuild } from "@remix-run/node";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as apiRoute from "~/routes/api.v1.$";
import { loadDemo } from "~/demo/load.server";
import { createApp } from "../../server";
import { useTestDatabase } from "../helpers/db";
import { expectMatchesDocument, tokenFor } from "./contract";

const t = useTestDatabase();
let server: Server;
let base = "";
let token = "";

const build = {
  mode: "production",
  entry: { module: { default: () => new Response("document requests are not used here", { status: 500 }) } },
  routes: {
    root: { id: "root", path: "", module: { default: () => null } },
    "routes/api.v1.$": { id: "routes/api.v1.$", parentId: "root", path: "api/v1/*", module: apiRoute },
  },
  assets: { entry: { imports: [], module: "" }, routes: {}, url: "", version: "test" },
  publicPath: "/build/",
  assetsBuildDirectory: "public/build",
  future: {},
  isSpaMode: false,
} as unknown as ServerBuild;

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  token = await tokenFor(t.db, "demo-director");
  server = await new Promise<Server>((resolve) => {
    const s = createApp(build).listen(0, "127.0.0.1", () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it("imports a CSV sent over HTTP, and reads it back", async () => {
  const awards = await (await fetch(`${base}/api/v1/awards?center=VA&fy=2025`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const award = awards.items[0].award_number;
  const csv = `line_id,award_number,capability,poete,cost_category,amount,description\nHTTP-1,${award},I.A,planning,supplies,3.00,over http\n`;
  const res = await fetch(`${base}/api/v1/imports?type=budget_lines&dry_run=false`, { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "text/csv" }, body: csv });
  expect(res.status).toBe(200);
  expect(await expectMatchesDocument("POST", "/api/v1/imports", res)).toMatchObject({ committed: true, added: 1 });
  const lines = await (await fetch(`${base}/api/v1/budget-lines?award=${award}&limit=1000`, { headers: { Authorization: `Bearer ${token}` } })).json();
  expect(lines.items.map((l: { line_id: string }) => l.line_id)).toContain("HTTP-1");
});

it("refuses an over-long body, a chunked body and a cross-site write as problems, before the route", async () => {
  const big = await fetch(`${base}/api/v1/findings/responses`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ response: "x".repeat(1024 * 1024 + 1) }),
  });
  expect(big.status).toBe(413);
  expect(await expectMatchesDocument("POST", "/api/v1/findings/responses", big)).toMatchObject({ status: 413 });
  const cross = await fetch(`${base}/api/v1/imports`, { method: "POST", headers: { Authorization: `Bearer ${token}`, Origin: "https://evil.example", "Content-Type": "text/csv" }, body: "x" });
  expect(cross.status).toBe(403);
  await expectMatchesDocument("POST", "/api/v1/imports", cross);
  const chunked = await fetch(`${base}/api/v1/imports`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "text/csv" },
    body: new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode("a,b\n")), c.close()) }),
    duplex: "half",
  } as RequestInit);
  expect(chunked.status).toBe(411);
  await expectMatchesDocument("POST", "/api/v1/imports", chunked);
});
