/**
 * User administration pages: add, reset password, deactivate/reactivate, with field errors
 * and one audit row per change, attributed to the admin who made it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "~/auth/password.server";
import { loadDemo } from "~/demo/load.server";
import { findUserByUsername } from "~/models/users.server";
import { action as listAction, loader as listLoader } from "~/routes/admin.users._index";
import { action as userAction, loader as userLoader } from "~/routes/admin.users.$id";
import { loader as centersLoader } from "~/routes/centers._index";
import { cookieFor, request, run } from "../helpers/auth";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
let admin: string;
let adminId: number;

beforeAll(async () => {
  await loadDemo(t.db, { referenceDate: "2025-06-30" });
  admin = await cookieFor(t.db, "demo-admin");
  adminId = (await findUserByUsername(t.db, "demo-admin"))!.id;
});

async function auditRowsFor(id: number) {
  return t.db.selectFrom("audit_log").selectAll().where("entity", "=", "user").where("entity_id", "=", String(id)).orderBy("id").execute();
}

async function addUser(form: Record<string, string>) {
  return (await run(listAction, request("/admin/users", { cookie: admin, form }))) as Response;
}

describe("add a user", () => {
  it("lists the four demo accounts", async () => {
    const data = (await run(listLoader, request("/admin/users", { cookie: admin }))) as any;
    expect(data.users.map((u: any) => [u.username, u.role, u.center_code])).toEqual([
      ["demo-admin", "admin", null],
      ["demo-auditor", "auditor", null],
      ["demo-director", "director", "VA"],
      ["demo-state", "state_official", null],
    ]);
    expect(data.users[3].states.split(",")).toContain("VA");
    expect(data.centers).toHaveLength(80);
  });

  it("creates a director of a center and a state official of two states; each can sign in", async () => {
    const res = await addUser({ username: "md-director", displayName: "Morgan MD", role: "director", center: "MD", password: "md-director-pass" });
    expect(res.status).toBe(303);
    const director = (await findUserByUsername(t.db, "md-director"))!;
    expect(res.headers.get("Location")).toBe(`/admin/users/${director.id}?done=created`);
    const md = await t.db.selectFrom("centers").select("id").where("code", "=", "MD").executeTakeFirstOrThrow();
    expect(director).toMatchObject({ role: "director", center_id: md.id, display_name: "Morgan MD", active: 1 });
    expect(await verifyPassword("md-director-pass", director.password_hash)).toBe(true);

    const audit = await auditRowsFor(director.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "create", user_id: adminId });
    expect(audit[0].after_json).not.toContain("md-director-pass");
    expect(audit[0].after_json).not.toContain("scrypt");

    const res2 = await addUser({ username: "capital-official", role: "state_official", states: "md, va", password: "capital-official-pw" });
    expect(res2.status).toBe(303);
    const official = (await findUserByUsername(t.db, "capital-official"))!;
    expect(official).toMatchObject({ role: "state_official", states: "MD,VA", center_id: null });
    const cookie = await cookieFor(t.db, "capital-official");
    const centers = (await run(centersLoader, request("/centers", { cookie }))) as any;
    expect([...new Set(centers.centers.map((c: any) => c.state))]).toEqual(["MD", "VA"]);
  });

  it("answers bad input with 400 and errors next to the fields, never echoing the password", async () => {
    const res = await addUser({ username: "x", role: "director", password: "short-pw" });
    expect(res.status).toBe(400);
    const reply = await res.json();
    expect(reply.status).toBe("error");
    expect(reply.error.username).toEqual(["Use 3–40 letters, digits, dots, dashes or underscores."]);
    expect(reply.error.password).toEqual(["Use at least 12 characters."]);
    expect(reply.error.center).toEqual(["A director needs a center."]);
    // The typed input comes back so the form keeps it; the password does not.
    expect(reply.initialValue).toMatchObject({ username: "x", role: "director" });
    expect(JSON.stringify(reply)).not.toContain("short-pw");

    const noRole = await (await addUser({ username: "nobody-yet", password: "a-long-enough-password" })).json();
    expect(noRole.error.role).toEqual(["Choose a role."]);
    const noStates = await (await addUser({ username: "nobody-yet", role: "state_official", password: "a-long-enough-password" })).json();
    expect(noStates.error.states).toEqual(["A state official needs at least one state, e.g. VA, MD."]);
    expect(await findUserByUsername(t.db, "nobody-yet")).toBeUndefined();
  });

  it("checks the username, center and states against the database", async () => {
    const taken = await addUser({ username: "demo-auditor", role: "auditor", password: "a-long-enough-password" });
    expect(taken.status).toBe(400);
    expect((await taken.json()).error.username).toEqual(["The username demo-auditor is taken."]);

    const center = await (await addUser({ username: "new-director", role: "director", center: "ZZ", password: "a-long-enough-password" })).json();
    expect(center.error.center).toEqual(["No center has the code ZZ."]);

    const states = await (await addUser({ username: "new-official", role: "state_official", states: "VA, ZZ, QQ", password: "a-long-enough-password" })).json();
    expect(states.error.states).toEqual(["No center is in ZZ, QQ."]);
    expect(await findUserByUsername(t.db, "new-director")).toBeUndefined();
    expect(await findUserByUsername(t.db, "new-official")).toBeUndefined();
  });
});

describe("one user: reset, deactivate, reactivate", () => {
  let id: number;
  let path: string;

  beforeAll(async () => {
    await addUser({ username: "temp-auditor", role: "auditor", password: "first-password-1" });
    id = (await findUserByUsername(t.db, "temp-auditor"))!.id;
    path = `/admin/users/${id}`;
  });

  const post = async (form: Record<string, string>) => (await run(userAction, request(path, { cookie: admin, form }), { id: String(id) })) as Response;

  it("resets the password: the old one stops working, the audit row says 'reset' and holds no hash", async () => {
    const res = await post({ intent: "reset-password", password: "second-password-2" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`${path}?done=password`);
    const user = (await findUserByUsername(t.db, "temp-auditor"))!;
    expect(await verifyPassword("second-password-2", user.password_hash)).toBe(true);
    expect(await verifyPassword("first-password-1", user.password_hash)).toBe(false);
    const last = (await auditRowsFor(id)).at(-1)!;
    expect(last).toMatchObject({ action: "update", user_id: adminId, after_json: '{"password":"reset"}' });
  });

  it("refuses a short new password with a field error", async () => {
    const res = await post({ intent: "reset-password", password: "short" });
    expect(res.status).toBe(400);
    const reply = await res.json();
    expect(reply.form).toBe("reset-password");
    expect(reply.result.error.password).toEqual(["Use at least 12 characters."]);
    expect(JSON.stringify(reply)).not.toContain('"short"');
  });

  it("deactivates: the user's open session ends; reactivating lets them sign in again (the old session stays ended); one audit row each", async () => {
    const session = await cookieFor(t.db, "temp-auditor");
    expect((await run(centersLoader, request("/centers", { cookie: session }))) instanceof Response).toBe(false);
    const rowsBefore = (await auditRowsFor(id)).length;

    const off = await post({ intent: "deactivate" });
    expect(off.status).toBe(303);
    expect(off.headers.get("Location")).toBe(`${path}?done=deactivated`);
    const refused = (await run(centersLoader, request("/centers", { cookie: session }))) as Response;
    expect(refused.status).toBe(302);

    // Deactivating again changes nothing and writes no second row.
    await post({ intent: "deactivate" });
    const rows = await auditRowsFor(id);
    expect(rows).toHaveLength(rowsBefore + 1);
    expect(JSON.parse(rows.at(-1)!.before_json!)).toMatchObject({ active: 1 });
    expect(JSON.parse(rows.at(-1)!.after_json!)).toMatchObject({ active: 0 });

    const on = await post({ intent: "reactivate" });
    expect(on.headers.get("Location")).toBe(`${path}?done=reactivated`);
    expect((await run(centersLoader, request("/centers", { cookie: session }))) instanceof Response).toBe(true);
    const fresh = await cookieFor(t.db, "temp-auditor");
    expect((await run(centersLoader, request("/centers", { cookie: fresh }))) instanceof Response).toBe(false);
    expect(await auditRowsFor(id)).toHaveLength(rowsBefore + 2);
  });

  it("shows the account with its history, newest first", async () => {
    const data = (await run(userLoader, request(path, { cookie: admin }), { id: String(id) })) as any;
    expect(data.user).toMatchObject({ username: "temp-auditor", role: "auditor", active: 1 });
    expect(data.history.map((h: any) => h.action)).toEqual(["update", "update", "update", "create"]);
    expect(data.history.every((h: any) => h.username === "demo-admin")).toBe(true);
  });

  it("does not let an admin deactivate their own account", async () => {
    const res = (await run(userAction, request(`/admin/users/${adminId}`, { cookie: admin, form: { intent: "deactivate" } }), { id: String(adminId) })) as Response;
    expect(res.status).toBe(400);
    const reply = await res.json();
    expect(reply.form).toBe("set-active");
    expect(reply.result.error[""]).toEqual(["You cannot deactivate your own account."]);
    expect((await findUserByUsername(t.db, "demo-admin"))!.active).toBe(1);
  });

  it("answers 404 for a user that does not exist", async () => {
    for (const bad of ["999999", "abc", "0"]) {
      const res = (await run(userLoader, request(`/admin/users/${bad}`, { cookie: admin }), { id: bad })) as Response;
      expect(res.status).toBe(404);
    }
  });
});
