import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalCdf } from "./normal.js";
import { twoProportionZ, wilsonInterval } from "./proportions.js";

const close = (got: number, want: number, tol: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} (tol ${tol})`);

describe("twoProportionZ", () => {
  it("reproduces the HyperStat worked example (early intervention, 73/85 vs 43/82: SE 0.0713, z = 4.69)", () => {
    // D. M. Lane, HyperStat Online, "Tests of Differences between Proportions" (pages 1-4): pooled
    // p = 116/167, SE = 0.0713, z = 4.69, two-tailed p < 0.0001.
    const r = twoProportionZ(73, 85, 43, 82);
    close(r.z, 4.69, 0.005, "z");
    close(r.diff / r.z, 0.0713, 0.00005, "pooled SE");
    assert.ok(r.pValue < 0.0001);
  });

  it("reproduces the statsmodels proportions_ztest docs example (5/83 vs 12/99: p = 0.159)", () => {
    // statsmodels.stats.proportion.proportions_ztest docstring: count [5, 12], nobs [83, 99] -> pval 0.159.
    const r = twoProportionZ(5, 83, 12, 99);
    close(r.pValue, 0.159, 0.0005, "p");
    assert.ok(r.z < 0);
  });

  it("equals the closed form recomputed by hand", () => {
    for (const [x1, n1, x2, n2] of [
      [73, 85, 43, 82],
      [5, 83, 12, 99],
      [300, 1000, 200, 1000],
      [1, 7, 6, 9],
    ] as const) {
      const p1 = x1 / n1;
      const p2 = x2 / n2;
      const p = (x1 + x2) / (n1 + n2);
      const z = (p1 - p2) / Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
      const r = twoProportionZ(x1, n1, x2, n2);
      close(r.diff, p1 - p2, 1e-15, "diff");
      close(r.z, z, 1e-12, "z");
      close(r.pValue, 2 * (1 - normalCdf(Math.abs(z))), 1e-14, "p");
      // Swapping the sides flips the sign only.
      const s = twoProportionZ(x2, n2, x1, n1);
      close(s.z, -r.z, 1e-12, "swapped z");
      close(s.pValue, r.pValue, 1e-15, "swapped p");
    }
    // Figures from scipy: 2 * scipy.stats.norm.sf(z) for z of 300/1000 vs 200/1000 and 900/1000 vs 500/1000.
    close(twoProportionZ(300, 1000, 200, 1000).pValue, 2.4175638811190246e-7, 1e-19, "p (300 vs 200 of 1000)");
    const tiny = twoProportionZ(900, 1000, 500, 1000).pValue;
    assert.ok(Math.abs(tiny - 7.719934594295634e-85) < 1e-12 * 7.7e-85, `tiny p keeps its digits: ${tiny}`);
  });

  it("gives p = 1 when the test is undefined", () => {
    assert.deepEqual(twoProportionZ(0, 50, 0, 70), { diff: 0, z: 0, pValue: 1 });
    assert.deepEqual(twoProportionZ(50, 50, 70, 70), { diff: 0, z: 0, pValue: 1 });
    const empty = twoProportionZ(0, 0, 3, 10);
    assert.equal(empty.pValue, 1);
    assert.ok(Number.isNaN(empty.diff) && Number.isNaN(empty.z));
    assert.equal(twoProportionZ(3, 10, 0, 0).pValue, 1);
  });

  it("refuses impossible counts with the field at fault", () => {
    assert.throws(() => twoProportionZ(11, 10, 1, 10), /x1 must be in \[0, n1\]/);
    assert.throws(() => twoProportionZ(1, 10, -1, 10), /x2 must be in \[0, n2\]/);
    assert.throws(() => twoProportionZ(1, NaN, 1, 10), /n1 must be a finite number/);
  });
});

describe("wilsonInterval", () => {
  it("reproduces Newcombe (1998) Table II, method 3 (Wilson score), 95%", () => {
    // Newcombe RG, Stat Med 1998;17:857-872. Hand check of 81/263: p = 0.307985, z^2/n = 0.0146063,
    // centre (p + z^2/2n)/(1 + z^2/n) = 0.310749, half-width
    // 1.959964 * sqrt(p(1-p)/n + z^2/4n^2)/(1 + z^2/n) = 0.055461 -> 0.2553 to 0.3662.
    const cases: [number, number, number, number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [x, n, lo, hi] of cases) {
      const r = wilsonInterval(x, n);
      close(r.estimate, x / n, 1e-15, `${x}/${n} estimate`);
      close(r.low, lo, 0.00005, `${x}/${n} low`);
      close(r.high, hi, 0.00005, `${x}/${n} high`);
    }
  });

  it("equals the closed form at other levels, and is the score-test inversion", () => {
    // z for 90% and 99% from scipy.stats.norm.ppf(0.95) and norm.ppf(0.995).
    for (const [level, z] of [
      [0.9, 1.6448536269514722],
      [0.99, 2.5758293035489004],
    ] as const) {
      const x = 81;
      const n = 263;
      const p = x / n;
      const c = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
      const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
      const r = wilsonInterval(x, n, level);
      close(r.low, c - h, 1e-14, `${level} low`);
      close(r.high, c + h, 1e-14, `${level} high`);
      // Each bound is a proportion pi whose score statistic |p - pi| / sqrt(pi(1-pi)/n) equals z.
      for (const pi of [r.low, r.high]) close(Math.abs(p - pi) / Math.sqrt((pi * (1 - pi)) / n), z, 1e-10, "score statistic at the bound");
    }
    // Computed once in Python: the Wilson formula with z = scipy.stats.norm.ppf(0.95), x = 81, n = 263.
    const r90 = wilsonInterval(81, 263, 0.9);
    close(r90.low, 0.2633136171884814, 1e-12, "90% low");
    close(r90.high, 0.35656634960848815, 1e-12, "90% high");
  });

  it("handles the edges", () => {
    assert.deepEqual(wilsonInterval(0, 20).low, 0);
    assert.deepEqual(wilsonInterval(20, 20).high, 1);
    close(wilsonInterval(20, 20).low, 1 - 0.1611, 0.00005, "20/20 low mirrors 0/20 high");
    const none = wilsonInterval(0, 0);
    assert.ok(Number.isNaN(none.estimate));
    assert.equal(none.low, 0);
    assert.equal(none.high, 1);
    assert.throws(() => wilsonInterval(3, 2), /x must be in \[0, n\]/);
    assert.throws(() => wilsonInterval(1, 2, 1), /level must be in \(0, 1\)/);
  });
});
