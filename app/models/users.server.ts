import { randomBytes } from "node:crypto";
import { sql, type Transaction } from "kysely";
import type { Database, Q, Role } from "../../db/schema";
import type { Principal } from "../domain/permissions";
import { hashPassword } from "../auth/password.server";
import { recordAudit } from "./audit.server";
import { noteDataVersion } from "./memo.server";
import { endAllSessions, hashSessionToken, liveSession } from "./sessions.server";

/** SQL for the name a user is shown by: the display name, or the username when it is blank. `alias` names the joined users table. */
export function shownUserName(alias: string) {
  return sql<string | null>`coalesce(nullif(${sql.ref(`${alias}.display_name`)}, ''), ${sql.ref(`${alias}.username`)})`;
}

export async function findUserByUsername(db: Q, username: string) {
  return db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
}

/** The demo accounts the login page lists while the demo data is loaded. */
export async function listDemoAccounts(db: Q) {
  return db.selectFrom("users").select(["username", "role", "display_name"]).where("demo", "=", 1).where("active", "=", 1).orderBy("username").execute();
}

/** One account for the admin page, or undefined. */
export async function getUserDetail(db: Q, id: number) {
  return db
    .selectFrom("users")
    .leftJoin("centers", "centers.id", "users.center_id")
    .select(["users.id", "users.username", "users.display_name", "users.role", "users.states", "users.active", "users.created_at", "centers.code as center_code", "centers.name as center_name"])
    .where("users.id", "=", id)
    .executeTakeFirst();
}

const PRINCIPAL_COLUMNS = ["users.id", "users.username", "users.display_name", "users.role", "users.center_id", "users.states", "users.active", "users.version", "centers.state as center_state"] as const;

type PrincipalRow = { id: number; username: string; display_name: string; role: Role; center_id: number | null; states: string; active: number; version: number; center_state: string | null };

function principalOf(row: PrincipalRow | undefined): Principal | null {
  if (!row || !row.active) return null;
  const states =
    row.role === "director" ? (row.center_state ? [row.center_state] : []) : row.states.split(",").map((s) => s.trim()).filter(Boolean);
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name || row.username,
    role: row.role,
    centerId: row.center_id,
    states,
    version: row.version,
  };
}

/** The signed-in user as the permission checks see them; null when missing or deactivated. */
export async function getPrincipal(db: Q, userId: number): Promise<Principal | null> {
  const row = await db.selectFrom("users").leftJoin("centers", "centers.id", "users.center_id").select(PRINCIPAL_COLUMNS).where("users.id", "=", userId).executeTakeFirst();
  return principalOf(row);
}

/**
 * The user a session cookie's id signs in, with the session's id; null when the session is not live
 * (sessions.server.ts `liveSession`) or the user is missing or deactivated. Session, user and the
 * change counter in one statement: every request makes it, and on PostgreSQL each statement is a round trip.
 */
export async function sessionPrincipal(db: Q, token: string, nowMs = Date.now()): Promise<Principal | null> {
  const row = await db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .leftJoin("centers", "centers.id", "users.center_id")
    .select([...PRINCIPAL_COLUMNS, "sessions.id as session_id", "sessions.last_seen_ms", "sessions.expires_at_ms"])
    // The change counter rides along: a page's memo look-ups then need no statement of their own (memo.server.ts).
    .select((eb) => eb.selectFrom("data_version").select("version").where("id", "=", 1).as("data_version"))
    .where("sessions.token_hash", "=", hashSessionToken(token))
    .executeTakeFirst();
  if (row && row.data_version !== null) noteDataVersion(db, Number(row.data_version));
  if (!row || !(await liveSession(db, { id: row.session_id, last_seen_ms: row.last_seen_ms, expires_at_ms: row.expires_at_ms }, nowMs))) return null;
  const user = principalOf(row);
  return user ? { ...user, sessionId: row.session_id } : null;
}

export async function listUsers(db: Q) {
  return db
    .selectFrom("users")
    .leftJoin("centers", "centers.id", "users.center_id")
    .select(["users.id", "users.username", "users.display_name", "users.role", "users.states", "users.active", "users.version", "users.created_at", "centers.code as center_code"])
    .orderBy("users.username")
    .execute();
}

export interface NewUserInput {
  username: string;
  displayName?: string;
  role: Role;
  centerId?: number | null;
  states?: string[];
  password: string;
  demo?: boolean;
}

function publicUser(u: { username: string; display_name?: string; role: string; center_id?: number | null; states?: string; active?: number }) {
  // Never put the password hash in the audit trail.
  return { username: u.username, display_name: u.display_name, role: u.role, center_id: u.center_id ?? null, states: u.states ?? "", active: u.active ?? 1 };
}

export async function createUser(trx: Transaction<Database>, actorId: number | null, input: NewUserInput): Promise<number> {
  const row = {
    username: input.username,
    display_name: input.displayName ?? "",
    role: input.role,
    center_id: input.role === "director" ? (input.centerId ?? null) : null,
    states: input.role === "state_official" ? (input.states ?? []).join(",") : "",
    password_hash: await hashPassword(input.password),
    demo: input.demo ? 1 : 0,
    created_at: new Date().toISOString(),
  };
  const inserted = await trx.insertInto("users").values(row).returning("id").executeTakeFirstOrThrow();
  await recordAudit(trx, { userId: actorId, action: "create", entity: "user", entityId: inserted.id, after: publicUser(row) });
  return inserted.id;
}

export async function setPassword(trx: Transaction<Database>, actorId: number | null, userId: number, password: string): Promise<void> {
  const password_hash = await hashPassword(password);
  await trx.updateTable("users").set((eb) => ({ password_hash, version: eb("version", "+", 1) })).where("id", "=", userId).execute();
  // Whoever knew the old password may hold a session: all of them end (decision 011).
  await endAllSessions(trx, userId);
  await recordAudit(trx, { userId: actorId, action: "update", entity: "user", entityId: userId, after: { password: "reset" } });
}

export async function setActive(trx: Transaction<Database>, actorId: number | null, userId: number, active: boolean): Promise<void> {
  const before = await trx.selectFrom("users").select(["username", "role", "active"]).where("id", "=", userId).executeTakeFirstOrThrow();
  await trx.updateTable("users").set({ active: active ? 1 : 0 }).where("id", "=", userId).execute();
  // Deactivation ends every open session at once; reactivation does not bring them back.
  if (!active) await endAllSessions(trx, userId);
  await recordAudit(trx, { userId: actorId, action: "update", entity: "user", entityId: userId, before, after: { ...before, active: active ? 1 : 0 } });
}

/** A new secret for the personal calendar feed; replaces (revokes) the old one. */
export async function rotateIcsToken(trx: Transaction<Database>, userId: number, revokeOnly = false): Promise<string | null> {
  const token = revokeOnly ? null : randomBytes(24).toString("base64url");
  await trx.updateTable("users").set({ ics_token: token }).where("id", "=", userId).execute();
  await recordAudit(trx, { userId, action: "update", entity: "user", entityId: userId, after: { ics_token: token ? "rotated" : "revoked" } });
  return token;
}
