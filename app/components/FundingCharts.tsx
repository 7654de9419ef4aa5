import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { SOURCE_LABELS, sourcesPresent, type FundingYear } from "~/domain/grants";
import { formatMoney, formatMoneyShort } from "~/domain/money";
import { ChartFigure } from "./ChartFigure";
import { chartKey } from "./StaticChart";
import { PALETTE, SOURCE_COLORS } from "./palette";

const money = (v: unknown) => formatMoney(Number(v));
// The fiscal-year axis keeps recharts' default tick interval: in a narrow box the browser drops labels that
// would overlap. The server's SVG (every tick, drawn at the initial size) is scaled as a picture until the
// live chart replaces it after hydration (StaticChart), so the two never need to agree tick for tick.
const moneyShort = (v: unknown) => formatMoneyShort(Number(v));

/** Stacked bar: a center's award money per fiscal year by source (DHS, DOJ, state, local, other federal). */
export function FundingBySourceChart({ rows, title = "Funding by source per fiscal year" }: { rows: FundingYear[]; title?: string }) {
  const sources = sourcesPresent(rows);
  const data = rows.map((r) => ({ ...r, label: `FY${r.fiscalYear}` }));
  const totals = sources.map((s) => rows.reduce((sum, r) => sum + r[s], 0));
  return (
    <ChartFigure
      title={title}
      memoKey={chartKey("funding-by-source", rows)}
      table={{
        columns: ["Fiscal year", ...sources.map((s) => SOURCE_LABELS[s]), "Total"],
        rows: rows.map((r) => [`FY${r.fiscalYear}`, ...sources.map((s) => formatMoney(r[s])), formatMoney(r.totalCents)]),
        footer: ["All years", ...totals.map((t) => formatMoney(t)), formatMoney(rows.reduce((s, r) => s + r.totalCents, 0))],
      }}
    >
      <ResponsiveContainer width="100%" height={300} initialDimension={{ width: 600, height: 300 }}>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" />
          <YAxis tickFormatter={moneyShort} width={70} interval={0} />
          <Tooltip formatter={money} />
          <Legend />
          {sources.map((s) => (
            <Bar key={s} dataKey={s} name={SOURCE_LABELS[s]} stackId="funding" fill={SOURCE_COLORS[s]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}

export interface LineBar {
  label: string;
  budgetedCents: number;
  spentCents: number;
}

/** Bars side by side: budgeted vs spent per budget line (live lines only; the caller leaves voided ones out). */
export function BudgetVsSpentChart({ lines, title = "Budgeted vs spent per budget line" }: { lines: LineBar[]; title?: string }) {
  const height = Math.max(220, 60 + lines.length * 34);
  return (
    <ChartFigure
      title={title}
      memoKey={chartKey("budget-vs-spent", lines)}
      table={{
        columns: ["Budget line", "Budgeted", "Spent", "Remaining"],
        rows: lines.map((l) => [l.label, formatMoney(l.budgetedCents), formatMoney(l.spentCents), formatMoney(l.budgetedCents - l.spentCents)]),
        footer: [
          "All lines",
          formatMoney(lines.reduce((s, l) => s + l.budgetedCents, 0)),
          formatMoney(lines.reduce((s, l) => s + l.spentCents, 0)),
          formatMoney(lines.reduce((s, l) => s + l.budgetedCents - l.spentCents, 0)),
        ],
      }}
    >
      <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 600, height }}>
        <BarChart data={lines} layout="vertical" margin={{ top: 8, right: 16, bottom: 8, left: 16 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" tickFormatter={moneyShort} />
          <YAxis type="category" dataKey="label" width={150} interval={0} />
          <Tooltip formatter={money} />
          <Legend />
          <Bar dataKey="budgetedCents" name="Budgeted" fill={PALETTE[0]} isAnimationActive={false} />
          <Bar dataKey="spentCents" name="Spent" fill={PALETTE[1]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
