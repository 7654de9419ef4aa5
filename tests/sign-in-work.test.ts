/**
 * The same password work for every failed sign-in (docs/decisions/011-sessions-and-sign-in.md): an
 * unknown username, a deactivated account and a wrong password each run scrypt exactly once and get
 * the same answer, so neither the text nor the time of the answer tells them apart. Counted, not timed.
 */
import * as crypto from "node:crypto";
import { beforeAll, describe, expect, it, vi } from "vitest";

const scryptCalls = vi.hoisted(() => ({ n: 0 }));
vi.mock("node:crypto", async (importOriginal) => {
  const real = await importOriginal<typeof crypto>();
  const scrypt = (...args: unknown[]) => {
    scryptCalls.n++;
    return (real.scrypt as (...a: unknown[]) => void)(...args);
  };
  return { ...real, default: { ...real, scrypt }, scrypt };
});

const { loadDemo } = await import("~/demo/load.server");
const { createUser, setActive } = await import("~/models/users.server");
const { action: loginAction } = await import("~/routes/login");
const { request, run } = await import("./helpers/auth");
const { useTestDatabase } = await import("./helpers/db");

const t = useTestDatabase();

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  const id = await t.db.transaction().execute((trx) => createUser(trx, null, { username: "gone-away", role: "auditor", password: "gone-away-password" }));
  await t.db.transaction().execute((trx) => setActive(trx, null, id, false));
  await t.db.transaction().execute((trx) => createUser(trx, null, { username: "still-here", role: "auditor", password: "still-here-password" }));
});

async function attempt(username: string, password: string, clientAddress: string) {
  const before = scryptCalls.n;
  const res = (await run(loginAction, request("/login", { form: { username, password } }), {}, { clientAddress })) as Response;
  return { status: res.status, body: res.status === 303 ? null : await res.json(), scrypts: scryptCalls.n - before };
}

describe("failed sign-ins cost the same", () => {
  it("unknown user, deactivated user and wrong password: one scrypt each, the same status and message", async () => {
    // The first unknown-user check also makes the stand-in hash; leave that out of the count.
    await attempt("warm-up-nobody", "whatever-password", "192.0.2.1");
    const unknown = await attempt("nobody-by-this-name", "gone-away-password", "192.0.2.2");
    const inactive = await attempt("gone-away", "gone-away-password", "192.0.2.3");
    const wrong = await attempt("still-here", "not-the-password", "192.0.2.4");
    const right = await attempt("still-here", "still-here-password", "192.0.2.5");
    expect([unknown, inactive, wrong].map((a) => a.scrypts)).toEqual([1, 1, 1]);
    expect(right.scrypts).toBe(1);
    for (const a of [unknown, inactive, wrong]) {
      expect(a.status).toBe(401);
      expect(a.body.error).toBe(unknown.body.error);
    }
    expect(unknown.body.error).toBe("The username or password is not right.");
    expect(right.status).toBe(303);
  });
});
