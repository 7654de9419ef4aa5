/**
 * Fixed-size pages of an already sorted list. Pure: the caller parses the page number
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
  const w = pageWindow(items.length, page, perPage);
  const { offset: _offset, ...figures } = w;
  return { items: items.slice(w.offset, w.offset + perPage), ...figures };
}

/**
 * Where page `page` of a list of `total` items falls, for a list paged in SQL (LIMIT perPage
 * OFFSET offset): the same figures as paginate, without the items.
 */
export function pageWindow(total: number, page: number, perPage: number): Omit<Page<never>, "items"> & { offset: number } {
  assertPositiveInteger("page", page);
  assertPositiveInteger("perPage", perPage);
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`total must be a whole number from 0 up, not ${total}`);
  const pageCount = Math.max(1, Math.ceil(total / perPage));
  const shown = Math.min(page, pageCount);
  const offset = (shown - 1) * perPage;
  const count = Math.max(0, Math.min(perPage, total - offset));
  return {
    offset,
    page: shown,
    requested: page,
    perPage,
    pageCount,
    total,
    from: count ? offset + 1 : 0,
    to: offset + count,
    clamped: shown !== page,
  };
}

/** A page number from a URL parameter: a whole number from 1 up, or `fallback` for anything else. */
export function pageParam(value: string | null, fallback = 1): number {
  if (value === null || !/^\d{1,9}$/.test(value)) return fallback;
  const n = Number(value);
  return n >= 1 ? n : fallback;
}

export type PagerLink = { page: number; href: string } | { gap: true };

/** What a page needs to show a pager: the figures and ready links (a handful, whatever the list's length). */
export function pagerView(p: Omit<Page<unknown>, "items">, href: (page: number) => string) {
  return {
    page: p.page,
    requested: p.requested,
    pageCount: p.pageCount,
    total: p.total,
    from: p.from,
    to: p.to,
    clamped: p.clamped,
    label: rangeLabel(p),
    prevHref: p.page > 1 ? href(p.page - 1) : null,
    nextHref: p.page < p.pageCount ? href(p.page + 1) : null,
    links: pageLinks(p.page, p.pageCount).map((n): PagerLink => (n === null ? { gap: true } : { page: n, href: href(n) })),
  };
}

export type PagerView = ReturnType<typeof pagerView>;

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
