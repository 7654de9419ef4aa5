import { Form } from "@remix-run/react";

/** "Fiscal year [FY…] Show": a GET form that reloads the page for another year (works without JavaScript). */
export function FiscalYearPicker({ years, fy }: { years: readonly number[]; fy: number | null }) {
  return (
    <Form method="get" className="filters">
      <label>
        Fiscal year
        <select name="fy" defaultValue={fy ?? undefined}>
          {years.map((y) => (
            <option key={y} value={y}>
              FY{y}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="secondary">
        Show
      </button>
    </Form>
  );
}
