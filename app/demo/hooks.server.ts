import type { Transaction } from "kysely";
import type { Database } from "../../db/schema";
import type { DemoSummary } from "../../db/demo";
import { demoObligationsHook } from "./obligations.server";

/**
 * Steps other features add to a demo load, run in the same transaction after the network is
 * written (e.g. generating reporting obligations and recording most of them as submitted).
 */
export type DemoHook = (trx: Transaction<Database>, ctx: { referenceDate: string; summary: DemoSummary }) => Promise<void>;

export const afterDemoLoadHooks: DemoHook[] = [];
afterDemoLoadHooks.push(demoObligationsHook);
