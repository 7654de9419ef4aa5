import type { Principal } from "../domain/permissions";
import { forbidden } from "../auth/guard.server";
import { parseFiscalYear } from "../domain/fiscal-year";
import type { ReconcileFilter } from "./reconcile.server";

/** The reconciliation is for auditors, administrators and state officials (their states); directors are refused. */
export function reconcileAccess(user: Principal): void {
  if (user.role === "director") throw forbidden("The reconciliation with USAspending is for auditors and state officials.");
}

/** `?fy=2024&center=VA` as typed; anything else is ignored rather than refused (a filter, not a form). */
export function reconcileFilter(params: URLSearchParams): ReconcileFilter {
  const fy = parseFiscalYear(params.get("fy") ?? "");
  const center = (params.get("center") ?? "").trim().toUpperCase();
  return { fiscalYear: fy ?? undefined, centerCode: /^[A-Z0-9-]{1,20}$/.test(center) ? center : undefined };
}
