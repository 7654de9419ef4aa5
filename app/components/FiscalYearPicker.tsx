import { Form } from "@remix-run/react";
import { FilterSelect, yearChoices } from "./FilterSelect";

/** "Fiscal year [FY…] Show": a GET form that reloads the page for another year (works without JavaScript). */
export function FiscalYearPicker({ years, fy }: { years: readonly number[]; fy: number | null }) {
  return (
    <Form method="get" className="filters">
      <FilterSelect label="Fiscal year" name="fy" value={fy} choices={yearChoices(years)} />
      <button type="submit" className="secondary">
        Show
      </button>
    </Form>
  );
}
