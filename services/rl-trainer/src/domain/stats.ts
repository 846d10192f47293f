// Statistics for the evidence: a seeded percentile bootstrap and least-squares fits of Gao et al.'s
// (2022) overoptimization forms.
import { Prng } from "@rlhf-loop/ml";
import { mean } from "./rl-math.js";

/** Percentile bootstrap interval of mean(after - before) over paired items (resampling items). */
export function bootstrapPairedDiff(before: readonly number[], after: readonly number[], opts: { seed: number; resamples?: number; level?: number }): { diff: number; lo: number; hi: number } {
  if (before.length !== after.length || before.length === 0) throw new Error("paired bootstrap needs equal, non-empty samples");
  const d = before.map((b, i) => after[i]! - b);
  const rng = new Prng(opts.seed);
  const B = opts.resamples ?? 2000;
  const stats: number[] = [];
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[Math.floor(rng.next() * d.length)]!;
    stats.push(s / d.length);
  }
  stats.sort((a, b) => a - b);
  const alpha = (1 - (opts.level ?? 0.95)) / 2;
  return { diff: mean(d), lo: stats[Math.floor(alpha * (B - 1))]!, hi: stats[Math.ceil((1 - alpha) * (B - 1))]! };
}

/** Least squares y ≈ a f(x) - b g(x) (no intercept), solved from the 2x2 normal equations. */
function fit2(xs: readonly number[], ys: readonly number[], f: (x: number) => number, g: (x: number) => number): { a: number; b: number; r2: number } {
  let ff = 0, fg = 0, gg = 0, fy = 0, gy = 0;
  xs.forEach((x, i) => {
    const u = f(x), v = -g(x), y = ys[i]!;
    ff += u * u; fg += u * v; gg += v * v; fy += u * y; gy += v * y;
  });
  const det = ff * gg - fg * fg;
  if (Math.abs(det) < 1e-15) throw new Error("degenerate fit: need at least two distinct d > 0");
  const a = (fy * gg - gy * fg) / det;
  const b = (gy * ff - fy * fg) / det;
  const my = mean(ys);
  let ssr = 0, sst = 0;
  xs.forEach((x, i) => {
    ssr += (ys[i]! - (a * f(x) - b * g(x))) ** 2;
    sst += (ys[i]! - my) ** 2;
  });
  return { a, b, r2: sst > 0 ? 1 - ssr / sst : NaN };
}

/** Best-of-n form: gain(d) = d (a - b d), d = sqrt(KL). */
export function fitBestOfNForm(d: readonly number[], gain: readonly number[]): { a: number; b: number; r2: number } {
  return fit2(d, gain, (x) => x, (x) => x * x);
}

/** RL form: gain(d) = d (a - b log d). */
export function fitRlForm(d: readonly number[], gain: readonly number[]): { a: number; b: number; r2: number } {
  return fit2(d, gain, (x) => x, (x) => (x > 0 ? x * Math.log(x) : 0));
}
