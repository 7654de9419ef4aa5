import { createContext, useContext, type ReactNode } from "react";
import { useHydrated } from "./hydrated";

/**
 * Server-drawn charts, drawn once per distinct input. recharts spends most of a page's
 * server time building the same SVG again for the same figures, so the server renders each chart's
 * markup through a memo keyed by everything the picture depends on (`chartKey`): the same figures
 * give the same SVG, different figures a different key, so nothing shown can be out of date. In
 * the browser the server's SVG is kept through hydration and the live recharts chart (tooltips,
 * resizing) takes over right after; a chart mounted by client-side navigation is live at once.
 */
export type RenderChart = (key: string, chart: ReactNode) => string;

/** Provided by entry.server.tsx only; absent in the browser. */
export const StaticChartContext = createContext<RenderChart | null>(null);

/**
 * The memo key of a chart: its kind and the inputs its SVG is drawn from. Pass plain data (and the
 * names of module-level formatters); a function that closes over data must not stand in for it.
 */
export function chartKey(kind: string, inputs: unknown): string {
  return `${kind}:${JSON.stringify(inputs, (_k, v: unknown) => (typeof v === "function" ? `fn:${(v as { name: string }).name}` : v))}`;
}

export function StaticChart({ memoKey, children }: { memoKey?: string; children: ReactNode }) {
  const render = useContext(StaticChartContext);
  const hydrated = useHydrated();
  // data-drawn="server": app.css scales this fixed-size SVG to its box (docs/decisions/016-responsive-layout.md).
  if (render && memoKey) return <div className="chart-canvas" data-drawn="server" dangerouslySetInnerHTML={{ __html: render(memoKey, children) }} />;
  // Hydration keeps the server's markup (React does not rewrite innerHTML while hydrating).
  if (!hydrated && memoKey) return <div className="chart-canvas" data-drawn="server" suppressHydrationWarning dangerouslySetInnerHTML={{ __html: "" }} />;
  return <div className="chart-canvas">{children}</div>;
}
