import { getDb } from "../db.server";
import { awardCenter } from "../models/award-context.server";
import { getAwardByNumber, type AwardWithContext } from "../models/awards.server";
import { assertAllowed, notFound } from "./guard.server";
import type { Principal } from "../domain/permissions";

/**
 * The award a page or action is about, with its program and center: 404 when no award has that
 * number, 403 when the user may not `can` it on the award's center. Every award route starts here.
 */
export async function requireAward(user: Principal, awardNumber: string | undefined, can: "read" | "edit"): Promise<AwardWithContext> {
  const award = await getAwardByNumber(getDb(), awardNumber ?? "");
  if (!award) throw notFound(`No award numbered ${awardNumber}`);
  assertAllowed(user, { can, center: awardCenter(award) });
  return award;
}
