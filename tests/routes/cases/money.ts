import { sql } from "kysely";
import { EVERYONE_SIGNED_IN, type CaseContext, type RouteCase } from "../route-case";

/**
 * Prime awards and the reconciliation with USAspending (docs/decisions/018). The prime list is scoped in
 * its model (everyone signed in may open it); one prime is readable by administrators, auditors, its
 * state's officials and the directors whose center holds a sub-award under it. The reconciliation is
 * for administrators, auditors and state officials.
 */
const PRIME = "EMW-CASE-VA-00001";

/** A VA prime with one sub-award of the VA center (created once; the demo data has no primes). */
async function vaPrime({ db }: CaseContext): Promise<string> {
  const found = await sql<{ id: number }>`select id from prime_awards where award_number = ${PRIME}`.execute(db);
  if (found.rows.length === 0) {
    const now = "2025-01-01T00:00:00.000Z";
    await sql`insert into prime_awards (award_number, recipient, state, fiscal_year, amount_cents, pop_start, pop_end, assistance_listing, created_at)
      values (${PRIME}, 'Virginia SAA', 'VA', 2025, 100000000, '2024-09-01', '2027-08-31', '97.067', ${now})`.execute(db);
    await sql`insert into prime_award_programs (prime_award_id, program_code) select id, 'SHSP' from prime_awards where award_number = ${PRIME}`.execute(db);
    await sql`insert into awards (award_number, center_id, program_code, fiscal_year, amount_cents, pop_start, pop_end, prime_award_id, pass_through, created_at)
      select 'VA-CASE-SUB-1', c.id, 'SHSP', 2025, 10000000, '2024-10-01', '2027-08-31', p.id, 'Virginia SAA', ${now}
      from centers c, prime_awards p where c.code = 'VA' and p.award_number = ${PRIME}`.execute(db);
  }
  return `/prime-awards/${PRIME}`;
}

export const cases: RouteCase[] = [
  { file: "prime-awards._index.tsx", name: "prime awards list (scoped in the model)", method: "GET", path: "/prime-awards", allowed: EVERYONE_SIGNED_IN },
  { file: "prime-awards.$number.tsx", name: "one VA prime with a VA sub-award", method: "GET", path: vaPrime, allowed: EVERYONE_SIGNED_IN },
  { file: "reports.reconciliation.tsx", name: "reconciliation page", method: "GET", path: "/reports/reconciliation", allowed: ["admin", "auditor", "state_official"] },
  {
    file: "reports.reconciliation[.]csv.ts",
    name: "reconciliation CSV",
    method: "GET",
    path: "/reports/reconciliation.csv",
    allowed: ["admin", "auditor", "state_official"],
  },
];
