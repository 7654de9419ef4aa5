import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  PolarAngleAxis,
  PolarGrid,
  PolarRadiusAxis,
  Radar,
  RadarChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatScore, type CapabilityTrendPoint } from "~/domain/scores";
import { ChartFigure } from "./ChartFigure";
import { chartKey } from "./StaticChart";
import { PALETTE } from "./palette";

/**
 * Assessment charts. Scores and gap counts arrive already computed by scores.ts (through
 * the model); these components only draw them, each with the same figures as a table.
 */

export interface AreaScore {
  areaId: string;
  title: string;
  score: number | null;
  gaps: number;
}

export interface YearScore {
  fiscalYear: number;
  score: number | null;
  gaps: number;
}

const scoreText = (v: unknown) => (typeof v === "number" ? v.toFixed(1) : "—");

/** Radar of the score of each capability area in one year (an area with nothing applicable is drawn at 0, shown "—" in the table). */
export function ScoreByAreaRadar({ areas, fiscalYear }: { areas: AreaScore[]; fiscalYear: number }) {
  const title = `Score by capability area, FY${fiscalYear}`;
  const data = areas.map((a) => ({ area: a.areaId, score: a.score ?? 0 }));
  return (
    <ChartFigure
      title={title}
      memoKey={chartKey("score-radar", data)}
      table={{ columns: ["Area", "Title", "Score"], rows: areas.map((a) => [a.areaId, a.title, formatScore(a.score)]) }}
    >
      <ResponsiveContainer width="100%" height={320} initialDimension={{ width: 600, height: 320 }}>
        <RadarChart data={data} outerRadius="75%">
          <PolarGrid />
          <PolarAngleAxis dataKey="area" />
          <PolarRadiusAxis domain={[0, 100]} angle={90} tickCount={5} />
          <Tooltip formatter={scoreText} />
          <Radar dataKey="score" name="Score" stroke={PALETTE[0]} fill={PALETTE[0]} fillOpacity={0.35} isAnimationActive={false} />
        </RadarChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}

/** Line of the headline score per fiscal year. */
export function ScoreByYearLine({ years, title = "Baseline score by fiscal year" }: { years: YearScore[]; title?: string }) {
  const data = years.map((y) => ({ label: `FY${y.fiscalYear}`, score: y.score }));
  return (
    <ChartFigure
      title={title}
      memoKey={chartKey("score-line", data)}
      table={{ columns: ["Fiscal year", "Score", "Gaps"], rows: years.map((y) => [`FY${y.fiscalYear}`, formatScore(y.score), y.gaps]) }}
    >
      <ResponsiveContainer width="100%" height={300} initialDimension={{ width: 600, height: 300 }}>
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" />
          <YAxis domain={[0, 100]} width={40} />
          <Tooltip formatter={scoreText} />
          <Line type="monotone" dataKey="score" name="Score" stroke={PALETTE[0]} strokeWidth={2} dot isAnimationActive={false} connectNulls />
        </LineChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}

/** Bar of the number of gaps in each capability area in one year. */
export function GapsByAreaBar({ areas, fiscalYear }: { areas: AreaScore[]; fiscalYear: number }) {
  const title = `Gaps by capability area, FY${fiscalYear}`;
  const data = areas.map((a) => ({ area: a.areaId, gaps: a.gaps }));
  return (
    <ChartFigure
      title={title}
      memoKey={chartKey("gaps-bar", data)}
      table={{
        columns: ["Area", "Title", "Gaps"],
        rows: areas.map((a) => [a.areaId, a.title, a.gaps]),
        footer: ["All areas", "", areas.reduce((s, a) => s + a.gaps, 0)],
      }}
    >
      <ResponsiveContainer width="100%" height={300} initialDimension={{ width: 600, height: 300 }}>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          {/* Every area named at any width: labels slanted so that twelve fit a phone without overlapping. */}
          <XAxis dataKey="area" interval={0} angle={-45} textAnchor="end" height={44} tick={{ fontSize: 12 }} />
          <YAxis allowDecimals={false} width={40} />
          <Tooltip />
          <Bar dataKey="gaps" name="Gaps" fill={PALETTE[5]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}

/** The three charts of a center's assessment: radar and bar for one year, line across years. */
export function AssessmentCharts({ fiscalYear, areaScores, yearScores }: { fiscalYear: number; areaScores: AreaScore[]; yearScores: YearScore[] }) {
  return (
    <div className="grid-2">
      <ScoreByAreaRadar areas={areaScores} fiscalYear={fiscalYear} />
      <GapsByAreaBar areas={areaScores} fiscalYear={fiscalYear} />
      <ScoreByYearLine years={yearScores} />
    </div>
  );
}

export type { CapabilityTrendPoint };

/** How many centers meet one capability (and how many have it as a gap) per fiscal year. */
export function CapabilityTrendChart({ trend, capabilityId }: { trend: CapabilityTrendPoint[]; capabilityId: string }) {
  const title = `Centers meeting ${capabilityId} per fiscal year`;
  const data = trend.map((t) => ({ label: `FY${t.fiscalYear}`, meets: t.meets, gaps: t.gaps }));
  return (
    <ChartFigure
      title={title}
      openTable
      memoKey={chartKey("capability-trend", data)}
      table={{
        columns: ["Fiscal year", "Centers", "Meet it (achieved)", "Partial", "Not achieved", "Not assessed", "Not applicable", "Gap"],
        rows: trend.map((t) => [`FY${t.fiscalYear}`, t.centers, t.meets, t.partial, t.notAchieved, t.notAssessed, t.notApplicable, t.gaps]),
      }}
    >
      <ResponsiveContainer width="100%" height={300} initialDimension={{ width: 600, height: 300 }}>
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" />
          <YAxis allowDecimals={false} width={40} />
          <Tooltip />
          <Legend />
          <Line type="monotone" dataKey="meets" name="Centers meeting it" stroke={PALETTE[2]} strokeWidth={2} isAnimationActive={false} />
          <Line type="monotone" dataKey="gaps" name="Centers with it as a gap" stroke={PALETTE[5]} strokeWidth={2} strokeDasharray="5 3" isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
