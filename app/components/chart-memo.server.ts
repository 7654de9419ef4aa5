import { LRUCache } from "lru-cache";
import type { ReactNode } from "react";
import { renderToStaticMarkup, renderToString } from "react-dom/server";
import type { RenderChart } from "./StaticChart";
import type { RenderRows } from "./StaticRows";

/**
 * The server's memo of chart SVG by chart key (see StaticChart.tsx). Bounded: a chart is a few
 * kilobytes to a few dozen, so 256 entries stay under ~8 MB; the least recently used goes first.
 */
const memo = new LRUCache<string, string>({ max: 256 });

export const renderChart: RenderChart = (key: string, chart: ReactNode) => {
  let html = memo.get(key);
  if (html === undefined) memo.set(key, (html = renderToStaticMarkup(chart)));
  return html;
};

/** For tests: how many charts are held. */
export function chartMemoSize(): number {
  return memo.size;
}

/**
 * Table rows by rows key (StaticRows.tsx). renderToString, not renderToStaticMarkup: it writes the
 * same separators between adjacent texts as the page's own render, so the page's HTML is unchanged.
 * Bounded by size: the national heat map's rows are ~70 KB; 8 M characters hold a hundred such.
 */
const rowsMemo = new LRUCache<string, string>({ maxSize: 8_000_000, sizeCalculation: (html, key) => html.length + key.length });

export const renderRows: RenderRows = (key: string, rows: () => ReactNode) => {
  let html = rowsMemo.get(key);
  if (html === undefined) rowsMemo.set(key, (html = renderToString(rows())));
  return html;
};
