/**
 * Money is integer cents everywhere: forms, database (`*_cents` INTEGER), charts, exports.
 * This is the one module that turns text into cents and cents into text.
 */

/** Largest amount accepted anywhere: one trillion dollars (1e12), in cents. */
export const MAX_CENTS = 1_000_000_000_000 * 100;

export type MoneyParse = { ok: true; cents: number } | { ok: false; error: string };

const MONEY_RE = /^\$?(\d{1,3}(,\d{3})+|\d+)(\.(\d*))?$/;

export interface MoneyOptions {
  /**
   * Accept a negative amount (a refund or credit on a payment, a USAspending de-obligation), written
   * "-2,500.00", "-$2,500.00" or, as accountants do, "(2,500.00)". Everywhere else a negative is refused.
   */
  allowNegative?: boolean;
}

/**
 * Parses "1234.56", "$1,234.56", "$ 1,000,000", "1234", "1,234" into cents. Refuses negatives (unless
 * `allowNegative`), more than two decimals, letters, empty text and amounts over one trillion dollars.
 */
export function parseMoney(input: unknown, options: MoneyOptions = {}): MoneyParse {
  if (typeof input === "number") input = String(input);
  if (typeof input !== "string") return { ok: false, error: "Enter an amount in dollars, like 1234.56" };
  let text = input.trim();
  if (text === "") return { ok: false, error: "Enter an amount in dollars, like 1234.56" };
  let negative = false;
  if (/^\(.*\)$/s.test(text)) {
    negative = true;
    text = text.slice(1, -1).trim();
  } else if (/^-|^\$\s*-/.test(text)) {
    negative = true;
    text = text.replace(/^(\$?)\s*-/, "$1");
  }
  if (negative && !options.allowNegative) return { ok: false, error: "Amount cannot be negative" };
  // "$ 1,000,000": a space between the dollar sign and the figure, as some spreadsheets export it.
  text = text.replace(/^\$\s+/, "$");
  const m = MONEY_RE.exec(text);
  if (!m) return { ok: false, error: `"${truncate(input.trim())}" is not an amount in dollars (use 1234.56 or $1,234.56)` };
  const whole = m[1].replace(/,/g, "");
  const frac = m[4] ?? "";
  if (frac.length > 2) return { ok: false, error: "Amount has more than two decimals (cents)" };
  if (m[3] !== undefined && frac.length === 0) return { ok: false, error: "Amount has a decimal point but no cents" };
  // Compare as digit strings first so huge inputs never lose precision in a float.
  const wholeTrim = whole.replace(/^0+(?=\d)/, "");
  if (wholeTrim.length > 13) return { ok: false, error: "Amount is over the limit of $1,000,000,000,000" };
  const cents = Number(wholeTrim) * 100 + Number(frac.padEnd(2, "0"));
  if (!Number.isSafeInteger(cents) || cents > MAX_CENTS) {
    return { ok: false, error: "Amount is over the limit of $1,000,000,000,000" };
  }
  return { ok: true, cents: negative && cents !== 0 ? -cents : cents };
}

function truncate(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + "…" : s;
}

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const usdWhole = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const usdCompact = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  notation: "compact",
  // Without an explicit minimum, Node's ICU writes "$190.0K" where browsers write "$190K", and a
  // chart's server HTML would not match its hydration.
  minimumFractionDigits: 0,
  maximumFractionDigits: 1,
});

/** "$1,234.56": exact, for tables and reports. */
export function formatMoney(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return "—";
  return usd.format(cents / 100);
}

/** "$12,345": whole dollars, for tiles. */
export function formatMoneyWhole(cents: number): string {
  return usdWhole.format(Math.round(cents / 100));
}

/** "$1.2M" / "$12K": for chart axes and tiles where space is short. */
export function formatMoneyShort(cents: number): string {
  if (Math.abs(cents) < 100_000_00) return formatMoneyWhole(cents);
  return usdCompact.format(cents / 100);
}

/** "1234.56": plain dollars with two decimals, for CSV/XLSX and form defaults. */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** Sum of cents; integers stay exact up to 2^53. */
export function sumCents(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** floor(amount × percent / 100) in integer arithmetic, for caps (e.g. M&A 5%). */
export function percentOfCents(cents: number, percent: number): number {
  return Math.floor((cents * percent) / 100);
}

/** Share as a number in 0..1 (0 when the whole is 0). */
export function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}
