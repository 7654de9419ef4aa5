/**
 * `npm run -s cli -- users add`: the first admin of a database without demo data. The
 * password comes from standard input when it is not a terminal.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "~/auth/password.server";
import { findUserByUsername } from "~/models/users.server";
import { runCli } from "./helpers/cli";
import { useTestDatabase } from "./helpers/db";

const t = useTestDatabase();
const savedPath = process.env.DATABASE_PATH;

beforeAll(() => {
  process.env.DATABASE_PATH = t.file;
});
afterAll(() => {
  if (savedPath === undefined) delete process.env.DATABASE_PATH;
  else process.env.DATABASE_PATH = savedPath;
});

const cli = runCli;

describe("cli users add", () => {
  it("creates the first admin with the password from standard input (first line only), with an audit row", async () => {
    expect(await t.db.selectFrom("users").select("id").execute()).toEqual([]);
    const r = await cli(["users", "add", "--username", "first-admin", "--role", "admin", "--name", "Fran First"], "correct horse battery\nignored second line\n");
    expect(r).toEqual({ code: 0, out: "Created admin first-admin\n", err: "" });

    const user = await findUserByUsername(t.db, "first-admin");
    expect(user).toMatchObject({ role: "admin", display_name: "Fran First", active: 1, center_id: null });
    expect(user!.password_hash).toMatch(/^scrypt\$/);
    expect(user!.password_hash).not.toContain("correct horse");
    expect(await verifyPassword("correct horse battery", user!.password_hash)).toBe(true);
    expect(await verifyPassword("ignored second line", user!.password_hash)).toBe(false);

    const audit = await t.db.selectFrom("audit_log").selectAll().where("entity", "=", "user").where("entity_id", "=", String(user!.id)).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "create", user_id: null });
    expect(audit[0].after_json).not.toContain("scrypt");
  });

  it("refuses a password under 12 characters (exit 2) and creates nothing", async () => {
    const r = await cli(["users", "add", "--username", "short-pw", "--role", "auditor"], "too-short\n");
    expect(r.code).toBe(2);
    expect(r.err).toContain("The password must have at least 12 characters");
    expect(await findUserByUsername(t.db, "short-pw")).toBeUndefined();
  });

  it("refuses an existing username, a bad role, and a state official without states (exit 2)", async () => {
    const taken = await cli(["users", "add", "--username", "first-admin", "--role", "admin"], "another-long-password\n");
    expect(taken.code).toBe(2);
    expect(taken.err).toContain("User first-admin already exists");
    const role = await cli(["users", "add", "--username", "someone", "--role", "superuser"], "another-long-password\n");
    expect(role.code).toBe(2);
    expect(role.err).toContain("--role must be admin, director, auditor or state_official");
    const states = await cli(["users", "add", "--username", "someone", "--role", "state_official"], "another-long-password\n");
    expect(states.code).toBe(2);
    expect(states.err).toContain("A state official needs --states");
  });
});
