import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/guard.server";
import { centerScope } from "~/domain/permissions";
import { getDb } from "~/db.server";
import { reconcileCsvRows } from "~/domain/reconcile";
import { csvResponse } from "~/http/csv.server";
import { reconcileAccess, reconcileFilter } from "~/models/reconcile-page.server";
import { reconciliation } from "~/models/reconcile.server";

/** /reports/reconciliation.csv: the reconciliation page's rows for the same filter (the `reconcile` command prints the same). */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  reconcileAccess(user);
  const filter = reconcileFilter(new URL(request.url).searchParams);
  const { rows } = await reconciliation(getDb(), centerScope(user), filter);
  const name = ["reconciliation", filter.fiscalYear ? `FY${filter.fiscalYear}` : "all-years", filter.centerCode].filter(Boolean).join("-");
  return csvResponse(name, reconcileCsvRows(rows));
}
