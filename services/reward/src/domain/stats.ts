// Statistics for the diagnostics: ranks, Spearman correlation, bootstrap intervals, calibration bins.
// Pure functions; the seeded generator makes every interval reproducible.
import { Prng } from "@rlhf-loop/ml";

/** Ranks 1..n, ties get the mean of the ranks they span (the "fractional" ranking Spearman uses). */
export function averageRanks(xs: readonly number[]): number[] {
  const idx = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
  const ranks = new Array<number>(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && xs[idx[j + 1]!] === xs[idx[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]!] = r;
    i = j + 1;
  }
  return ranks;
}

export function pearson(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) throw new RangeError(`pearson: ${xs.length} vs ${ys.length} values`);
  const n = xs.length;
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // A constant column has no rank order to correlate with: NaN, not 0, so callers see it.
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rho: Pearson correlation of the average ranks (correct with ties). */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  return pearson(averageRanks(xs), averageRanks(ys));
}

export interface Interval {
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
}

/** Weighted mean of `values` with a percentile bootstrap 95% interval (resampling items). */
export function bootstrapMean(
  values: readonly number[],
  weights: readonly number[] | undefined,
  opts: { readonly resamples?: number; readonly seed?: number; readonly level?: number } = {},
): Interval {
  const n = values.length;
  const w = (i: number): number => (weights ? weights[i]! : 1);
  const mean = (pick: (k: number) => number): number => {
    let s = 0;
    let ws = 0;
    for (let k = 0; k < n; k++) {
      const i = pick(k);
      s += values[i]! * w(i);
      ws += w(i);
    }
    return ws > 0 ? s / ws : Number.NaN;
  };
  const value = mean((k) => k);
  if (n === 0) return { value: Number.NaN, lo: Number.NaN, hi: Number.NaN, n };
  const b = opts.resamples ?? 1000;
  const rng = new Prng(opts.seed ?? 1);
  const stats = new Float64Array(b);
  for (let r = 0; r < b; r++) stats[r] = mean(() => rng.int(n));
  const sorted = Array.from(stats).filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
  const alpha = (1 - (opts.level ?? 0.95)) / 2;
  return { value, lo: quantile(sorted, alpha), hi: quantile(sorted, 1 - alpha), n };
}

/** Linear-interpolated quantile of sorted values (type 7, as R and numpy default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export interface CalibrationBin {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  /** Mean predicted probability in the bin. */
  readonly predicted: number;
  /** Observed frequency of the event in the bin. */
  readonly observed: number;
}

export interface Calibration {
  readonly bins: CalibrationBin[];
  /** Expected calibration error: Σ (count/N)·|observed − predicted|. */
  readonly ece: number;
}

/** Equal-width bins of predicted probability p against outcomes y (0/1). */
export function calibrationBins(p: readonly number[], y: readonly number[], binCount = 10): Calibration {
  if (p.length !== y.length) throw new RangeError(`calibration: ${p.length} predictions, ${y.length} outcomes`);
  const sums = Array.from({ length: binCount }, () => ({ n: 0, p: 0, y: 0 }));
  p.forEach((pi, i) => {
    const b = Math.min(binCount - 1, Math.max(0, Math.floor(pi * binCount)));
    const s = sums[b]!;
    s.n += 1;
    s.p += pi;
    s.y += y[i]!;
  });
  let ece = 0;
  const bins = sums.map((s, b) => {
    const predicted = s.n ? s.p / s.n : Number.NaN;
    const observed = s.n ? s.y / s.n : Number.NaN;
    if (s.n) ece += (s.n / p.length) * Math.abs(observed - predicted);
    return { lo: b / binCount, hi: (b + 1) / binCount, count: s.n, predicted, observed };
  });
  return { bins, ece: p.length ? ece : Number.NaN };
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
