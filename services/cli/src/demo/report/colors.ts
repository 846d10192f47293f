// One colour per arm across every chart, so "main" is the same blue in the day, RL and shape plots.

const ARM_PALETTE = ["#2f6fde", "#e8590c", "#8250df", "#0e8a7e", "#b35900", "#c2255c", "#57606a"] as const;

/** Neutral grey for production / "before" sides. */
export const NEUTRAL = "#8c959f";

export type ArmColors = (arm: string) => string;

/** Colours by position in `arms`; arms not listed get the last palette colour. */
export function armColors(arms: readonly string[]): ArmColors {
  const index = new Map(arms.map((a, i) => [a, i]));
  return (arm) => ARM_PALETTE[(index.get(arm) ?? ARM_PALETTE.length - 1) % ARM_PALETTE.length] ?? "#57606a";
}

/** Mixes a #rrggbb colour toward black (amount < 0) or white (amount > 0), amount in [-1, 1]. */
export function shade(hex: string, amount: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m?.[1]) return hex;
  const n = parseInt(m[1], 16);
  const target = amount > 0 ? 255 : 0;
  const t = Math.min(1, Math.abs(amount));
  const mix = (v: number): string => Math.round(v + (target - v) * t).toString(16).padStart(2, "0");
  return `#${mix((n >> 16) & 255)}${mix((n >> 8) & 255)}${mix(n & 255)}`;
}

/** Line dash per RL cycle: solid, dashed, dotted, then repeating. */
export function cycleDash(cycle: number): string | undefined {
  const dashes = [undefined, "8 4", "2 3"];
  return dashes[(Math.max(1, Math.round(cycle)) - 1) % dashes.length];
}
