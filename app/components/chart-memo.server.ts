import type { ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import type { RenderChart } from "./StaticChart";

/**
 * The server's memo of chart SVG by chart key (see StaticChart.tsx). Bounded: a chart is a few
 * kilobytes to a few dozen, so 256 entries stay under ~8 MB; the least recently used goes first.
 */
const LIMIT = 256;
const memo = new Map<string, string>();

export const renderChart: RenderChart = (key: string, chart: ReactNode) => {
  const hit = memo.get(key);
  if (hit !== undefined) {
    // Map keeps insertion order: re-inserting marks the entry as most recently used.
    memo.delete(key);
    memo.set(key, hit);
    return hit;
  }
  const html = renderToStaticMarkup(chart);
  memo.set(key, html);
  if (memo.size > LIMIT) memo.delete(memo.keys().next().value!);
  return html;
};

/** For tests: how many charts are held. */
export function chartMemoSize(): number {
  return memo.size;
}
