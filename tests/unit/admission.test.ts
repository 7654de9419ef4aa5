import express from "express";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { readGate, writesFirst, type ReadGate } from "../../app/http/admission.server";

/**
 * Pages a few at a time, writes straight in (docs/decisions/034-writes-first.md): a server whose
 * page handler holds each page until the test lets it finish, so what is being drawn and what waits
 * can be seen.
 */
interface Harness {
  base: string;
  gate: ReadGate;
  /** Page ids whose handler is running, in the order they started. */
  drawing: string[];
  finish: (id: string) => void;
  server: Server;
}

let harness: Harness | undefined;

async function start(slots: number, maxWaiting: number, leaseMs = 60_000, holdMs = 60_000): Promise<Harness> {
  const gate = readGate(slots, maxWaiting);
  const held = new Map<string, () => void>();
  const drawing: string[] = [];
  const app = express();
  app.use(writesFirst(gate, (_req, res) => void res.status(503).set("Retry-After", "1").type("text/plain").send("The server is busy; try again in a moment."), leaseMs, holdMs));
  app.get("/page/:id", (req, res) => {
    drawing.push(req.params.id);
    held.set(req.params.id, () => res.type("text/html").send(`page ${req.params.id}`));
  });
  app.get("/healthz", (_req, res) => void res.send("ok"));
  app.get("/awards.csv", (_req, res) => void res.type("text/csv").send("a,b\n"));
  app.post("/save", (_req, res) => void res.status(303).set("Location", "/page/x").end());
  // A save the test answers when it likes (`finish("save-ID")`).
  app.post("/slow-save/:id", (req, res) => {
    drawing.push(`save-${req.params.id}`);
    held.set(`save-${req.params.id}`, () => res.status(303).set("Location", "/page/x").end());
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const finish = (id: string) => {
    held.get(id)!();
    held.delete(id);
  };
  return (harness = { base, gate, drawing, finish, server });
}

afterEach(async () => {
  harness?.server.closeAllConnections();
  await new Promise((resolve) => harness?.server.close(resolve));
  harness = undefined;
});

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe("pages wait their turn, writes never wait behind them", () => {
  it("draws at most `slots` pages at once; the next starts when one is sent, in arrival order", async () => {
    const h = await start(2, 10);
    const answers = ["a", "b", "c", "d"].map((id) => fetch(`${h.base}/page/${id}`).then((r) => r.text()));
    await until(() => h.drawing.length === 2 && h.gate.waiting === 2);
    expect(h.drawing).toEqual(["a", "b"]);
    h.finish("a");
    await until(() => h.drawing.length === 3);
    expect(h.drawing).toEqual(["a", "b", "c"]);
    h.finish("b");
    h.finish("c");
    await until(() => h.drawing.length === 4);
    h.finish("d");
    expect(await Promise.all(answers)).toEqual(["page a", "page b", "page c", "page d"]);
    expect(h.gate.active).toBe(0);
  });

  it("answers a save, a download and /healthz at once while every slot is busy", async () => {
    const h = await start(1, 10);
    const first = fetch(`${h.base}/page/a`);
    const second = fetch(`${h.base}/page/b`);
    await until(() => h.drawing.length === 1 && h.gate.waiting === 1);
    const save = await fetch(`${h.base}/save`, { method: "POST", redirect: "manual" });
    expect(save.status).toBe(303);
    expect((await fetch(`${h.base}/awards.csv`)).status).toBe(200);
    expect(await (await fetch(`${h.base}/healthz`)).text()).toBe("ok");
    expect(h.drawing).toEqual(["a"]);
    h.finish("a");
    await until(() => h.drawing.length === 2);
    h.finish("b");
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
  });

  it("holds pages that arrive during a save until the save is answered; pages already drawn go on", async () => {
    const h = await start(2, 10);
    const a = fetch(`${h.base}/page/a`);
    await until(() => h.drawing.length === 1);
    const save = fetch(`${h.base}/slow-save/1`, { method: "POST", redirect: "manual" });
    await until(() => h.drawing.includes("save-1"));
    const b = fetch(`${h.base}/page/b`);
    await until(() => h.gate.waiting === 1);
    // A slot is free, but the page waits for the save.
    expect(h.drawing).toEqual(["a", "save-1"]);
    h.finish("a");
    expect((await a).status).toBe(200);
    expect(h.gate.waiting).toBe(1);
    h.finish("save-1");
    expect((await save).status).toBe(303);
    await until(() => h.drawing.includes("b"));
    h.finish("b");
    expect(await (await b).text()).toBe("page b");
    expect(h.gate.active).toBe(0);
  });

  it("lets pages in again after the hold's limit when a write takes longer", async () => {
    const h = await start(2, 10, 60_000, 50);
    const save = fetch(`${h.base}/slow-save/1`, { method: "POST", redirect: "manual" });
    await until(() => h.drawing.includes("save-1"));
    const b = fetch(`${h.base}/page/b`);
    await until(() => h.drawing.includes("b"));
    h.finish("b");
    expect(await (await b).text()).toBe("page b");
    h.finish("save-1");
    expect((await save).status).toBe(303);
  });

  it("does not let a stream of overlapping writes keep pages out past the first one's limit", async () => {
    const h = await start(2, 10, 60_000, 150);
    const saves = [fetch(`${h.base}/slow-save/1`, { method: "POST", redirect: "manual" })];
    await until(() => h.drawing.includes("save-1"));
    const started = performance.now();
    const b = fetch(`${h.base}/page/b`);
    // A new write every 40 ms, each begun while the one before is still being answered.
    for (let i = 2; i <= 6; i++) {
      await new Promise((r) => setTimeout(r, 40));
      saves.push(fetch(`${h.base}/slow-save/${i}`, { method: "POST", redirect: "manual" }));
      await until(() => h.drawing.includes(`save-${i}`));
      h.finish(`save-${i - 1}`);
    }
    await until(() => h.drawing.includes("b"));
    // Admitted once the first write's 150 ms were up, while writes were still in flight.
    expect(h.drawing.indexOf("b")).toBeLessThan(h.drawing.indexOf("save-6"));
    expect(performance.now() - started).toBeLessThan(1_000);
    h.finish("b");
    h.finish("save-6");
    expect(await (await b).text()).toBe("page b");
    for (const s of saves) expect((await s).status).toBe(303);
  });

  it("gives up the place of a page whose client hung up while it waited", async () => {
    const h = await start(1, 10);
    const first = fetch(`${h.base}/page/a`);
    const leaving = new AbortController();
    const gone = fetch(`${h.base}/page/gone`, { signal: leaving.signal }).catch((e: Error) => e.name);
    const third = fetch(`${h.base}/page/c`);
    await until(() => h.gate.waiting === 2);
    leaving.abort();
    expect(await gone).toBe("AbortError");
    await until(() => h.gate.waiting === 1);
    h.finish("a");
    await until(() => h.drawing.length === 2);
    expect(h.drawing).toEqual(["a", "c"]);
    h.finish("c");
    expect((await first).status).toBe(200);
    expect(await (await third).text()).toBe("page c");
  });

  it("refuses a page with 503 and Retry-After when the queue is full, and takes pages again once it drains", async () => {
    const h = await start(1, 1);
    const first = fetch(`${h.base}/page/a`);
    const second = fetch(`${h.base}/page/b`);
    await until(() => h.gate.waiting === 1);
    const refused = await fetch(`${h.base}/page/c`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.text()).toBe("The server is busy; try again in a moment.");
    h.finish("a");
    await until(() => h.drawing.length === 2);
    h.finish("b");
    await Promise.all([first, second]);
    const again = fetch(`${h.base}/page/d`);
    await until(() => h.drawing.length === 3);
    h.finish("d");
    expect((await again).status).toBe(200);
  });

  it("lets the next page in when a page keeps its slot past the lease (a reader that never finishes cannot block the rest)", async () => {
    const h = await start(1, 10, 150);
    const stuck = fetch(`${h.base}/page/stuck`);
    const next = fetch(`${h.base}/page/next`);
    await until(() => h.drawing.length === 1);
    await until(() => h.drawing.length === 2);
    expect(h.drawing).toEqual(["stuck", "next"]);
    h.finish("next");
    expect(await (await next).text()).toBe("page next");
    h.finish("stuck");
    expect((await stuck).status).toBe(200);
    expect(h.gate.active).toBe(0);
  });

  it("counts only places still waiting against the cap: pages whose clients hung up do not fill the queue", async () => {
    const h = await start(1, 1);
    const first = fetch(`${h.base}/page/a`);
    const leaving = new AbortController();
    const gone = fetch(`${h.base}/page/gone`, { signal: leaving.signal }).catch((e: Error) => e.name);
    await until(() => h.gate.waiting === 1);
    leaving.abort();
    expect(await gone).toBe("AbortError");
    await until(() => h.gate.waiting === 0);
    const next = fetch(`${h.base}/page/b`);
    await until(() => h.gate.waiting === 1);
    h.finish("a");
    await until(() => h.drawing.length === 2);
    expect(h.drawing).toEqual(["a", "b"]);
    h.finish("b");
    expect((await first).status).toBe(200);
    expect((await next).status).toBe(200);
  });
});
