import { ALL, EVERYONE_SIGNED_IN, type CaseContext, type RouteCase } from "../route-case";

/**
 * Grant lifecycle: the deadlines page and its submission form, the personal calendar
 * feed (public by secret token), the account page, and an award's amendments, match and closed
 * periods. Directors write only their own center's (demo-director: VA); admins everything; auditors
 * and state officials read. Closing and reopening periods and setting the required match: admin only.
 */
type Db = CaseContext["db"];

/** The first live JAG award of a center (every demo center has one). */
async function awardOf(db: Db, code: string) {
  return db
    .selectFrom("awards")
    .innerJoin("centers", "centers.id", "awards.center_id")
    .select(["awards.id", "awards.award_number", "awards.amount_cents", "awards.version"])
    .where("centers.code", "=", code)
    .where("awards.program_code", "=", "JAG")
    .where("awards.voided_at", "is", null)
    .orderBy("awards.award_number")
    .executeTakeFirstOrThrow();
}

const awardPath = (code: string, page: string) => async ({ db }: CaseContext) => `/awards/${encodeURIComponent((await awardOf(db, code)).award_number)}/${page}`;

/** An obligation of the center's JAG award, with the version a form would carry. */
async function obligationOf(db: Db, code: string) {
  const award = await awardOf(db, code);
  return db
    .selectFrom("reporting_obligations")
    .select(["id", "version"])
    .where("award_id", "=", award.id)
    .orderBy("due")
    .executeTakeFirstOrThrow();
}

const submissionForm = (code: string) => async ({ db }: CaseContext) => {
  const o = await obligationOf(db, code);
  return { obligationId: String(o.id), version: String(o.version), submittedOn: "2025-06-01", reference: "CASE-REF" };
};

/** An increase is always allowed (a decrease could fall below what is budgeted). */
const amendmentForm = (code: string) => async ({ db }: CaseContext) => {
  const a = await awardOf(db, code);
  return { version: String(a.version), date: "2025-06-01", reason: "Supplemental funding", amount: ((a.amount_cents + 1_000_00) / 100).toFixed(2) };
};

const matchAddForm = { intent: "add", date: "2025-03-01", kind: "cash", amount: "1000.00", description: "County cash" };

/** A fresh live contribution to void (each allowed role voids its own). */
const matchVoidForm = (code: string) => async ({ db }: CaseContext) => {
  const a = await awardOf(db, code);
  const { id } = await db
    .insertInto("match_contributions")
    .values({ award_id: a.id, date: "2025-03-01", kind: "in_kind", amount_cents: 500_00, description: "Case line", created_at: "2025-03-01T00:00:00.000Z" })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { intent: "void", id: String(id), version: "1", reason: "Entered in error" };
};

const matchRequiredForm = (code: string) => async ({ db }: CaseContext) => ({ intent: "required", version: String((await awardOf(db, code)).version), required: "1234.56" });

// A period long before any demo spending, so closing it disturbs no other case.
const closeForm = { intent: "close", start: "2000-01-01", end: "2000-01-31" };

const reopenForm = (code: string) => async ({ db }: CaseContext) => {
  const a = await awardOf(db, code);
  const { id } = await db
    .insertInto("closed_periods")
    .values({ award_id: a.id, period_start: "2001-01-01", period_end: "2001-01-31", closed_by: null, closed_at: "2025-01-01T00:00:00.000Z" })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { intent: "reopen", id: String(id) };
};

/** The calendar feed needs no session: the secret link is the credential. */
async function feedPath({ db }: CaseContext) {
  const token = "case-feed-token-0123456789abcdef";
  await db.updateTable("users").set({ ics_token: token }).where("username", "=", "demo-director").execute();
  return `/calendar/${token}.ics`;
}

