import { sql, type Selectable } from "kysely";
import type { CentersTable, Q } from "../../db/schema";
import { perShared } from "./memo.server";
import type { CenterScope } from "../domain/permissions";

/** Restricts a query on `centers` to what the user may see. */
export function scoped<QB extends { where: (...args: any[]) => QB }>(qb: QB, scope: CenterScope, column = "centers.state"): QB {
  if (scope.kind === "all") return qb;
  if (scope.states.length === 0) return qb.where(sql.lit(1), "=", sql.lit(0));
  return qb.where(column, "in", scope.states);
}

export interface CenterFilter {
  state?: string;
  kind?: "state" | "urban_area";
}

/** A center's row as every list and look-up below gives it: shared between requests, never mutated. */
export type CenterRow = Readonly<Selectable<CentersTable>>;

/** What a list of centers gives of each. */
export type ListedCenter = Readonly<Pick<CenterRow, "id" | "code" | "name" | "state" | "kind">>;

interface Network {
  /** Every center in the lists' order: state, kind, code (byte order on both engines, decision 025). */
  listed: readonly ListedCenter[];
  /** The same, by code alone. */
  inCodeOrder: readonly ListedCenter[];
  byCode: ReadonlyMap<string, CenterRow>;
  byId: ReadonlyMap<number, CenterRow>;
}

/**
 * The network's centers, read once per state of the shared counter (memo.server.ts `perShared`): the centers
 * table is one of the shared tables, so a list or a look-up by code costs no statement while it holds
 * (docs/decisions/046-one-list-of-centers.md). Eighty rows, a hundred and sixty at twice the network.
 */
export function networkCenters(db: Q): Promise<Network> {
  return perShared(db, "network-centers", null, async () => {
    const rows = await db.selectFrom("centers").selectAll().orderBy("state").orderBy("kind").orderBy("code").execute();
    const all = rows.map((c) => Object.freeze(c));
    const listed = Object.freeze(all.map(({ id, code, name, state, kind }) => Object.freeze({ id, code, name, state, kind })));
    const inCodeOrder = Object.freeze([...listed].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)));
    return Object.freeze({ listed, inCodeOrder, byCode: new Map(all.map((c) => [c.code, c])), byId: new Map(all.map((c) => [c.id, c])) });
  });
}

/** The centers the scope may see, narrowed by `filter`, ordered by state, kind and code (or by code alone). */
export async function listCenters(db: Q, scope: CenterScope, filter: CenterFilter = {}, order: "state" | "code" = "state"): Promise<ListedCenter[]> {
  const network = await networkCenters(db);
  return (order === "code" ? network.inCodeOrder : network.listed).filter(
    (c) => (scope.kind === "all" || scope.states.includes(c.state)) && (!filter.state || c.state === filter.state) && (!filter.kind || c.kind === filter.kind),
  );
}

/** The states with a center the scope may see, in order. */
export async function listStates(db: Q, scope: CenterScope): Promise<string[]> {
  const states = (await listCenters(db, scope)).map((c) => c.state);
  return states.filter((s, i) => s !== states[i - 1]);
}

/** A center's code and name by id (the signed-in director's own center). */
export async function getCenterName(db: Q, id: number): Promise<{ code: string; name: string } | undefined> {
  const c = (await networkCenters(db)).byId.get(id);
  return c && { code: c.code, name: c.name };
}

export async function getCenterByCode(db: Q, code: string): Promise<CenterRow | undefined> {
  return (await networkCenters(db)).byCode.get(code);
}

/** Federal and non-federal award totals per fiscal year, for the center page (voided awards left out). */
export async function centerAwardTotalsByYear(db: Q, centerId: number) {
  return db
    .selectFrom("awards")
    .innerJoin("programs", "programs.code", "awards.program_code")
    .select((eb) => [
      "awards.fiscal_year",
      eb.fn.count<number>("awards.id").as("awards"),
      eb.fn.sum<number>("awards.amount_cents").as("amount_cents"),
      eb.fn.sum<number>(eb.case().when("programs.federal", "=", 1).then(eb.ref("awards.amount_cents")).else(0).end()).as("federal_cents"),
      eb.fn.sum<number>("awards.budgeted_cents").as("budgeted_cents"),
      eb.fn.sum<number>("awards.spent_cents").as("spent_cents"),
    ])
    .where("awards.center_id", "=", centerId)
    .where("awards.voided_at", "is", null)
    .groupBy("awards.fiscal_year")
    .orderBy("awards.fiscal_year", "desc")
    .execute()
    .then((rows) =>
      rows.map((r) => ({
        fiscal_year: r.fiscal_year,
        awards: Number(r.awards),
        amount_cents: Number(r.amount_cents ?? 0),
        federal_cents: Number(r.federal_cents ?? 0),
        budgeted_cents: Number(r.budgeted_cents ?? 0),
        spent_cents: Number(r.spent_cents ?? 0),
      })),
    );
}

