/**
 * Who may do what. Pure: the server checks these in every loader and action through
 * requireUser (app/auth/guard.server.ts); the UI may use them only to hide buttons.
 *
 * - admin: everything.
 * - director: reads their own center and its state's peers; edits only their own center's
 *   assessments, budget lines, spending, plans, and answers its findings.
 * - auditor: reads every center; changes no grant or assessment data; records finding
 *   dispositions and audit notes; reviews (validates) assessments.
 * - state_official: reads the centers of their states; changes nothing.
 */
import type { Role } from "./vocabulary";

export interface Principal {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  centerId: number | null;
  /** The state of a director's center, or the states of a state official. */
  states: string[];
  /** users.version when loaded. */
  version?: number;
  /** The server-side session the request came with (sessions.id), when signed in through one. */
  sessionId?: number;
  /** The API token the request came with (api_tokens.id); its writes are audited as made through the API. */
  tokenId?: number;
}

export interface CenterRef {
  id: number;
  state: string;
}

export type Permission =
  | { can: "read"; center?: CenterRef }
  | { can: "edit"; center: CenterRef }
  | { can: "respond"; center: CenterRef }
  | { can: "audit" }
  | { can: "review" }
  | { can: "admin" }
  | { can: "import" }
  | { can: "read-all" };

export function canReadCenter(user: Principal, center: CenterRef): boolean {
  switch (user.role) {
    case "admin":
    case "auditor":
      return true;
    case "director":
      return center.id === user.centerId || user.states.includes(center.state);
    case "state_official":
      return user.states.includes(center.state);
  }
}

export function allows(user: Principal, permission: Permission): boolean {
  switch (permission.can) {
    case "read":
      return permission.center ? canReadCenter(user, permission.center) : true;
    case "read-all":
      return user.role === "admin" || user.role === "auditor";
    case "edit":
    case "respond":
      return user.role === "admin" || (user.role === "director" && user.centerId === permission.center.id);
    case "audit":
    case "review":
      return user.role === "admin" || user.role === "auditor";
    case "admin":
      return user.role === "admin";
    case "import":
      return user.role === "admin" || user.role === "director";
  }
}

/** Which centers a user's lists, charts, exports and API may include. */
export type CenterScope = { kind: "all" } | { kind: "states"; states: string[] };

export function centerScope(user: Principal): CenterScope {
  if (user.role === "admin" || user.role === "auditor") return { kind: "all" };
  return { kind: "states", states: user.states };
}

export const ROLE_LABELS: Record<Role, string> = {
  admin: "Administrator",
  director: "Center director",
  auditor: "Grant auditor",
  state_official: "State official",
};
