import { LRUCache } from "lru-cache";
import type { ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import type { RenderChart } from "./StaticChart";

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
