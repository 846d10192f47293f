// Percentile bootstrap of a mean, and the paired cluster bootstrap the canary uses to compare a
// candidate with production on the same tasks. Each resample is O(items) on typed arrays.

import { IndexDraws } from "./draws.js";
import { NAN_INTERVAL, percentileInterval, type Interval } from "./interval.js";

export interface BootstrapOptions {
  /** Number of bootstrap resamples (default 2000). */
  readonly resamples?: number;
  /** PRNG seed; one seed gives one result on every platform (default 1). */
  readonly seed?: number;
  /** Two-sided interval level in (0, 1) (default 0.95). */
  readonly level?: number;
}

interface Resolved {
  resamples: number;
  seed: number;
  level: number;
}

function resolve(fn: string, opts: BootstrapOptions | undefined): Resolved {
  const resamples = opts?.resamples ?? 2000;
  const seed = opts?.seed ?? 1;
  const level = opts?.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1 || resamples > 10_000_000)
    throw new RangeError(`${fn}: opts.resamples must be an integer in [1, 1e7], got ${resamples}`);
  if (!Number.isInteger(seed)) throw new RangeError(`${fn}: opts.seed must be an integer, got ${seed}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`${fn}: opts.level must be in (0, 1), got ${level}`);
  return { resamples, seed, level };
}

/** Percentile bootstrap interval of the mean of `xs` (NaN interval for an empty array). */
export function bootstrapMean(xs: readonly number[], opts?: BootstrapOptions): Interval {
  const { resamples, seed, level } = resolve("bootstrapMean", opts);
  const n = xs.length;
  if (n === 0) return NAN_INTERVAL;
  const data = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    if (!Number.isFinite(x)) throw new RangeError(`bootstrapMean: xs[${i}] is ${x}, expected a finite number`);
    data[i] = x;
    total += x;
  }
  const draws = new IndexDraws(seed);
  const idx = new Int32Array(n);
  const reps = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    draws.fill(idx, n, n);
    let s = 0;
    for (let k = 0; k < n; k++) s += data[idx[k]!]!;
    reps[r] = s / n;
  }
  return percentileInterval(total / n, reps, level);
}

/**
 * Candidate and production answered the same tasks; a[i] and b[i] are the samples of task i for each
 * side (may differ in count, may be empty for a side). Resamples TASKS (cluster bootstrap, same task
 * indices for both sides), pools the samples of the drawn tasks, and returns the means of each side
 * and of a - b with percentile intervals.
 *
 * Estimates are the pooled means of all samples (sum / count per side). A resample whose drawn tasks
 * hold no sample of a side leaves that side's mean undefined; such resamples are left out of that
 * side's and the delta's percentiles. A side with no sample at all gets NaN everywhere.
 */
export function pairedClusterBootstrap(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
  opts?: BootstrapOptions,
): { a: Interval; b: Interval; delta: Interval } {
  const fn = "pairedClusterBootstrap";
  const { resamples, seed, level } = resolve(fn, opts);
  if (a.length !== b.length)
    throw new RangeError(`${fn}: a and b must hold the same tasks, got ${a.length} and ${b.length} tasks`);
  const tasks = a.length;
  // Per task: sum and count of side a, then of side b, interleaved so one resample walks one array.
  const stats = new Float64Array(4 * tasks);
  let sumA = 0;
  let cntA = 0;
  let sumB = 0;
  let cntB = 0;
  for (let t = 0; t < tasks; t++) {
    const sa = taskSum(fn, "a", t, a[t]!);
    const sb = taskSum(fn, "b", t, b[t]!);
    stats[4 * t] = sa;
    stats[4 * t + 1] = a[t]!.length;
    stats[4 * t + 2] = sb;
    stats[4 * t + 3] = b[t]!.length;
    sumA += sa;
    cntA += a[t]!.length;
    sumB += sb;
    cntB += b[t]!.length;
  }
  if (tasks === 0) return { a: NAN_INTERVAL, b: NAN_INTERVAL, delta: NAN_INTERVAL };
  const meanA = sumA / cntA; // NaN when a side has no sample
  const meanB = sumB / cntB;
  const repsA = new Float64Array(resamples);
  const repsB = new Float64Array(resamples);
  const repsD = new Float64Array(resamples);
  const draws = new IndexDraws(seed);
  const idx = new Int32Array(tasks);
  for (let r = 0; r < resamples; r++) {
    draws.fill(idx, tasks, tasks);
    let sa = 0;
    let ca = 0;
    let sb = 0;
    let cb = 0;
    for (let k = 0; k < tasks; k++) {
      const j = 4 * idx[k]!;
      sa += stats[j]!;
      ca += stats[j + 1]!;
      sb += stats[j + 2]!;
      cb += stats[j + 3]!;
    }
    const ma = ca > 0 ? sa / ca : NaN;
    const mb = cb > 0 ? sb / cb : NaN;
    repsA[r] = ma;
    repsB[r] = mb;
    repsD[r] = ma - mb;
  }
  return {
    a: cntA > 0 ? percentileInterval(meanA, repsA, level) : NAN_INTERVAL,
    b: cntB > 0 ? percentileInterval(meanB, repsB, level) : NAN_INTERVAL,
    delta: cntA > 0 && cntB > 0 ? percentileInterval(meanA - meanB, repsD, level) : NAN_INTERVAL,
  };
}

function taskSum(fn: string, side: string, t: number, xs: readonly number[] | undefined): number {
  if (!Array.isArray(xs)) throw new RangeError(`${fn}: ${side}[${t}] must be an array of numbers`);
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (!Number.isFinite(x)) throw new RangeError(`${fn}: ${side}[${t}][${i}] is ${x}, expected a finite number`);
    s += x;
  }
  return s;
}
