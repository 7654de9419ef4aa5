/** Okabe–Ito palette: distinguishable with the common forms of colour blindness. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

/** Fixed colours for funding sources so every chart agrees. */
export const SOURCE_COLORS: Record<string, string> = {
  DHS: "#0072B2",
  DOJ: "#E69F00",
  STATE: "#009E73",
  LOCAL: "#CC79A7",
  OTHER: "#56B4E9",
};

export const STATUS_COLORS = { red: "#D55E00", amber: "#E69F00", green: "#009E73" } as const;

/** Sequential blue scale for heat maps (score 0 → 100); the same colours as .heat-0 … .heat-4 in app.css. */
const HEAT_STOPS = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];

/** Step of the heat scale for a score: 0 … 4, or null for no score. */
export function heatLevel(score: number | null): number | null {
  if (score === null) return null;
  return Math.min(HEAT_STOPS.length - 1, Math.floor((score / 100) * (HEAT_STOPS.length - 1) + 1e-9));
}

export function heatColor(score: number | null): string {
  const level = heatLevel(score);
  return level === null ? "#eeeeee" : HEAT_STOPS[level];
}

/** CSS class of a heat-map cell (background and a readable text colour, app.css). */
export function heatClass(score: number | null): string {
  const level = heatLevel(score);
  return level === null ? "heat-none" : `heat-${level}`;
}
