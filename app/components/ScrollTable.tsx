import type { ComponentPropsWithoutRef } from "react";

/**
 * Every data table sits in its own horizontal scroll box, so a wide table never makes the page wider
 * than the window; the first column stays in view while the rest scrolls (app.css `.table-scroll`,
 * docs/decisions/016-responsive-layout.md). Takes the props of a table element.
 */
export function ScrollTable({ children, ...table }: ComponentPropsWithoutRef<"table">) {
  return (
    <div className="table-scroll">
      <table {...table}>{children}</table>
    </div>
  );
}
