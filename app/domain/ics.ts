/**
 * RFC 5545 iCalendar text for all-day deadlines (report due dates), served as a subscribable feed.
 * Lines end in CRLF and are folded at 75 octets; TEXT values are escaped (RFC 5545 §3.1, §3.3.11).
 */
import { addDays, parseDate } from "./dates";

export interface CalendarEvent {
  /** Stable across feeds so calendar apps update the event instead of duplicating it. */
  uid: string;
  /** All-day date, `YYYY-MM-DD`. */
  date: string;
  summary: string;
  description?: string;
  url?: string;
}

export const PRODID = "-//Baseline//Grant reporting calendar//EN";

const CRLF = "\r\n";
const MAX_OCTETS = 75;

/** TEXT escaping: backslash, semicolon, comma, newline; other control characters (except tab) are not allowed. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, "\\\\")
    .replace(/;/g, "\\;")
    .replace(/,/g, "\\,")
    .replace(/\r\n|\r|\n/g, "\\n")
    .replace(/[\x00-\x08\x0A-\x1F\x7F]/g, "");
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/**
 * Folds one content line so no physical line exceeds 75 octets (the leading space of a continuation
 * counts). Splits between code points only, so a multi-byte UTF-8 character is never cut.
 */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  for (const ch of line) {
    const n = utf8Length(ch.codePointAt(0)!);
    const limit = parts.length === 0 ? MAX_OCTETS : MAX_OCTETS - 1;
    if (octets + n > limit) {
      parts.push(current);
      current = "";
      octets = 0;
    }
    current += ch;
    octets += n;
  }
  parts.push(current);
  return parts.join(CRLF + " ");
}

function basicDate(date: string): string {
  return date.replace(/-/g, "");
}

/** UTC date-time in basic format: 20261125T120000Z. */
export function formatUtcStamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

function checkedDate(date: string): string {
  const parsed = parseDate(date);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !parsed.ok) throw new RangeError(`Event date "${date}" is not YYYY-MM-DD`);
  return parsed.date;
}

/** Builds a whole VCALENDAR. Throws RangeError for an event whose date is not a real `YYYY-MM-DD`. */
export function buildCalendar(input: { name: string; events: CalendarEvent[]; now?: Date }): string {
  const stamp = formatUtcStamp(input.now ?? new Date());
  const lines: string[] = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    `PRODID:${PRODID}`,
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    `X-WR-CALNAME:${escapeText(input.name)}`,
  ];
  for (const e of input.events) {
    const date = checkedDate(e.date);
    lines.push(
      "BEGIN:VEVENT",
      `UID:${escapeText(e.uid)}`,
      `DTSTAMP:${stamp}`,
      `DTSTART;VALUE=DATE:${basicDate(date)}`,
      // DTEND is exclusive: a one-day event ends the next day.
      `DTEND;VALUE=DATE:${basicDate(addDays(date, 1))}`,
      `SUMMARY:${escapeText(e.summary)}`,
    );
    if (e.description !== undefined && e.description !== "") lines.push(`DESCRIPTION:${escapeText(e.description)}`);
    // URI values are not TEXT-escaped; control characters are dropped so a URL cannot inject a property.
    if (e.url) lines.push(`URL:${e.url.replace(/[\x00-\x1F\x7F]/g, "")}`);
    // Deadlines should not block time as busy.
    lines.push("TRANSP:TRANSPARENT", "END:VEVENT");
  }
  lines.push("END:VCALENDAR");
  return lines.map(foldLine).join(CRLF) + CRLF;
}
