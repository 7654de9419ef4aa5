/**
 * Deterministic generator of a plausible national network of fusion centers.
 * Figures are tuned to docs/domain.md §2.3 and §4: about 80 centers (one primary per state/territory plus
 * urban-area centers), annual budgets of $0.3M–$8M, a federal share near 43% network-wide, and
 * assessment scores that improve year over year with a wide spread (2012 range 38.4–100, §2.2).
 *
 * It writes through the real schema with prepared statements in one SQLite transaction (so it
 * lives in db/: dialect-specific), which lets the benchmark scales (`national`, `double`) load
 * millions of rows quickly. The triggers keep the summary columns in step as it goes.
 */
import type Sqlite from "better-sqlite3";
import { addDemoMoney, type DemoMoneySummary } from "./demo-money";

export type Scale = "small" | "national" | "double";

export interface ScaleConfig {
  centerCopies: number; // 1 → 80 centers, 2 → 160
  firstYear: number;
  lastYear: number;
  linesPerAward: [number, number];
  spendsPerLine: [number, number];
}

export const SCALES: Record<Scale, ScaleConfig> = {
  small: { centerCopies: 1, firstYear: 2019, lastYear: 2025, linesPerAward: [3, 6], spendsPerLine: [2, 7] },
  national: { centerCopies: 1, firstYear: 2012, lastYear: 2026, linesPerAward: [26, 34], spendsPerLine: [8, 12] },
  double: { centerCopies: 2, firstYear: 2012, lastYear: 2026, linesPerAward: [26, 34], spendsPerLine: [8, 12] },
};

export interface DemoOptions {
  scale?: Scale;
  seed?: number;
  /** Spending is generated up to this date; deliberate problems are placed relative to it. */
  referenceDate: string;
}

export interface DemoSummary {
  centers: number;
  awards: number;
  budgetLines: number;
  spending: number;
  assessments: number;
  matchContributions: number;
  awardCents: number;
  spentCents: number;
  /** Centers and awards that carry a deliberate problem, for the README and tests. */
  planted: Record<string, string>;
  /** Primes, sub-awards, refunds and the USAspending snapshot (db/demo-money.ts). */
  money?: DemoMoneySummary;
}

// mulberry32: small, fast, and the same sequence on every platform.
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}

const STATES: Array<[string, string]> = [
  ["AL", "Alabama"], ["AK", "Alaska"], ["AZ", "Arizona"], ["AR", "Arkansas"], ["CA", "California"], ["CO", "Colorado"],
  ["CT", "Connecticut"], ["DE", "Delaware"], ["FL", "Florida"], ["GA", "Georgia"], ["HI", "Hawaii"], ["ID", "Idaho"],
  ["IL", "Illinois"], ["IN", "Indiana"], ["IA", "Iowa"], ["KS", "Kansas"], ["KY", "Kentucky"], ["LA", "Louisiana"],
  ["ME", "Maine"], ["MD", "Maryland"], ["MA", "Massachusetts"], ["MI", "Michigan"], ["MN", "Minnesota"],
  ["MS", "Mississippi"], ["MO", "Missouri"], ["MT", "Montana"], ["NE", "Nebraska"], ["NV", "Nevada"],
  ["NH", "New Hampshire"], ["NJ", "New Jersey"], ["NM", "New Mexico"], ["NY", "New York"], ["NC", "North Carolina"],
  ["ND", "North Dakota"], ["OH", "Ohio"], ["OK", "Oklahoma"], ["OR", "Oregon"], ["PA", "Pennsylvania"],
  ["RI", "Rhode Island"], ["SC", "South Carolina"], ["SD", "South Dakota"], ["TN", "Tennessee"], ["TX", "Texas"],
  ["UT", "Utah"], ["VT", "Vermont"], ["VA", "Virginia"], ["WA", "Washington"], ["WV", "West Virginia"],
  ["WI", "Wisconsin"], ["WY", "Wyoming"], ["DC", "District of Columbia"], ["PR", "Puerto Rico"], ["GU", "Guam"],
  ["VI", "U.S. Virgin Islands"],
];

