import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { averageRanks, bootstrapMean, calibrationBins, spearman } from "./stats.js";

describe("spearman", () => {
  it("matches the published example (Wikipedia: IQ vs hours of TV, rho = -29/165)", () => {
    const iq = [106, 86, 100, 101, 99, 103, 97, 113, 112, 110];
    const tv = [7, 0, 27, 50, 28, 29, 20, 12, 6, 17];
    assert.ok(Math.abs(spearman(iq, tv) - -29 / 165) < 1e-12, `${spearman(iq, tv)}`);
  });

  it("equals the closed form 1 - 6 Σd² / (n(n²-1)) without ties", () => {
    const x = [3, 1, 4, 15, 9, 2, 6, 5.5, 35, 8.9];
    const y = [2, 7, 1, 8, 28, 18, 28.5, 4, 59, 0];
    const rx = averageRanks(x);
    const ry = averageRanks(y);
    const n = x.length;
    const d2 = rx.reduce((s, r, i) => s + (r - ry[i]!) ** 2, 0);
    assert.ok(Math.abs(spearman(x, y) - (1 - (6 * d2) / (n * (n * n - 1)))) < 1e-12);
  });

  it("uses average ranks for ties (hand computation: 4.5 / sqrt(22.5))", () => {
    assert.deepEqual(averageRanks([1, 2, 2, 3]), [1, 2.5, 2.5, 4]);
    assert.ok(Math.abs(spearman([1, 2, 2, 3], [1, 3, 2, 4]) - 4.5 / Math.sqrt(22.5)) < 1e-12);
  });

  it("is NaN for a constant column", () => {
    assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  });
});

describe("bootstrap interval", () => {
  it("agrees with the normal approximation for a Bernoulli mean (n = 400, p = 0.75)", () => {
    const v = Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 0 : 1));
    const r = bootstrapMean(v, undefined, { resamples: 4000, seed: 3 });
    const se = Math.sqrt((0.75 * 0.25) / 400);
    assert.equal(r.value, 0.75);
    assert.ok(Math.abs(r.lo - (0.75 - 1.96 * se)) < 0.006, `lo ${r.lo}`);
    assert.ok(Math.abs(r.hi - (0.75 + 1.96 * se)) < 0.006, `hi ${r.hi}`);
  });

  it("weights items and is reproducible for a seed", () => {
    const a = bootstrapMean([1, 0], [3, 1], { seed: 9 });
    assert.equal(a.value, 0.75);
    assert.deepEqual(bootstrapMean([1, 0], [3, 1], { seed: 9 }), a);
  });
});

describe("calibration bins", () => {
  it("bins predictions and computes ECE by hand", () => {
    const c = calibrationBins([0.05, 0.15, 0.95, 0.92, 0.9], [0, 1, 1, 1, 0], 10);
    assert.equal(c.bins[0]!.count, 1);
    assert.equal(c.bins[1]!.observed, 1);
    assert.equal(c.bins[9]!.count, 3);
    assert.ok(Math.abs(c.bins[9]!.predicted - (0.95 + 0.92 + 0.9) / 3) < 1e-12);
    const expect = (1 / 5) * 0.05 + (1 / 5) * 0.85 + (3 / 5) * Math.abs(2 / 3 - (0.95 + 0.92 + 0.9) / 3);
    assert.ok(Math.abs(c.ece - expect) < 1e-12);
  });
});
