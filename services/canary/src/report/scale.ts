// Axis arithmetic for the inline SVG charts: "nice" steps (1, 2, 5 x 10^k) and linear maps.

/** The smallest step of the form {1, 2, 5} x 10^k that is >= raw (raw > 0). */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) {
    // Tolerance: floating error in raw / pow must not push 2.0000000001 to 5.
    if (m * pow >= raw * (1 - 1e-9)) return m * pow;
  }
  return 10 * pow;
}

export interface Ticks {
  readonly lo: number;
  readonly hi: number;
  readonly step: number;
  readonly values: readonly number[];
}

/** About `count` nice ticks covering [lo, hi]; the domain is widened to whole steps. */
export function niceTicks(lo: number, hi: number, count = 5): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { lo: 0, hi: 1, step: 0.2, values: [0, 0.2, 0.4, 0.6, 0.8, 1] };
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep((hi - lo) / Math.max(1, count));
  const a = Math.floor(lo / step + 1e-9) * step;
  const b = Math.ceil(hi / step - 1e-9) * step;
  const values: number[] = [];
  const n = Math.round((b - a) / step);
  // Rounding to the step's decimals keeps labels like 0.30000000000000004 out of the page.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let i = 0; i <= n; i++) values.push(Number((a + i * step).toFixed(decimals)));
  return { lo: values[0] ?? a, hi: values[values.length - 1] ?? b, step, values };
}

/** Linear map from [d0, d1] to [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  const span = d1 - d0 || 1;
  return (x) => r0 + ((x - d0) / span) * (r1 - r0);
}

/** Coordinates printed with at most two decimals so the SVG stays small and deterministic. */
export function px(x: number): string {
  return String(Math.round(x * 100) / 100);
}
