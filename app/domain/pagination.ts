/**
 * Fixed-size pages of an already sorted list (issue #9). Pure: the caller parses the page number
 * from the URL; here a page past the end is clamped to the last page rather than refused, because
 * such a URL is usually an old link to a list that has since shrunk.
 */

export interface Page<T> {
  items: T[];
  /** The page shown, 1-based (after clamping). */
  page: number;
  /** The page that was asked for. */
  requested: number;
  perPage: number;
  /** At least 1: an empty list has one, empty, page. */
  pageCount: number;
  total: number;
  /** 1-based positions of the first and last item shown; both 0 when the list is empty. */
  from: number;
  to: number;
  /** The requested page was past the end, so the last page is shown instead. */
  clamped: boolean;
}

function assertPositiveInteger(name: string, n: number) {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} must be a whole number from 1 up, not ${n}`);
}

/** Page `page` (1-based) of `items`, `perPage` items a page. */
export function paginate<T>(items: readonly T[], page: number, perPage: number): Page<T> {
  assertPositiveInteger("page", page);
  assertPositiveInteger("perPage", perPage);
  const total = items.length;
  const pageCount = Math.max(1, Math.ceil(total / perPage));
  const shown = Math.min(page, pageCount);
  const start = (shown - 1) * perPage;
  const slice = items.slice(start, start + perPage);
  return {
    items: slice,
    page: shown,
    requested: page,
    perPage,
    pageCount,
    total,
    from: slice.length ? start + 1 : 0,
    to: start + slice.length,
    clamped: shown !== page,
  };
}

/** The page (1-based) that holds the item at 0-based `index`. */
export function pageOfIndex(index: number, perPage: number): number {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`index must be a whole number from 0 up, not ${index}`);
  assertPositiveInteger("perPage", perPage);
  return Math.floor(index / perPage) + 1;
}

/**
 * Page numbers to link to: the first, the last and `around` either side of the current one,
 * in order, with null where pages are left out. A gap of a single page is filled in instead,
 * since "…" would take the same room as the number it hides.
 */
export function pageLinks(current: number, pageCount: number, around = 2): (number | null)[] {
  assertPositiveInteger("pageCount", pageCount);
  const wanted = new Set<number>([1, pageCount]);
  for (let p = current - around; p <= current + around; p++) if (p >= 1 && p <= pageCount) wanted.add(p);
  const sorted = [...wanted].sort((a, b) => a - b);
  const out: (number | null)[] = [];
  for (const p of sorted) {
    const prev = out.length ? out[out.length - 1] : null;
    if (prev !== null && p - prev === 2) out.push(prev + 1);
    else if (prev !== null && p - prev > 2) out.push(null);
    out.push(p);
  }
  return out;
}

const COUNT = new Intl.NumberFormat("en-US");

/** "Showing 51–100 of 1,234" (an en dash between the positions). */
export function rangeLabel(p: Pick<Page<unknown>, "from" | "to" | "total">): string {
  if (p.total === 0) return "Showing 0 of 0";
  return `Showing ${COUNT.format(p.from)}–${COUNT.format(p.to)} of ${COUNT.format(p.total)}`;
}
