import { Link } from "@remix-run/react";
import type { PagerView } from "~/domain/pagination";

/** Previous / page numbers / next, as plain links that keep the rest of the URL (works without JavaScript). */
export function PagerNav({ pager, label }: { pager: PagerView; label: string }) {
  if (pager.pageCount <= 1) return null;
  return (
    <nav className="actions" aria-label={label}>
      {pager.prevHref ? (
        <Link to={pager.prevHref} rel="prev">
          ← Previous
        </Link>
      ) : (
        <span className="muted">← Previous</span>
      )}
      {pager.links.map((l, i) =>
        "gap" in l ? (
          <span key={`gap-${i}`} className="muted" aria-hidden="true">
            …
          </span>
        ) : (
          <Link key={l.page} to={l.href} aria-current={l.page === pager.page ? "page" : undefined} aria-label={`Page ${l.page}`}>
            {l.page}
          </Link>
        ),
      )}
      {pager.nextHref ? (
        <Link to={pager.nextHref} rel="next">
          Next →
        </Link>
      ) : (
        <span className="muted">Next →</span>
      )}
    </nav>
  );
}
