import { describe, expect, it } from "vitest";
import { ClaimBoard, rebuildClient, type RebuildMessage } from "../../app/models/rebuilds.server";

/**
 * One rebuild per save across the cluster's workers (docs/decisions/038-one-rebuild-per-save.md): a
 * primary's board and workers' clients wired together in one process, messages delivered
 * asynchronously as over IPC (and cloned, as the advanced serialization does).
 */
function cluster(workers: number, ttlMs = 2_000, keptMs?: number) {
  const listeners = new Map<number, (m: unknown) => void>();
  const sent: Array<{ to: number; message: RebuildMessage }> = [];
  const board = new ClaimBoard((to, message) => {
    sent.push({ to, message });
    setImmediate(() => listeners.get(to)?.(structuredClone(message)));
  }, ttlMs, keptMs);
  const clients = Array.from({ length: workers }, (_, i) => {
    const id = i + 1;
    return rebuildClient({
      // Cloned at once, as process.send serialises before it returns.
      send: (m) => {
        const copy = structuredClone(m);
        setImmediate(() => board.receive(id, copy));
      },
      onMessage: (listener) => listeners.set(id, listener),
    });
  });
  return { board, clients, sent };
}

const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe("one rebuild per save across workers", () => {
  it("computes a rebuild once when two workers need it at once; both get the same figures", async () => {
    const { board, clients } = cluster(2);
    let computed = 0;
    const compute = async () => {
      computed++;
      return later(30, new Map([[7, { findings: [{ rule: "R", amount: 1_234_56, note: undefined }] }]]));
    };
    const [a, b] = await Promise.all([clients[0]("findings|7|3", compute), clients[1]("findings|7|3", compute)]);
    expect(computed).toBe(1);
    expect(b).toEqual(a);
    expect(b.get(7)).toEqual({ findings: [{ rule: "R", amount: 1_234_56, note: undefined }] });
    // What came from the other process is frozen, like the memo's own values.
    expect(Object.isFrozen(b.get(7)!.findings[0]) || Object.isFrozen(a.get(7)!.findings[0])).toBe(true);
    expect(board.size).toBe(0);
  });

  it("a worker needing a rebuild after another published it takes the published figures", async () => {
    const { board, clients, sent } = cluster(2);
    let computed = 0;
    const compute = async () => (computed++, later(5, { score: 87, cents: 1_234_56 }));
    const first = await clients[0]("center|7|3", compute);
    await later(2, null); // the publication is on its way to the primary
    expect(board.size).toBe(0);
    expect(board.kept).toBe(1);
    const second = await clients[1]("center|7|3", compute);
    expect(computed).toBe(1);
    expect(second).toEqual(first);
    expect(Object.isFrozen(second)).toBe(true);
    // The kept value alone answers the claim: one message to the second worker, not an answer and then the value.
    expect(sent.filter((s) => s.to === 2).map((s) => s.message.rebuild)).toEqual(["value"]);
    // Other counters: computed again.
    await clients[1]("center|7|4", compute);
    expect(computed).toBe(2);
  });

  it("keeps a few published results for a short while, and never a failed one", async () => {
    const { board, clients } = cluster(2, 2_000, 20);
    await clients[0]("a", async () => "figures");
    await expect(clients[0]("b", async () => Promise.reject(new Error("disk gone")))).rejects.toThrow("disk gone");
    await later(2, null);
    expect(board.kept).toBe(1);
    await later(30, null);
    let computed = 0;
    expect(await clients[1]("a", async () => (computed++, "own"))).toBe("own");
    expect(computed).toBe(1);
    for (let i = 0; i < 40; i++) await clients[0](`n${i}`, async () => i);
    expect(board.kept).toBeLessThanOrEqual(16);
  });

  it("two pages of one worker needing the same rebuild share it", async () => {
    const { clients } = cluster(1);
    let computed = 0;
    const compute = async () => (computed++, later(10, "figures"));
    expect(await Promise.all([clients[0]("w", compute), clients[0]("w", compute)])).toEqual(["figures", "figures"]);
    expect(computed).toBe(1);
  });

  it("rebuilds named differently (other counters) are computed apart", async () => {
    const { clients } = cluster(2);
    let computed = 0;
    const compute = async () => (computed++, later(10, computed));
    await Promise.all([clients[0]("findings|7|3", compute), clients[1]("findings|7|4", compute)]);
    expect(computed).toBe(2);
  });

  it("a worker whose rebuild fails lets the waiting worker compute for itself", async () => {
    const { clients } = cluster(2);
    const failing = async () => {
      await later(10, null);
      throw new Error("disk gone");
    };
    const first = clients[0]("x", failing);
    await later(2, null);
    const second = clients[1]("x", async () => "own");
    await expect(first).rejects.toThrow("disk gone");
    expect(await second).toBe("own");
  });

  it("a computing worker that stops lets the others compute for themselves", async () => {
    const { board, clients } = cluster(2);
    const never = clients[0]("x", () => new Promise<string>(() => {}));
    void never;
    await later(5, null);
    const second = clients[1]("x", async () => "own");
    await later(5, null);
    board.gone(1);
    expect(await second).toBe("own");
    expect(board.size).toBe(0);
  });

  it("a result that cannot be sent to the others is still this worker's answer; the others compute for themselves", async () => {
    const { clients } = cluster(2);
    const first = clients[0]("z", async () => later(10, { format: () => "not cloneable" }));
    await later(2, null);
    const second = clients[1]("z", async () => ({ format: () => "own" }));
    expect((await first).format()).toBe("not cloneable");
    expect((await second).format()).toBe("own");
  });

  it("without an answer from the primary, a worker computes for itself", async () => {
    const once = rebuildClient({ send: () => {}, onMessage: () => {} });
    expect(await once("x", async () => 42)).toBe(42);
  });

  it("forgets a claim that was never published once its time is up", async () => {
    const { board, clients } = cluster(1, 20);
    board.receive(2, { rebuild: "claim", id: "y" });
    expect(board.size).toBe(1);
    expect(await clients[0]("y", async () => "own")).toBe("own");
    await later(30, null);
    expect(board.size).toBe(0);
  });

  it("leaves other messages alone", () => {
    const { board } = cluster(1);
    expect(board.receive(1, { cmd: "NODE_CLUSTER" })).toBe(false);
    expect(board.receive(1, "hello")).toBe(false);
  });
});
