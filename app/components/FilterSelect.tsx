import type { ComponentPropsWithoutRef, ReactNode } from "react";
import { SOURCE_LABELS } from "~/domain/grants";
import type { Agency } from "~/domain/vocabulary";

/** One option of a filter: a bare string is its own label ("VA"). */
export type Choice = string | number | { value: string | number; label: string };

export interface FilterSelectProps extends Omit<ComponentPropsWithoutRef<"select">, "name" | "value" | "defaultValue" | "children"> {
  /** The visible label; the select is inside the label element, which gives it its accessible name. */
  label: ReactNode;
  name: string;
  /** The value in the URL now; null or undefined selects the `all` option (or the first choice). */
  value: string | number | null | undefined;
  /** The first option, value "", meaning "no filter" ("All states"); leave out where a value is required. */
  all?: string;
  choices: readonly Choice[];
  /** Shown after the select inside the label, such as a field's error message. */
  children?: ReactNode;
  /** Class of the label, which is the box the filter sits in (`field` stacks label and select). */
  className?: string;
}

/**
 * A labelled `<select>` of a GET filter form (centers, awards, prime awards, dashboard, findings,
 * deadlines, compare, audit log): the same markup everywhere, so every filter reads out its label and
 * works without JavaScript. Lists of choices come from the loader; `yearChoices` and `codeNameChoices`
 * give the two usual labellings.
 */
export function FilterSelect({ label, name, value, all, choices, children, className, ...select }: FilterSelectProps) {
  return (
    <label className={className}>
      {label}
      <select name={name} defaultValue={value ?? ""} {...select}>
        {all !== undefined ? <option value="">{all}</option> : null}
        {choices.map((c) => {
          const { value: v, label: text } = typeof c === "object" ? c : { value: c, label: String(c) };
          return (
            <option key={v} value={v}>
              {text}
            </option>
          );
        })}
      </select>
      {children}
    </label>
  );
}

/** Fiscal years as "FY2025" options. */
export function yearChoices(years: readonly number[]): Choice[] {
  return years.map((y) => ({ value: y, label: `FY${y}` }));
}

/** Centers or programs as "VA — Virginia Fusion Center" options, valued by code. */
export function codeNameChoices(rows: readonly { code: string; name: string }[]): Choice[] {
  return rows.map((r) => ({ value: r.code, label: `${r.code} — ${r.name}` }));
}

/** Funding sources as options labelled as everywhere else ("Other federal"; SOURCE_LABELS). */
export function sourceChoices(sources: readonly Agency[]): Choice[] {
  return sources.map((a) => ({ value: a, label: SOURCE_LABELS[a] }));
}
