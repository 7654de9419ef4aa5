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

/** Each status in the colour it is named after (a red that reads as red, not orange); badges also carry the word. */
export const STATUS_COLORS = { red: "#C62828", amber: "#E69F00", green: "#2E7D32", not_assessed: "#8c8c8c" } as const;

/**
 * Sequential scale for heat maps, darkest at score 0 (a gap is what the reader looks for) and
 * palest at 100; light-to-dark order, so it survives the common forms of colour blindness and
 * greyscale printing. The same colours as .heat-0 … .heat-4 in app.css.
 */
const HEAT_STOPS = ["#a50f15", "#de2d26", "#fb6a4a", "#fcbba1", "#fff5f0"];

/** Steps dark enough to need white text. */
const DARK_HEAT_LEVELS: readonly number[] = [0, 1];

/** Step of the heat scale for a score: 0 … 4, or null for no score. */
export function heatLevel(score: number | null): number | null {
  if (score === null) return null;
  return Math.min(HEAT_STOPS.length - 1, Math.floor((score / 100) * (HEAT_STOPS.length - 1) + 1e-9));
}

export function heatColor(score: number | null): string {
  const level = heatLevel(score);
  return level === null ? "#eeeeee" : HEAT_STOPS[level];
}

/** Whether text on the score's heat colour must be white to stay readable. */
export function heatIsDark(score: number | null): boolean {
  const level = heatLevel(score);
  return level !== null && DARK_HEAT_LEVELS.includes(level);
}

/** CSS class of a heat-map cell (background and a readable text colour, app.css). */
export function heatClass(score: number | null): string {
  const level = heatLevel(score);
  return level === null ? "heat-none" : `heat-${level}`;
}