const URBAN: Array<[string, string, string]> = [
  ["CA", "LA", "Los Angeles"], ["CA", "SF", "San Francisco Bay Area"], ["CA", "SD", "San Diego"], ["CA", "SAC", "Sacramento"],
  ["CA", "OC", "Orange County"], ["NY", "NYC", "New York City"], ["IL", "CHI", "Chicago"], ["TX", "HOU", "Houston"],
  ["TX", "DAL", "North Texas"], ["TX", "SAT", "San Antonio"], ["TX", "AUS", "Austin"], ["TX", "ELP", "El Paso"],
  ["PA", "PHL", "Philadelphia"], ["MA", "BOS", "Boston"], ["FL", "MIA", "Southeast Florida"], ["FL", "ORL", "Central Florida"],
  ["MI", "DET", "Detroit"], ["MO", "KC", "Kansas City"], ["MO", "STL", "St. Louis"], ["OH", "CIN", "Cincinnati"],
  ["OH", "CLE", "Northeast Ohio"], ["CO", "DEN", "Denver"], ["NV", "LV", "Southern Nevada"], ["WA", "SEA", "Puget Sound"],
  ["GA", "ATL", "Atlanta"], ["LA", "NOL", "New Orleans"],
];

const BASELINE_LEAVES = ["I.A", "I.B", "I.C", "I.D", "I.E", "I.F", "II.A", "II.B", "II.C", "II.D", "II.E", "II.F"];
const COC_EC = ["COC-1", "COC-2", "COC-3", "COC-4", "EC-1", "EC-2", "EC-3", "EC-4"];
const POETE = ["planning", "organization", "equipment", "training", "exercises"] as const;
const CATEGORY_BY_POETE: Record<string, string[]> = {
  planning: ["personnel", "contractual", "fringe"],
  organization: ["personnel", "fringe", "other"],
  equipment: ["equipment", "supplies", "contractual"],
  training: ["travel", "contractual", "supplies"],
  exercises: ["contractual", "travel", "other"],
};
const LINE_TEXT: Record<string, string[]> = {
  personnel: ["Intelligence analyst salary", "Privacy officer (0.5 FTE)", "Watch officer salaries", "Critical infrastructure analyst"],
  fringe: ["Fringe benefits for grant-funded staff"],
  travel: ["Analyst training travel", "National fusion center conference travel"],
  equipment: ["Secure video teleconference system", "Case management server", "Classified workstation"],
  supplies: ["Analytic software licences", "Training materials"],
  contractual: ["SAR training vendor", "Threat assessment contract", "Privacy policy review (legal)", "Exercise design contractor"],
  other: ["Outreach materials", "Facility security upgrades"],
  indirect: ["Indirect costs"],
  ma: ["Grant management and administration"],
};

