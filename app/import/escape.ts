/**
 * Spreadsheet formula escaping for exported text (CSV injection). A spreadsheet runs a cell that
 * starts with = + - @ (and some treat a leading tab or CR the same way), so exports put an
 * apostrophe in front; imports take it off again.
 *
 * To make unescapeCell(escapeCell(x)) === x for every string, text that already starts with one or
 * more apostrophes followed by a trigger character ("'=A1", "''+1") gets one more apostrophe too;
 * unescape removes exactly one from any text of that shape and leaves everything else alone.
 */

const TRIGGERS = "=+-@\t\r";

/** One or more apostrophes, then a trigger character. */
const ESCAPED = /^'+[=+\-@\t\r]/;

export function needsEscape(text: string): boolean {
  return text.length > 0 && (TRIGGERS.includes(text[0]) || ESCAPED.test(text));
}

export function escapeCell(text: string): string {
  return needsEscape(text) ? `'${text}` : text;
}

export function unescapeCell(text: string): string {
  return ESCAPED.test(text) ? text.slice(1) : text;
}
