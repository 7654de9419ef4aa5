import { createContext, useContext, type HTMLAttributes, type ReactNode } from "react";
import { useHydrated } from "./hydrated";

/**
 * Long tables' rows drawn once per distinct rows (docs/decisions/030-per-center-memo.md). A page's
 * server time goes mostly to React rendering its elements, and the longest tables (the dashboard's
 * 80-row heat map, an award report's payments) are the same rows for every request until a figure
 * changes. On the server the rows are rendered to HTML through a memo keyed by everything they are
 * drawn from (`chartKey` of StaticChart.tsx, as for charts): the key *is* the data, so the markup always
 * shows this response's figures. The HTML is what rendering them in place gives (the same renderer,
 * text separators included). In the browser the server's rows are kept through hydration and the
 * live rows take over right after; rows mounted by client-side navigation are live at once.
 */
export type RenderRows = (key: string, rows: () => ReactNode) => string;

/** Provided by entry.server.tsx only; absent in the browser. */
export const StaticRowsContext = createContext<RenderRows | null>(null);

type StaticTag = "tbody" | "article" | "div";

/**
 * An element whose content the server draws once per `memoKey` (`chartKey(kind, what the content is
 * drawn from)`), the element itself drawn live; `memoKey` null draws the content in place. The
 * content may hold plain elements only: no Remix `<Link>`, no hook on the router (the memo's render
 * has no router), nothing that differs per request unless it is in the key
 * (docs/decisions/032-finding-cards-drawn-once.md).
 */
export function StaticInner({
  as: Tag,
  memoKey,
  children,
  ...attributes
}: { as: StaticTag; memoKey: string | null; children: () => ReactNode } & Omit<HTMLAttributes<HTMLElement>, "children" | "dangerouslySetInnerHTML">) {
  const render = useContext(StaticRowsContext);
  const hydrated = useHydrated();
  // The content is a function, called only when it is drawn: building 380 rows' elements for a memo hit was a cost of its own.
  if (memoKey !== null && render) return <Tag {...attributes} dangerouslySetInnerHTML={{ __html: render(memoKey, children) }} />;
  // Hydration keeps the server's content (React does not rewrite innerHTML while hydrating).
  if (memoKey !== null && !hydrated) return <Tag {...attributes} suppressHydrationWarning dangerouslySetInnerHTML={{ __html: "" }} />;
  return <Tag {...attributes}>{children()}</Tag>;
}

/** A `<tbody>` whose rows the server draws once per `memoKey` (`chartKey(kind, the rows' data)`). */
export function StaticTbody({ memoKey, children }: { memoKey: string; children: () => ReactNode }) {
  return (
    <StaticInner as="tbody" memoKey={memoKey}>
      {children}
    </StaticInner>
  );
}
