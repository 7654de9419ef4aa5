import { getDb } from "../db.server";
import { getCenterByCode } from "../models/centers.server";
import { assertAllowed, notFound } from "./guard.server";
import type { Principal } from "../domain/permissions";

/**
 * The center a page, file or action is about: 404 when no center has that code, 403 when the user
 * may not `can` it. Every route with a center code in its URL or form starts here (as award routes
 * start at requireAward).
 */
export async function requireCenter(user: Principal, code: string | undefined, can: "read" | "edit" | "respond") {
  const center = await getCenterByCode(getDb(), code ?? "");
  if (!center) throw notFound(`No center with code ${code}`);
  assertAllowed(user, { can, center });
  return center;
}
