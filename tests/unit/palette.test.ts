import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { heatClass, heatColor, heatIsDark, STATUS_COLORS } from "~/components/palette";

/** WCAG relative luminance of a #rrggbb colour (0 black … 1 white). */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Hue in degrees (0 = red, 120 = green) of a #rrggbb colour. */
function hue(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (d === 0) return 0;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

describe("heat map colour scale", () => {
  it("makes a score of 0 (a gap) the most visible cell and 100 the calmest", () => {
    const scores = [0, 25, 50, 75, 100];
    const lum = scores.map((s) => luminance(heatColor(s)));
    for (let i = 1; i < lum.length; i++) expect(lum[i], `score ${scores[i]}`).toBeGreaterThan(lum[i - 1]);
    expect(luminance(heatColor(0))).toBeLessThan(0.15);
    expect(heatColor(0)).not.toBe("#ffffff");
  });

  it("needs white text exactly on the dark steps, and app.css agrees with the palette", () => {
    expect(heatIsDark(0)).toBe(true);
    expect(heatIsDark(100)).toBe(false);
    expect(heatIsDark(null)).toBe(false);
    const css = readFileSync("app/styles/app.css", "utf8");
    for (const s of [0, 25, 50, 75, 100]) {
      const rule = new RegExp(`\\.${heatClass(s)} \\{ background: (#[0-9a-f]{6}); \\}`, "i").exec(css);
      expect(rule?.[1].toLowerCase(), heatClass(s)).toBe(heatColor(s).toLowerCase());
    }
  });
});

describe("status colours", () => {
  it("are the colours they are named after", () => {
    const red = hue(STATUS_COLORS.red);
    expect(Math.min(red, 360 - red)).toBeLessThan(12);
    expect(hue(STATUS_COLORS.amber)).toBeGreaterThan(30);
    expect(hue(STATUS_COLORS.amber)).toBeLessThan(55);
    expect(hue(STATUS_COLORS.green)).toBeGreaterThan(90);
    expect(hue(STATUS_COLORS.green)).toBeLessThan(160);
  });
});
