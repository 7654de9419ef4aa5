/**
 * Charts shared by the dashboard and compare pages. recharts 2 renders the SVG on the server at
 * the initial size and resizes on the client; animation is off so print and tests see the final
 * picture. Every chart sits in a ChartFigure that carries the same figures as a table.
 */
import { Bar, BarChart, CartesianGrid, Cell, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatMoney, formatMoneyShort } from "~/domain/money";
import { ChartFigure, type ChartTable } from "./ChartFigure";
import { chartKey } from "./StaticChart";
import { PALETTE, SOURCE_COLORS, STATUS_COLORS } from "./palette";

const SIZE = { width: 640, height: 300 };

export interface StackSeries {
  key: string;
  label: string;
  color?: string;
}

/** Stacked money bars: one bar per category (a year, a center), one stack segment per series. */
export function StackedMoneyChart({
  title,
  data,
  categoryKey,
  series,
  table,
}: {
  title: string;
  data: Array<Record<string, string | number>>;
  categoryKey: string;
  series: StackSeries[];
  table: ChartTable;
}) {
  return (
    <ChartFigure title={title} table={table} memoKey={chartKey("stacked-money", { data, categoryKey, series })}>
      <ResponsiveContainer width="100%" height={SIZE.height} initialDimension={SIZE}>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey={categoryKey} />
          <YAxis tickFormatter={(v: number) => formatMoneyShort(v)} width={70} />
          <Tooltip formatter={(v: number, name: string) => [formatMoney(v), name]} />
          <Legend />
          {series.map((s, i) => (
            <Bar
              key={s.key}
              dataKey={s.key}
              name={s.label}
              stackId="money"
              fill={s.color ?? SOURCE_COLORS[s.key] ?? PALETTE[i % PALETTE.length]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}

/** Red / amber / green (and not assessed, when any) counts as bars in the status colours. */
export function ComplianceStatusChart({ title, counts }: { title: string; counts: { green: number; amber: number; red: number; not_assessed?: number } }) {
  const data = [
    { status: "Green", key: "green" as const, centers: counts.green },
    { status: "Amber", key: "amber" as const, centers: counts.amber },
    { status: "Red", key: "red" as const, centers: counts.red },
    ...(counts.not_assessed ? [{ status: "Not assessed", key: "not_assessed" as const, centers: counts.not_assessed }] : []),
  ];
  const total = data.reduce((s, d) => s + d.centers, 0);
  return (
    <ChartFigure
      title={title}
      memoKey={chartKey("compliance-status", counts)}
      table={{ columns: ["Status", "Centers"], rows: data.map((d) => [d.status, d.centers]), footer: ["All", total] }}
    >
      <ResponsiveContainer width="100%" height={SIZE.height} initialDimension={SIZE}>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="status" />
          <YAxis allowDecimals={false} />
          <Tooltip formatter={(v: number) => [`${v} center${v === 1 ? "" : "s"}`, "Centers"]} />
          <Bar dataKey="centers" name="Centers" isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.key} fill={STATUS_COLORS[d.key]} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}

/** Plain grouped bars (e.g. scores or counts per center). */
export function GroupedBarChart({
  title,
  data,
  categoryKey,
  series,
  table,
  domain,
  format = (v: number) => String(v),
  tooltipFormat,
  stacked = false,
}: {
  title: string;
  data: Array<Record<string, string | number | null>>;
  categoryKey: string;
  series: StackSeries[];
  table: ChartTable;
  domain?: [number, number];
  /** Axis ticks; tooltips use tooltipFormat when given (e.g. exact money). */
  format?: (v: number) => string;
  tooltipFormat?: (v: number) => string;
  stacked?: boolean;
}) {
  return (
    <ChartFigure title={title} table={table} memoKey={chartKey("grouped-bars", { data, categoryKey, series, domain, format, stacked })}>
      <ResponsiveContainer width="100%" height={SIZE.height} initialDimension={SIZE}>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey={categoryKey} />
          <YAxis domain={domain} tickFormatter={format} allowDecimals={false} width={76} />
          <Tooltip formatter={(v: number, name: string) => [(tooltipFormat ?? format)(v), name]} />
          {series.length > 1 ? <Legend /> : null}
          {series.map((s, i) => (
            <Bar
              key={s.key}
              dataKey={s.key}
              name={s.label}
              stackId={stacked ? "stack" : undefined}
              fill={s.color ?? PALETTE[i % PALETTE.length]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
