// Intervals and the percentile method shared by the bootstrap functions.

/** A point estimate with a two-sided interval around it. */
export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

export const NAN_INTERVAL: Interval = Object.freeze({ estimate: NaN, low: NaN, high: NaN });

/** Quantile q of ascending sorted values (the first `n` entries), linear interpolation between order
 *  statistics (Hyndman & Fan type 7, the default of R's quantile and numpy.percentile). */
export function sortedQuantile(sorted: Float64Array, n: number, q: number): number {
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a === b ? a : a + (h - lo) * (b - a);
}

/** Percentile interval of bootstrap replicates at `level`: sorts `reps` in place; NaN replicates
 *  (a resample in which the statistic is undefined) are left out. */
export function percentileInterval(estimate: number, reps: Float64Array, level: number): Interval {
  reps.sort(); // typed-array sort is numeric and puts NaN last
  let n = reps.length;
  while (n > 0 && Number.isNaN(reps[n - 1]!)) n--;
  const alpha = (1 - level) / 2;
  return { estimate, low: sortedQuantile(reps, n, alpha), high: sortedQuantile(reps, n, 1 - alpha) };
}
