import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Prng } from "../util/prng.js";
import { bootstrapMean, pairedClusterBootstrap } from "./bootstrap.js";
import { IndexDraws } from "./draws.js";
import { mean } from "./mean.js";

const close = (got: number, want: number, tol: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} (tol ${tol})`);

describe("mean", () => {
  it("averages, NaN when empty", () => {
    assert.equal(mean([1, 2, 3, 4]), 2.5);
    assert.equal(mean([-7]), -7);
    assert.ok(Number.isNaN(mean([])));
  });
});

describe("IndexDraws", () => {
  it("draws uniform indices (chi-square over 10 bins) and is deterministic for a seed", () => {
    const out = new Int32Array(100_000);
    new IndexDraws(9).fill(out, out.length, 10);
    const bins = new Array<number>(10).fill(0);
    for (const v of out) bins[v]!++;
    const chi2 = bins.reduce((s, o) => s + (o - 10_000) ** 2 / 10_000, 0);
    assert.ok(chi2 < 27.88, `chi-square ${chi2} (9 df, 0.1% critical value 27.88)`);
    const again = new Int32Array(100_000);
    new IndexDraws(9).fill(again, again.length, 10);
    assert.deepEqual(again, out);
    // Ranges other than powers of two hit every index and nothing outside.
    const odd = new Int32Array(5000);
    new IndexDraws(2).fill(odd, odd.length, 7);
    assert.deepEqual([...new Set(odd)].sort(), [0, 1, 2, 3, 4, 5, 6]);
  });
});

describe("bootstrapMean", () => {
  it("covers the true mean at about the nominal rate (200 simulated data sets)", () => {
    const rng = new Prng(2024);
    let covered = 0;
    for (let rep = 0; rep < 200; rep++) {
      const xs = Array.from({ length: 30 }, () => 10 + 2 * rng.normal());
      const ci = bootstrapMean(xs, { resamples: 1000, seed: rep + 1 });
      if (ci.low <= 10 && 10 <= ci.high) covered++;
    }
    // Percentile intervals at n = 30 run a little short of 95%.
    assert.ok(covered >= 176 && covered <= 198, `covered ${covered} / 200`);
  });

  it("has the estimate of the sample and the width of the normal-theory interval", () => {
    const rng = new Prng(5);
    const xs = Array.from({ length: 400 }, () => rng.normal() * 3 + 1);
    const m = mean(xs);
    const ci = bootstrapMean(xs);
    assert.equal(ci.estimate, m);
    // The bootstrap SE of a mean is the plug-in sd / sqrt(n); the 95% percentile interval is close to
    // m -/+ 1.96 of it for a sample this large.
    const se = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length) / Math.sqrt(xs.length);
    close(ci.high - ci.low, 2 * 1.959964 * se, 0.08 * 2 * 1.959964 * se, "width");
    close((ci.low + ci.high) / 2, m, 0.1 * se, "centre");
  });

  it("is deterministic for a seed, and the seed matters", () => {
    const xs = [3.1, 1.41, 4.59, 1.26, 5.35, 8.97, 2.93, 6.2, 5.38, 3.46, 5.1];
    assert.deepEqual(bootstrapMean(xs, { seed: 7 }), bootstrapMean(xs, { seed: 7 }));
    assert.notDeepEqual(bootstrapMean(xs, { seed: 7 }), bootstrapMean(xs, { seed: 8 }));
    assert.deepEqual(bootstrapMean(xs), bootstrapMean(xs, { seed: 1, resamples: 2000, level: 0.95 }));
    const wide = bootstrapMean(xs, { level: 0.99 });
    const narrow = bootstrapMean(xs, { level: 0.8 });
    assert.ok(wide.low < narrow.low && wide.high > narrow.high);
  });

  it("handles the edges and refuses bad input", () => {
    const empty = bootstrapMean([]);
    assert.ok(Number.isNaN(empty.estimate) && Number.isNaN(empty.low) && Number.isNaN(empty.high));
    assert.deepEqual(bootstrapMean([4]), { estimate: 4, low: 4, high: 4 });
    assert.throws(() => bootstrapMean([1, Infinity]), /xs\[1\] is Infinity/);
    assert.throws(() => bootstrapMean([1], { resamples: 0 }), /opts.resamples/);
    assert.throws(() => bootstrapMean([1], { level: 1 }), /opts.level/);
    assert.throws(() => bootstrapMean([1], { seed: 0.5 }), /opts.seed/);
  });
});

/** Tasks with a strong per-task effect shared by both sides (what pairing removes), `delta` added to
 *  side a, per-sample noise, and `samples` samples per side and task. */
function pairedTasks(rng: Prng, tasks: number, samples: number, delta: number): { a: number[][]; b: number[][] } {
  const a: number[][] = [];
  const b: number[][] = [];
  for (let t = 0; t < tasks; t++) {
    const effect = 2 * rng.normal();
    a.push(Array.from({ length: samples }, () => effect + delta + 0.5 * rng.normal()));
    b.push(Array.from({ length: samples }, () => effect + 0.5 * rng.normal()));
  }
  return { a, b };
}

describe("pairedClusterBootstrap", () => {
  it("estimates the pooled means of all samples (ragged tasks, empty sides)", () => {
    const a = [[1, 2, 3], [], [10], [4, 4]];
    const b = [[0], [5, 7], [], [1, 1, 1, 1]];
    const r = pairedClusterBootstrap(a, b, { resamples: 500 });
    close(r.a.estimate, 24 / 6, 1e-15, "a");
    close(r.b.estimate, 16 / 7, 1e-15, "b");
    close(r.delta.estimate, 24 / 6 - 16 / 7, 1e-15, "delta");
    for (const iv of [r.a, r.b, r.delta]) assert.ok(Number.isFinite(iv.low) && iv.low <= iv.high);
  });

  it("gives delta exactly 0 when both sides are the same", () => {
    const rng = new Prng(4);
    const { a } = pairedTasks(rng, 200, 4, 0);
    const r = pairedClusterBootstrap(a, a);
    assert.deepEqual(r.delta, { estimate: 0, low: 0, high: 0 });
    assert.deepEqual(r.a, r.b);
  });

  it("covers the true difference, with the width of the paired (linearized) cluster SE", () => {
    const rng = new Prng(77);
    const { a, b } = pairedTasks(rng, 500, 4, 0.3);
    const r = pairedClusterBootstrap(a, b);
    assert.ok(r.delta.low <= 0.3 && 0.3 <= r.delta.high, `delta ${JSON.stringify(r.delta)}`);
    assert.ok(r.delta.low > 0, "a real difference of 0.3 is detected");
    // Independent computation: the delta-method (linearization) variance of a difference of ratio
    // means under cluster resampling, sum_t u_t^2 with
    // u_t = (S^a_t - R_a C^a_t)/C^a - (S^b_t - R_b C^b_t)/C^b. Resampling the sides with different
    // task indices would instead give a width near that of the sides' own intervals (task sd 2).
    const tot = (xs: number[][]): [number, number] => [xs.reduce((s, v) => s + v.reduce((p, q) => p + q, 0), 0), xs.reduce((s, v) => s + v.length, 0)];
    const [sa, ca] = tot(a);
    const [sb, cb] = tot(b);
    const ra = sa / ca;
    const rb = sb / cb;
    let v = 0;
    let va = 0;
    for (let t = 0; t < a.length; t++) {
      const ua = (a[t]!.reduce((p, q) => p + q, 0) - ra * a[t]!.length) / ca;
      const ub = (b[t]!.reduce((p, q) => p + q, 0) - rb * b[t]!.length) / cb;
      v += (ua - ub) ** 2;
      va += ua ** 2;
    }
    const want = 2 * 1.959964 * Math.sqrt(v);
    close(r.delta.high - r.delta.low, want, 0.1 * want, "delta width");
    const wantA = 2 * 1.959964 * Math.sqrt(va);
    close(r.a.high - r.a.low, wantA, 0.1 * wantA, "side a width");
    assert.ok(r.a.high - r.a.low > 5 * (r.delta.high - r.delta.low), "pairing removes the task effect");
  });

  it("covers the true difference at about the nominal rate (100 simulated canary runs)", () => {
    const rng = new Prng(8);
    let covered = 0;
    for (let rep = 0; rep < 100; rep++) {
      const { a, b } = pairedTasks(rng, 100, 3, -0.2);
      const r = pairedClusterBootstrap(a, b, { resamples: 600, seed: rep });
      if (r.delta.low <= -0.2 && -0.2 <= r.delta.high) covered++;
    }
    assert.ok(covered >= 86 && covered <= 100, `covered ${covered} / 100`);
  });

  it("leaves out resamples where a side has no sample, and gives NaN for a side with none at all", () => {
    // Only task 0 has samples for a: resamples without task 0 are undefined for a and delta.
    const a = [[1, 3], [], [], []];
    const b = [[0], [1], [2], [3]];
    const r = pairedClusterBootstrap(a, b, { resamples: 400 });
    assert.deepEqual(r.a, { estimate: 2, low: 2, high: 2 });
    assert.ok(Number.isFinite(r.delta.low) && Number.isFinite(r.delta.high));
    const none = pairedClusterBootstrap([[], []], [[1], [2]]);
    assert.ok(Number.isNaN(none.a.estimate) && Number.isNaN(none.delta.low));
    close(none.b.estimate, 1.5, 1e-15, "b still estimated");
    const noTasks = pairedClusterBootstrap([], []);
    assert.ok(Number.isNaN(noTasks.delta.estimate));
  });

  it("is deterministic for a seed", () => {
    const { a, b } = pairedTasks(new Prng(3), 50, 2, 0.1);
    assert.deepEqual(pairedClusterBootstrap(a, b, { seed: 5 }), pairedClusterBootstrap(a, b, { seed: 5 }));
    assert.notDeepEqual(pairedClusterBootstrap(a, b, { seed: 5 }), pairedClusterBootstrap(a, b, { seed: 6 }));
  });

  it("refuses mismatched tasks and bad samples with their path", () => {
    assert.throws(() => pairedClusterBootstrap([[1]], [[1], [2]]), /same tasks, got 1 and 2/);
    assert.throws(() => pairedClusterBootstrap([[1], [2, NaN]], [[1], [2]]), /a\[1\]\[1\] is NaN/);
  });

  it("runs 500 tasks x 4 samples x 2000 resamples in a few milliseconds", () => {
    const { a, b } = pairedTasks(new Prng(1), 500, 4, 0);
    pairedClusterBootstrap(a, b); // warm up
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) pairedClusterBootstrap(a, b, { seed: i });
    const perCall = (performance.now() - t0) / 10;
    // ~5 ms here; the canary's ~200 calls a report must fit in a few seconds. Generous bound for a
    // shared machine.
    assert.ok(perCall < 50, `${perCall.toFixed(1)} ms per call`);
  });
});
