import { describe, expect, it } from "vitest";
import { pageLinks, pageOfIndex, pageParam, pagerView, pageWindow, paginate, rangeLabel } from "~/domain/pagination";

/** 1..n, so an item's value is its 1-based position. */
const list = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("paginate", () => {
  it("gives the second page of 50 as items 51–100", () => {
    const p = paginate(list(1234), 2, 50);
    expect(p.items).toEqual(list(100).slice(50));
    expect(p).toMatchObject({ page: 2, requested: 2, perPage: 50, pageCount: 25, total: 1234, from: 51, to: 100, clamped: false });
  });

  it("gives a short last page", () => {
    // 1234 = 24 × 50 + 34
    const p = paginate(list(1234), 25, 50);
    expect(p.items).toEqual(list(1234).slice(1200));
    expect(p).toMatchObject({ page: 25, pageCount: 25, from: 1201, to: 1234, clamped: false });
  });

  it("counts an exact multiple as full pages, with no empty page after them", () => {
    expect(paginate(list(100), 2, 50)).toMatchObject({ pageCount: 2, from: 51, to: 100 });
    expect(paginate(list(100), 3, 50)).toMatchObject({ page: 2, requested: 3, clamped: true });
  });

  it("shows the last page for a page past the end, and says so", () => {
    const p = paginate(list(120), 9, 50);
    expect(p.items).toEqual(list(120).slice(100));
    expect(p).toMatchObject({ page: 3, requested: 9, pageCount: 3, from: 101, to: 120, clamped: true });
  });

  it("has one empty page for an empty list", () => {
    expect(paginate([], 1, 50)).toEqual({ items: [], page: 1, requested: 1, perPage: 50, pageCount: 1, total: 0, from: 0, to: 0, clamped: false });
    expect(paginate([], 4, 50)).toMatchObject({ page: 1, requested: 4, clamped: true });
  });

  it("does not change the list it is given", () => {
    const items = list(7);
    paginate(items, 2, 3);
    expect(items).toEqual(list(7));
  });

  it("refuses page numbers and sizes that are not whole numbers from 1", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => paginate(list(3), bad, 50)).toThrow(RangeError);
      expect(() => paginate(list(3), 1, bad)).toThrow(RangeError);
    }
  });
});

describe("pageOfIndex", () => {
  it("finds the page holding a 0-based position", () => {
    expect(pageOfIndex(0, 50)).toBe(1);
    expect(pageOfIndex(49, 50)).toBe(1);
    expect(pageOfIndex(50, 50)).toBe(2);
    expect(pageOfIndex(99, 50)).toBe(2);
    expect(pageOfIndex(1233, 50)).toBe(25);
    expect(() => pageOfIndex(-1, 50)).toThrow(RangeError);
  });

  it("agrees with paginate: the page it names holds the item", () => {
    const items = list(237);
    for (const i of [0, 49, 50, 51, 199, 200, 236]) expect(paginate(items, pageOfIndex(i, 50), 50).items).toContain(i + 1);
  });
});

describe("pageLinks", () => {
  it("lists every page when there are few", () => {
    expect(pageLinks(1, 1)).toEqual([1]);
    expect(pageLinks(2, 3)).toEqual([1, 2, 3]);
    expect(pageLinks(1, 5)).toEqual([1, 2, 3, 4, 5]); // 4 alone between 3 and 5 is filled in
    expect(pageLinks(1, 7)).toEqual([1, 2, 3, null, 7]);
  });

  it("shows first, last and the current page ±2, with gaps", () => {
    expect(pageLinks(12, 25)).toEqual([1, null, 10, 11, 12, 13, 14, null, 25]);
    expect(pageLinks(1, 25)).toEqual([1, 2, 3, null, 25]);
    expect(pageLinks(25, 25)).toEqual([1, null, 23, 24, 25]);
  });

  it("fills a gap of one page with that page instead of an ellipsis", () => {
    // 5 ± 2 = 3..7: page 2 alone between 1 and 3 is shown; 8..9 between 7 and 10 is a gap.
    expect(pageLinks(5, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, null, 10]);
  });
});

describe("rangeLabel", () => {
  it("names the positions shown and the total, with thousands separators", () => {
    expect(rangeLabel(paginate(list(1234), 2, 50))).toBe("Showing 51–100 of 1,234");
    expect(rangeLabel(paginate(list(1234), 25, 50))).toBe("Showing 1,201–1,234 of 1,234");
    expect(rangeLabel(paginate(list(3), 1, 50))).toBe("Showing 1–3 of 3");
    expect(rangeLabel(paginate([], 1, 50))).toBe("Showing 0 of 0");
  });
});

describe("pageWindow (lists paged in SQL)", () => {
  it("gives the offset and the same figures as paginate", () => {
    const items = Array.from({ length: 230 }, (_, i) => i);
    for (const page of [1, 2, 3, 4]) {
      const { offset, ...figures } = pageWindow(230, page, 100);
      const { items: slice, ...expected } = paginate(items, page, 100);
      expect(figures).toEqual(expected);
      expect(items.slice(offset, offset + 100)).toEqual(slice);
    }
    expect(pageWindow(0, 1, 100)).toMatchObject({ offset: 0, page: 1, pageCount: 1, from: 0, to: 0, clamped: false });
    expect(() => pageWindow(-1, 1, 100)).toThrow(RangeError);
  });
});

describe("pageParam", () => {
  it("reads a whole page number from 1 up and falls back for anything else", () => {
    expect(pageParam("3")).toBe(3);
    expect(pageParam(null)).toBe(1);
    for (const bad of ["0", "-1", "2.5", "abc", "", "0x10", "1e3"]) expect(pageParam(bad), bad).toBe(1);
    expect(pageParam("abc", 7)).toBe(7);
  });
});

describe("pagerView", () => {
  it("builds previous/next and page links with the caller's URLs", () => {
    const view = pagerView(pageWindow(230, 2, 100), (n) => `?p=${n}`);
    expect(view).toMatchObject({ page: 2, pageCount: 3, label: "Showing 101–200 of 230", prevHref: "?p=1", nextHref: "?p=3" });
    expect(view.links).toEqual([
      { page: 1, href: "?p=1" },
      { page: 2, href: "?p=2" },
      { page: 3, href: "?p=3" },
    ]);
  });
});
