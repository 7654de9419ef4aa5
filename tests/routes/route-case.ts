import type { Role } from "../../db/schema";

/**
 * One row of the table-driven authorization test. The demo data is loaded, so these
 * fixtures exist: center VA (the demo director's center, state VA), center MD (another state),
 * and any award/line ids a case looks up in `prepare`.
 */
export type Who = Role | "anonymous";

export interface RouteCase {
  /** Route module file under app/routes, e.g. "centers.$code._index.tsx". */
  file: string;
  /** What the case checks, shown in the test name. */
  name: string;
  method: "GET" | "POST";
  /** Concrete URL path (may be computed in `prepare`). */
  path: string | ((ctx: CaseContext) => Promise<string> | string);
  /** Form fields for POST (may be computed). */
  form?: Record<string, string> | ((ctx: CaseContext) => Promise<Record<string, string>> | Record<string, string>);
  /** Who is allowed; everyone else must be refused (anonymous → redirect to /login, others → 403/404). */
  allowed: Who[];
  /** The case ends the session it runs with (sign-out): it gets a fresh one, so later cases keep theirs. */
  endsSession?: boolean;
}

export interface CaseContext {
  db: import("../../db/client").DB;
}

export const EVERYONE_SIGNED_IN: Who[] = ["admin", "director", "auditor", "state_official"];
export const ALL: Who[] = [...EVERYONE_SIGNED_IN, "anonymous"];
