import { createUser } from "~/models/users.server";
import type { CaseContext, RouteCase } from "../route-case";

/** User administration (admin only) and the audit log (admin and auditor). */

let serial = 0;

/** A throwaway account to reset and deactivate, so the demo accounts the table signs in with stay usable. */
async function targetUser({ db }: CaseContext): Promise<number> {
  const found = await db.selectFrom("users").select("id").where("username", "=", "case-target").executeTakeFirst();
  if (found) return found.id;
  return db.transaction().execute((trx) => createUser(trx, null, { username: "case-target", role: "auditor", password: "case-target-password" }));
}

async function demoDirectorId({ db }: CaseContext): Promise<number> {
  return (await db.selectFrom("users").select("id").where("username", "=", "demo-director").executeTakeFirstOrThrow()).id;
}

export const cases: RouteCase[] = [
  { file: "admin.users._index.tsx", name: "user list", method: "GET", path: "/admin/users", allowed: ["admin"] },
  {
    file: "admin.users._index.tsx",
    name: "add a user",
    method: "POST",
    path: "/admin/users",
    form: () => ({ username: `case-user-${++serial}`, role: "state_official", states: "VA", password: "a-long-enough-password" }),
    allowed: ["admin"],
  },
  { file: "admin.users.$id.tsx", name: "one user", method: "GET", path: async (ctx) => `/admin/users/${await demoDirectorId(ctx)}`, allowed: ["admin"] },
  {
    file: "admin.users.$id.tsx",
    name: "reset a password",
    method: "POST",
    path: async (ctx) => `/admin/users/${await targetUser(ctx)}`,
    form: { intent: "reset-password", password: "another-long-password" },
    allowed: ["admin"],
  },
  {
    file: "admin.users.$id.tsx",
    name: "deactivate",
    method: "POST",
    path: async (ctx) => `/admin/users/${await targetUser(ctx)}`,
    form: { intent: "deactivate" },
    allowed: ["admin"],
  },
  {
    file: "admin.users.$id.tsx",
    name: "reactivate",
    method: "POST",
    path: async (ctx) => `/admin/users/${await targetUser(ctx)}`,
    form: { intent: "reactivate" },
    allowed: ["admin"],
  },
  {
    file: "admin.users.$id.tsx",
    name: "create an API token for a user",
    method: "POST",
    path: async (ctx) => `/admin/users/${await targetUser(ctx)}`,
    form: { intent: "token-create", name: "case token" },
    allowed: ["admin"],
  },
  {
    file: "admin.users.$id.tsx",
    name: "revoke a user's API token",
    method: "POST",
    path: async (ctx) => `/admin/users/${await targetUser(ctx)}`,
    form: { intent: "token-revoke", token: "1" },
    allowed: ["admin"],
  },
  { file: "audit.tsx", name: "audit log", method: "GET", path: "/audit", allowed: ["admin", "auditor"] },
  { file: "audit.tsx", name: "audit log, filtered", method: "GET", path: "/audit?entity=user&from=2020-01-01&to=2099-12-31&page=1", allowed: ["admin", "auditor"] },
  { file: "audit.tsx", name: "audit log of a center and an action", method: "GET", path: "/audit?center=VA&action=create", allowed: ["admin", "auditor"] },
  { file: "audit[.]csv.ts", name: "audit log CSV", method: "GET", path: "/audit.csv", allowed: ["admin", "auditor"] },
  { file: "audit[.]csv.ts", name: "audit log CSV of a center", method: "GET", path: "/audit.csv?center=VA", allowed: ["admin", "auditor"] },
];
