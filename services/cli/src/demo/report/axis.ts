// Axes for the demo charts: a value domain rounded out to tick steps of 1, 2, 2.5 or 5 x 10^k
// (whichever gives the tick count closest to the one asked for), mapped onto a pixel range.

export interface Axis {
  readonly lo: number;
  readonly hi: number;
  readonly ticks: readonly number[];
  /** Decimals that print every tick exactly. */
  readonly decimals: number;
  /** Value -> pixel. */
  at(v: number): number;
}

const MULTIPLES = [1, 2, 2.5, 5, 10] as const;

export interface AxisOptions {
  /** About this many tick intervals (default 5). */
  readonly intervals?: number;
  /** Keep 0 inside the domain (bars, shares). */
  readonly zero?: boolean;
  /** Fixed bounds, used instead of the data's. */
  readonly min?: number;
  readonly max?: number;
}

/** An axis covering every finite value, its ends on whole tick steps. */
export function valueAxis(values: readonly number[], from: number, to: number, opts: AxisOptions = {}): Axis {
  const finite = values.filter((v) => Number.isFinite(v));
  if (opts.zero) finite.push(0);
  let lo = opts.min ?? (finite.length ? Math.min(...finite) : 0);
  let hi = opts.max ?? (finite.length ? Math.max(...finite) : 1);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi - lo < 1e-12) {
    const pad = Math.abs(hi) > 1e-12 ? Math.abs(hi) * 0.05 : 0.5;
    lo = opts.zero && lo >= 0 ? lo : lo - pad;
    hi += pad;
  }
  const want = Math.max(1, opts.intervals ?? 5);
  const magnitude = 10 ** Math.floor(Math.log10((hi - lo) / want));
  let step = magnitude;
  let bestMiss = Number.POSITIVE_INFINITY;
  for (const m of MULTIPLES) {
    const s = m * magnitude;
    const miss = Math.abs(Math.ceil(hi / s - 1e-9) - Math.floor(lo / s + 1e-9) - want);
    if (miss < bestMiss) {
      bestMiss = miss;
      step = s;
    }
  }
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const decimals = decimalsOf(step);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(decimals)));
  return fixedAxis(first * step, last * step, from, to, ticks, decimals);
}

/** An axis over [lo, hi] with the ticks given (for example one per day). */
export function fixedAxis(lo: number, hi: number, from: number, to: number, ticks: readonly number[], decimals = 0): Axis {
  const span = hi - lo || 1;
  return { lo, hi, ticks, decimals, at: (v) => from + ((v - lo) / span) * (to - from) };
}

/** Integer ticks between lo and hi, thinned to at most `maxTicks`. */
export function integerTicks(lo: number, hi: number, maxTicks: number): number[] {
  const a = Math.ceil(lo);
  const b = Math.floor(hi);
  const every = Math.max(1, Math.ceil((b - a + 1) / Math.max(1, maxTicks)));
  const out: number[] = [];
  for (let v = a; v <= b; v += every) out.push(v);
  return out;
}

function decimalsOf(step: number): number {
  for (let d = 0; d < 12; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 12;
}

/** SVG coordinates rounded to 0.1 px: smaller pages, identical output for identical data. */
export function c(v: number): string {
  return String(Math.round(v * 10) / 10);
}