function pad(n: number, w = 2) {
  return String(n).padStart(w, "0");
}
function dayNum(date: string) {
  return Math.round(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / 86_400_000);
}
function fromDay(n: number) {
  const d = new Date(n * 86_400_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}
function addMonthsMinusDay(date: string, months: number) {
  const y = +date.slice(0, 4);
  const m = +date.slice(5, 7) - 1 + months;
  const start = `${y + Math.floor(m / 12)}-${pad((m % 12) + 1)}-${date.slice(8, 10)}`;
  return fromDay(dayNum(start) - 1);
}

interface CenterSpec {
  code: string;
  name: string;
  state: string;
  kind: "state" | "urban_area";
}

export function demoCenters(copies = 1): CenterSpec[] {
  const out: CenterSpec[] = [];
  for (let copy = 0; copy < copies; copy++) {
    const suffix = copy === 0 ? "" : `-${copy + 1}`;
    const label = copy === 0 ? "" : ` (region ${copy + 1})`;
    for (const [st, name] of STATES) out.push({ code: `${st}${suffix}`, name: `${name} Fusion Center${label}`, state: st, kind: "state" });
    for (const [st, short, name] of URBAN)
      out.push({ code: `${st}-${short}${suffix}`, name: `${name} Regional Intelligence Center${label}`, state: st, kind: "urban_area" });
  }
  return out;
}

/** Loads the demo network into an empty, migrated database. Returns what it wrote. */
export function generateDemo(sqlite: Sqlite.Database, options: DemoOptions): DemoSummary {
  const scale = SCALES[options.scale ?? "small"];
  const r = rng(options.seed ?? 2008);
  const ref = options.referenceDate;
  const refDay = dayNum(ref);
  const now = new Date().toISOString();
  const summary: DemoSummary = { centers: 0, awards: 0, budgetLines: 0, spending: 0, assessments: 0, matchContributions: 0, awardCents: 0, spentCents: 0, planted: {} };

  const insCenter = sqlite.prepare("insert into centers (code, name, state, kind, created_at) values (?, ?, ?, ?, ?)");
  const insAward = sqlite.prepare(
    "insert into awards (award_number, center_id, program_code, fiscal_year, amount_cents, pop_start, pop_end, match_required_cents, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const insLine = sqlite.prepare(
    "insert into budget_lines (line_id, award_id, capability_id, poete, cost_category, amount_cents, description, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const insSpend = sqlite.prepare("insert into spending (spend_id, budget_line_id, date, amount_cents, description, created_at) values (?, ?, ?, ?, ?, ?)");
  const insAssess = sqlite.prepare(
    "insert into assessments (center_id, fiscal_year, capability_id, status, evidence, est_cost_cents, updated_at) values (?, ?, ?, ?, ?, ?, ?)",
  );
  const insMatch = sqlite.prepare("insert into match_contributions (award_id, date, kind, amount_cents, description, created_at) values (?, ?, ?, ?, ?, ?)");

  const centers = demoCenters(scale.centerCopies);
  // Planted problems (see README "Demo data"): chosen by position so every scale has them.
  const NO_PRIVACY = centers.findIndex((c) => c.code === "NM");
  const NO_LAST_ASSESSMENT = centers.findIndex((c) => c.code === "GU");
  const SLOW_CENTER = centers.findIndex((c) => c.code === "WV");
  const DIRECTOR_CENTER = centers.findIndex((c) => c.code === "VA");
  summary.planted = {
    "PRIVACY-POLICY": "NM",
    "ASSESSMENT-MISSING": `GU FY${scale.lastYear}`,
    "SLOW-SPENDING": "WV",
  };

  let spendSeq = 0;
  let lineSeq = 0;
  let awardSeq = 0;
  let maPlanted = false;
  let outsidePlanted = false;
  let endingPlanted = false;
  let matchShortPlanted = false;

  const run = sqlite.transaction(() => {
    centers.forEach((spec, ci) => {
      const centerId = Number(insCenter.run(spec.code, spec.name, spec.state, spec.kind, now).lastInsertRowid);
      summary.centers++;
      const isState = spec.kind === "state";
      // Annual budget $0.3M–$8M (docs/domain.md §2.3), skewed small; federal share averages ~43% (§2.3, §4).
      const budgetDollars = Math.round(300_000 + Math.pow(r.next(), 1.8) * (isState ? 7_700_000 : 4_500_000));
      const fedShare = r.chance(0.05) ? 1 : 0.12 + r.next() * 0.56;
      // The demo director's center (VA) is kept short of the baseline so its gaps, plan and findings have content;
      // the draws still happen so every other center's numbers stay the same.
      const drawnAbility = 0.15 + r.next() * 0.5; // capability level in the first year
      const drawnGrowth = 0.04 + r.next() * 0.08; // improvement per year
      const ability0 = ci === DIRECTOR_CENTER ? 0.2 : drawnAbility;
      const growth = ci === DIRECTOR_CENTER ? 0.05 : drawnGrowth;
      const thresholds = new Map<string, number>();
      for (const cap of [...BASELINE_LEAVES, ...COC_EC]) thresholds.set(cap, r.next());
      const spendRate = ci === SLOW_CENTER ? 0.35 : 0.75 + r.next() * 0.3;
      const hasCops = r.chance(0.3);

      for (let fy = scale.firstYear; fy <= scale.lastYear; fy++) {
        const yearIndex = fy - scale.firstYear;
        const ability = Math.min(1.05, ability0 + growth * yearIndex);
        // Assessments (baseline areas and COC/EC).
        const gaps: string[] = [];
        const skipYear = ci === NO_LAST_ASSESSMENT && fy === scale.lastYear;
        if (!skipYear) {
          for (const cap of [...BASELINE_LEAVES, ...COC_EC]) {
            const t = thresholds.get(cap)!;
            let status: string;
            if ((ci === NO_PRIVACY && (cap === "II.B" || cap === "EC-1"))) status = "not_achieved";
            else if (cap === "II.E" && t > 0.985) status = "not_applicable";
            else if (ability > t) status = "achieved";
            else if (ability > t - 0.25) status = "partial";
            else status = "not_achieved";
            if (status === "partial" || status === "not_achieved") gaps.push(cap);
            const evidence =
              status === "achieved"
                ? `${r.pick(["Policy", "SOP", "Annual report", "MOU", "Training roster"])} on file, reviewed ${fy - 1}-${pad(r.int(10, 12))}-${pad(r.int(1, 28))}`
                : status === "partial"
                  ? "Draft in progress; not yet approved by governance board"
                  : status === "not_achieved"
                    ? "No documentation"
                    : "Function provided by partner entity";
            const est = status === "partial" || status === "not_achieved" ? r.int(20, 250) * 1_000_00 : null;
            insAssess.run(centerId, fy, cap, status, evidence, est, `${fy}-09-15T12:00:00.000Z`);
            summary.assessments++;
          }
        }
        const baselineGaps = gaps.filter((g) => BASELINE_LEAVES.includes(g));

        // Awards of the year.
        const yearBudget = budgetDollars * (0.9 + r.next() * 0.2) * (1 + 0.02 * yearIndex);
        const fedDollars = yearBudget * fedShare;
        const awards: Array<{ program: string; dollars: number }> = [];
        const dhs = isState ? "SHSP" : "UASI";
        awards.push({ program: dhs, dollars: fedDollars * (hasCops ? 0.55 : 0.65) });
        awards.push({ program: "JAG", dollars: fedDollars * (hasCops ? 0.2 : 0.25) });
        if (hasCops) awards.push({ program: "COPS", dollars: fedDollars * 0.15 });
        awards.push({ program: "OTHER_FED", dollars: fedDollars * 0.1 });
        const nonFed = yearBudget - fedDollars;
        if (nonFed > 1000) {
          if (isState) awards.push({ program: "STATE", dollars: nonFed * 0.85 }, { program: "LOCAL", dollars: nonFed * 0.15 });
          else awards.push({ program: "LOCAL", dollars: nonFed * 0.7 }, { program: "STATE", dollars: nonFed * 0.3 });
        }

        for (const a of awards) {
          const amountCents = Math.max(10_000_00, Math.round(a.dollars) * 100);
          awardSeq++;
          let popStart: string;
          let popEnd: string;
          let number: string;
          // Periods of performance: HSGP 36 months (docs/domain.md §3.1), JAG 48 (§3.3), COPS 60 (§3.4).
          switch (a.program) {
            case "SHSP":
            case "UASI":
              popStart = `${fy}-09-01`;
              popEnd = addMonthsMinusDay(popStart, 36);
              number = `EMW-${fy}-SS-${pad(awardSeq, 5)}`;
              break;
            case "JAG":
              popStart = `${fy - 1}-10-01`;
              popEnd = addMonthsMinusDay(popStart, 48);
              number = `15PBJA-${String(fy).slice(2)}-GG-${pad(awardSeq, 5)}-JAGX`;
              break;
            case "COPS":
              popStart = `${fy}-10-01`;
              popEnd = addMonthsMinusDay(popStart, 60);
              number = `15JCOPS-${String(fy).slice(2)}-UM-${pad(awardSeq, 5)}`;
              break;
            case "OTHER_FED":
              popStart = `${fy - 1}-10-01`;
              popEnd = addMonthsMinusDay(popStart, 36);
              number = `OF-${fy}-${pad(awardSeq, 5)}`;
              break;
            default:
              popStart = `${fy - 1}-10-01`;
              popEnd = `${fy}-09-30`;
              number = `${a.program === "STATE" ? "ST" : "LC"}-${spec.code}-${fy}-${pad(awardSeq, 5)}`;
          }
          // Planted: one federal award whose period ends 45 days after the reference date with a
          // third unspent (POP-ENDING-UNSPENT), and spending after the end (OUTSIDE-POP).
          let plantEnding = false;
          if (!endingPlanted && a.program === "OTHER_FED" && dayNum(popEnd) < refDay && dayNum(popEnd) > refDay - 400 && ci > 10) {
            popEnd = fromDay(refDay + 45);
            endingPlanted = true;
            plantEnding = true;
            summary.planted["POP-ENDING-UNSPENT"] = number;
          }
          if (dayNum(popStart) > refDay) continue; // awards not yet started are not in the demo
          const federal = ["SHSP", "UASI", "JAG", "COPS", "OTHER_FED"].includes(a.program);
          // COPS: 25% local match (docs/domain.md §3.4), required as 25% of the award amount.
          const matchRequired = a.program === "COPS" ? Math.ceil((amountCents * 25) / 100) : 0;
          const awardId = Number(insAward.run(number, centerId, a.program, fy, amountCents, popStart, popEnd, matchRequired, now).lastInsertRowid);
          summary.awards++;
          summary.awardCents += amountCents;

          if (matchRequired > 0) {
            const short = !matchShortPlanted && dayNum(popEnd) < refDay + 2000 && fy < scale.lastYear;
            const provided = short ? Math.floor(matchRequired * 0.6) : matchRequired + r.int(0, 5000) * 100;
            const half = Math.floor(provided / 2);
            insMatch.run(awardId, popStart, "cash", half, "Local cash match", now);
            insMatch.run(awardId, fromDay(dayNum(popStart) + 90), "in_kind", provided - half, "Officer time (in-kind)", now);
            summary.matchContributions += 2;
            if (short) {
              matchShortPlanted = true;
              summary.planted["MATCH-SHORT"] = number;
            }
          }

          // Budget lines: 85–100% of the award budgeted.
          const nLines = r.int(scale.linesPerAward[0], scale.linesPerAward[1]);
          const budgetCents = Math.floor(amountCents * (0.85 + r.next() * 0.15));
          const weights = Array.from({ length: nLines }, () => 0.3 + r.next());
          const wsum = weights.reduce((s, w) => s + w, 0);
          const isHsgp = a.program === "SHSP" || a.program === "UASI";
          let maCents = 0;
          if (isHsgp) {
            // M&A usually 2–5% (cap 5%, docs/domain.md §3.1); one planted award at 7% (MA-CAP).
            const plantMa = !maPlanted && ci === 3 && fy === scale.lastYear - 1;
            maCents = Math.floor((amountCents * (plantMa ? 7 : r.int(2, 5))) / 100);
            if (plantMa) {
              maPlanted = true;
              summary.planted["MA-CAP"] = number;
            }
          }
          let remaining = budgetCents - maCents;
          const lines: Array<{ id: number; cents: number; capability: string | null; category: string }> = [];
          for (let li = 0; li < nLines; li++) {
            const cents = li === nLines - 1 ? remaining : Math.floor(((budgetCents - maCents) * weights[li]) / wsum);
            remaining -= cents;
            const poete = r.pick(POETE);
            const category = r.pick(CATEGORY_BY_POETE[poete]);
            let capability: string | null;
            const roll = r.next();
            if (federal && baselineGaps.length > 0 && roll < 0.45) capability = r.pick(baselineGaps);
            else if (roll < 0.7) capability = r.pick(BASELINE_LEAVES);
            else if (roll < 0.8) capability = r.pick(COC_EC);
            else capability = null;
            lineSeq++;
            const lineId = `BL-${pad(lineSeq, 7)}`;
            const id = Number(insLine.run(lineId, awardId, capability, poete, category, cents, r.pick(LINE_TEXT[category]), now).lastInsertRowid);
            lines.push({ id, cents, capability, category });
          }
          if (maCents > 0) {
            lineSeq++;
            const id = Number(insLine.run(`BL-${pad(lineSeq, 7)}`, awardId, null, "organization", "ma", maCents, LINE_TEXT.ma[0], now).lastInsertRowid);
            lines.push({ id, cents: maCents, capability: null, category: "ma" });
          }
          summary.budgetLines += lines.length;

          // Spending, up to the reference date, in proportion to the time elapsed.
          const startDay = dayNum(popStart);
          const endDay = dayNum(popEnd);
          const lastDay = Math.min(endDay, refDay);
          const elapsed = (lastDay - startDay + 1) / (endDay - startDay + 1);
          let fraction = Math.min(1, elapsed * spendRate * (1.05 + r.next() * 0.1));
          if (plantEnding) fraction = 0.6;
          if (fraction <= 0) continue;
          for (const line of lines) {
            const target = Math.floor(line.cents * Math.min(1, fraction * (0.9 + r.next() * 0.1)));
            if (target <= 0) continue;
            const n = r.int(scale.spendsPerLine[0], scale.spendsPerLine[1]);
            let left = target;
            for (let si = 0; si < n && left > 0; si++) {
              const cents = si === n - 1 ? left : Math.min(left, Math.floor((target / n) * (0.7 + r.next() * 0.6)));
              if (cents <= 0) continue;
              left -= cents;
              const day = startDay + Math.floor(((lastDay - startDay) * (si + 0.5)) / n);
              spendSeq++;
              insSpend.run(`SP-${pad(spendSeq, 8)}`, line.id, fromDay(day), cents, `Payment ${si + 1} — ${line.category}`, now);
              summary.spending++;
              summary.spentCents += cents;
            }
          }
          // Planted: a payment dated 20 days after the period ended (OUTSIDE-POP), on an ended award.
          if (!outsidePlanted && federal && endDay < refDay - 60 && ci === 5) {
            const line = lines.find((l) => l.category !== "ma");
            if (line) {
              const room = sqlite.prepare("select amount_cents - spent_cents as room from budget_lines where id = ?").get(line.id) as { room: number };
              const cents = Math.min(room.room, 4_250_00);
              if (cents > 0) {
                spendSeq++;
                insSpend.run(`SP-${pad(spendSeq, 8)}`, line.id, fromDay(endDay + 20), cents, "Invoice paid after period of performance", now);
                summary.spending++;
                summary.spentCents += cents;
                outsidePlanted = true;
                summary.planted["OUTSIDE-POP"] = number;
              }
            }
          }
        }
      }
    });
    // Its own sequence, so the figures drawn above stay the same (docs/decisions/019).
    summary.money = addDemoMoney(sqlite, rng((options.seed ?? 2008) ^ 0x5eed), new Map(STATES), {
      lastYear: scale.lastYear,
      now,
      referenceDate: ref,
      avoidAwards: new Set(Object.values(summary.planted)),
      avoidCenters: new Set(["WV", "NM", "GU"]),
    });
    summary.spending += summary.money.refunds;
    summary.spentCents += summary.money.refundCents;
  });
  run();
  return summary;
}
