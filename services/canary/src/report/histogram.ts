// Shared bins for the two answer-length histograms, so "before" and "after" sit on the same axis.

import { niceStep } from "./scale.js";

export interface LengthBins {
  /** Bin i holds lengths in [edges[i], edges[i+1]); with `overflow` the last edge is Infinity. */
  readonly edges: readonly number[];
  /** True: the last bin holds every length >= its lower edge (long outliers), drawn as ">= edge". */
  readonly overflow: boolean;
  /** Width of the regular bins, in words. */
  readonly width: number;
  readonly candidate: readonly number[];
  readonly production: readonly number[];
}

/**
 * Bins both samples of answer lengths (words, non-negative) on one grid of whole-word bins of a
 * nice width, about `targetBins` of them. When the longest answers sit far beyond the 99th
 * percentile (more than twice it), lengths past that point go to one overflow bin instead of
 * stretching the axis. Every sample lands in exactly one bin, so counts sum to the sample sizes.
 */
export function binLengths(candidate: readonly number[], production: readonly number[], targetBins = 24): LengthBins {
  check(candidate, "lengths.candidate");
  check(production, "lengths.production");
  if (!(Number.isInteger(targetBins) && targetBins >= 1)) throw new RangeError(`targetBins must be a positive integer, got ${targetBins}`);
  const all = [...candidate, ...production].sort((a, b) => a - b);
  if (all.length === 0) return { edges: [], overflow: false, width: 1, candidate: [], production: [] };
  const min = all[0] as number;
  const max = all[all.length - 1] as number;
  // Nearest-rank 99th percentile.
  const p99 = all[Math.max(0, Math.ceil(0.99 * all.length) - 1)] as number;
  const capped = p99 > 0 && max > 2 * p99;
  const hi = capped ? p99 : max;
  const width = Math.max(1, niceStep((Math.floor(hi) - Math.floor(min) + 1) / targetBins));
  const first = Math.floor(min / width);
  const regular = Math.floor(hi / width) - first + 1;
  const nBins = regular + (capped ? 1 : 0);
  const edges: number[] = [];
  for (let i = 0; i <= regular; i++) edges.push((first + i) * width);
  if (capped) edges.push(Number.POSITIVE_INFINITY);
  const count = (xs: readonly number[]): number[] => {
    const out = new Array<number>(nBins).fill(0);
    for (const x of xs) {
      const i = Math.min(Math.floor(x / width) - first, nBins - 1);
      out[i] = (out[i] ?? 0) + 1;
    }
    return out;
  };
  return { edges, overflow: capped, width, candidate: count(candidate), production: count(production) };
}

function check(xs: readonly number[], path: string): void {
  xs.forEach((x, i) => {
    if (!Number.isFinite(x) || x < 0) throw new RangeError(`${path}[${i}] must be a finite non-negative number of words, got ${x}`);
  });
}