export const cases: RouteCase[] = [
  { file: "deadlines.tsx", name: "deadlines of the user's centers", method: "GET", path: "/deadlines?as-of=2025-06-30", allowed: EVERYONE_SIGNED_IN },
  { file: "deadlines.tsx", name: "deadlines of another state's center (MD)", method: "GET", path: "/deadlines?center=MD", allowed: ["admin", "auditor"] },
  {
    file: "deadlines.tsx",
    name: "submission form for a VA report",
    method: "GET",
    path: async ({ db }) => `/deadlines?center=VA&record=${(await obligationOf(db, "VA")).id}`,
    allowed: ["admin", "director"],
  },
  { file: "deadlines.tsx", name: "record a VA report's submission", method: "POST", path: "/deadlines?center=VA", form: submissionForm("VA"), allowed: ["admin", "director"] },
  { file: "deadlines.tsx", name: "record an MD report's submission", method: "POST", path: "/deadlines", form: submissionForm("MD"), allowed: ["admin"] },

  { file: "calendar.$token[.]ics.ts", name: "calendar feed with a valid token", method: "GET", path: feedPath, allowed: ALL },

  { file: "account.tsx", name: "own account page", method: "GET", path: "/account", allowed: EVERYONE_SIGNED_IN },
  { file: "account.tsx", name: "make a new calendar link", method: "POST", path: "/account", form: { intent: "rotate" }, allowed: EVERYONE_SIGNED_IN },
  { file: "account.tsx", name: "sign out one of one's sessions", method: "POST", path: "/account", form: { intent: "end-session", session: "1" }, allowed: EVERYONE_SIGNED_IN },
  { file: "account.tsx", name: "create an API token for oneself", method: "POST", path: "/account", form: { intent: "token-create", name: "matrix" }, allowed: EVERYONE_SIGNED_IN },
  { file: "account.tsx", name: "revoke one of one's API tokens", method: "POST", path: "/account", form: { intent: "token-revoke", token: "1" }, allowed: EVERYONE_SIGNED_IN },
  { file: "account.tsx", name: "sign out everywhere", method: "POST", path: "/account", form: { intent: "end-all" }, allowed: EVERYONE_SIGNED_IN, endsSession: true },

  { file: "awards.$number_.amendments.tsx", name: "amendments of a VA award", method: "GET", path: awardPath("VA", "amendments"), allowed: EVERYONE_SIGNED_IN },
  { file: "awards.$number_.amendments.tsx", name: "amendments of an MD award", method: "GET", path: awardPath("MD", "amendments"), allowed: ["admin", "auditor"] },
  { file: "awards.$number_.amendments.tsx", name: "amend a VA award", method: "POST", path: awardPath("VA", "amendments"), form: amendmentForm("VA"), allowed: ["admin", "director"] },
  { file: "awards.$number_.amendments.tsx", name: "amend an MD award", method: "POST", path: awardPath("MD", "amendments"), form: amendmentForm("MD"), allowed: ["admin"] },

  { file: "awards.$number_.match.tsx", name: "match of a VA award", method: "GET", path: awardPath("VA", "match"), allowed: EVERYONE_SIGNED_IN },
  { file: "awards.$number_.match.tsx", name: "match of an MD award", method: "GET", path: awardPath("MD", "match"), allowed: ["admin", "auditor"] },
  { file: "awards.$number_.match.tsx", name: "add a contribution to a VA award", method: "POST", path: awardPath("VA", "match"), form: matchAddForm, allowed: ["admin", "director"] },
  { file: "awards.$number_.match.tsx", name: "add a contribution to an MD award", method: "POST", path: awardPath("MD", "match"), form: matchAddForm, allowed: ["admin"] },
  { file: "awards.$number_.match.tsx", name: "void a VA contribution", method: "POST", path: awardPath("VA", "match"), form: matchVoidForm("VA"), allowed: ["admin", "director"] },
  { file: "awards.$number_.match.tsx", name: "set a VA award's required match", method: "POST", path: awardPath("VA", "match"), form: matchRequiredForm("VA"), allowed: ["admin"] },

  { file: "awards.$number_.periods.tsx", name: "closed periods of a VA award", method: "GET", path: awardPath("VA", "periods"), allowed: EVERYONE_SIGNED_IN },
  { file: "awards.$number_.periods.tsx", name: "closed periods of an MD award", method: "GET", path: awardPath("MD", "periods"), allowed: ["admin", "auditor"] },
  { file: "awards.$number_.periods.tsx", name: "close a period of a VA award", method: "POST", path: awardPath("VA", "periods"), form: closeForm, allowed: ["admin"] },
  { file: "awards.$number_.periods.tsx", name: "reopen a period of a VA award", method: "POST", path: awardPath("VA", "periods"), form: reopenForm("VA"), allowed: ["admin"] },
];
