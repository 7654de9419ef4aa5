import type { Q } from "../../db/schema";
import { centerScope } from "../domain/permissions";
import { addDays, todayIso } from "../domain/dates";
import { buildCalendar, type CalendarEvent } from "../domain/ics";
import { listDeadlines } from "./obligations.server";
import { getPrincipal } from "./users.server";

/** Open reports due this long ago still show in the feed (overdue ones matter most). */
const FEED_PAST_DAYS = 365;
/** A real token is 32 characters (24 random bytes, base64url); anything much shorter is not one. */
const MIN_TOKEN_LENGTH = 20;

/**
 * The personal iCalendar feed behind a secret link (users.ics_token): the open (not submitted)
 * reports of the centers the user answers for — a director's own center, everyone else the centers
 * they may read. Null when the token is unknown, revoked, or its user is deactivated.
 */
export async function calendarFeed(db: Q, token: string, opts: { origin: string; now?: Date }): Promise<string | null> {
  if (token.length < MIN_TOKEN_LENGTH) return null;
  const row = await db.selectFrom("users").select("id").where("ics_token", "=", token).executeTakeFirst();
  if (!row) return null;
  const user = await getPrincipal(db, row.id);
  if (!user) return null;
  const today = todayIso(opts.now);
  // A director files only their own center's reports; peers' deadlines would be noise in their calendar.
  const centerId = user.role === "director" ? (user.centerId ?? -1) : undefined;
  const rows = await listDeadlines(db, { asOf: today, scope: centerScope(user), centerId, openOnly: true, dueFrom: addDays(today, -FEED_PAST_DAYS) });
  const events: CalendarEvent[] = rows.map((r) => ({
    uid: `reporting-obligation-${r.id}@baseline`,
    date: r.due,
    summary: `${r.report} due: ${r.awardNumber} (${r.centerCode})`,
    description: `${r.report} for ${r.periodStart} to ${r.periodEnd}, ${r.programCode} award ${r.awardNumber}, ${r.centerName}.${r.status === "overdue" ? " OVERDUE." : ""}`,
    url: `${opts.origin}/deadlines?center=${encodeURIComponent(r.centerCode)}`,
  }));
  return buildCalendar({ name: `Baseline reporting deadlines (${user.displayName})`, events, now: opts.now });
}

/** The user's current feed secret, or null when they have none (never created, or revoked). */
export async function icsTokenOf(db: Q, userId: number): Promise<string | null> {
  const row = await db.selectFrom("users").select("ics_token").where("id", "=", userId).executeTakeFirst();
  return row?.ics_token ?? null;
}

export function feedUrl(origin: string, token: string): string {
  return `${origin}/calendar/${token}.ics`;
}
