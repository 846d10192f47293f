import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Prng } from "../util/prng.js";
import { kolmogorovSf, ksTwoSample } from "./ks.js";

const close = (got: number, want: number, tol: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} (tol ${tol})`);

/** D by brute force: at every observed value x, |#{a <= x}/n1 - #{b <= x}/n2|. */
function bruteD(a: readonly number[], b: readonly number[]): number {
  let d = 0;
  for (const x of [...a, ...b]) {
    const fa = a.filter((v) => v <= x).length / a.length;
    const fb = b.filter((v) => v <= x).length / b.length;
    d = Math.max(d, Math.abs(fa - fb));
  }
  return d;
}

/** Kolmogorov's series summed directly to many terms (no switch of form, no early stop). */
function kolmogorovSeries(lambda: number): number {
  let s = 0;
  for (let j = 1; j <= 2000; j++) s += (j % 2 === 1 ? 2 : -2) * Math.exp(-2 * j * j * lambda * lambda);
  return s;
}

describe("kolmogorovSf", () => {
  it("matches scipy.stats.kstwobign.sf on both sides of the switch at 1.18", () => {
    const table: [number, number][] = [
      [0.3, 0.9999906941986655],
      [0.5, 0.9639452436648751],
      [0.8, 0.5441424115741981],
      [1.0, 0.26999967167735456],
      [1.17, 0.12939004218561884],
      [1.18, 0.1234538094297657],
      [1.19, 0.11774229287977166],
      [1.5, 0.022217962616525127],
      [2.0, 0.0006709252557796953],
      [3.0, 3.045995948942526e-8],
    ];
    for (const [l, q] of table) close(kolmogorovSf(l), q, 1e-14, `Q(${l})`);
    assert.equal(kolmogorovSf(0), 1);
    assert.equal(kolmogorovSf(0.01), 1);
  });

  it("equals the alternating series summed directly where that converges", () => {
    for (let l = 0.6; l < 4; l += 0.05) close(kolmogorovSf(l), kolmogorovSeries(l), 1e-13, `Q(${l})`);
  });

  it("gives the classical critical values: Q(1.224) = 0.10, Q(1.358) = 0.05, Q(1.628) = 0.01", () => {
    // Smirnov (1948) table of the limiting distribution, as quoted with the 1.36/sqrt(ne) rule.
    close(kolmogorovSf(1.224), 0.1, 0.0005, "10%");
    close(kolmogorovSf(1.358), 0.05, 0.0005, "5%");
    close(kolmogorovSf(1.628), 0.01, 0.0005, "1%");
  });
});

describe("ksTwoSample", () => {
  it("computes D like the brute force, with ties (integer word counts) and without", () => {
    const rng = new Prng(11);
    for (let rep = 0; rep < 60; rep++) {
      const n1 = 1 + rng.int(40);
      const n2 = 1 + rng.int(40);
      const ints = rep % 2 === 0;
      const shift = rng.next() * 3;
      const draw = (s: number): number => (ints ? Math.round(6 + 3 * rng.normal() + s) : rng.normal() + s / 3);
      const a = Array.from({ length: n1 }, () => draw(0));
      const b = Array.from({ length: n2 }, () => draw(shift));
      close(ksTwoSample(a, b).statistic, bruteD(a, b), 1e-15, `rep ${rep} D`);
      close(ksTwoSample(b, a).statistic, bruteD(a, b), 1e-15, `rep ${rep} D swapped`);
    }
  });

  it("evaluates the CDFs after all equal values (a one-step-at-a-time merge would overstate D)", () => {
    // All of a and half of b sit at 5: after the tie F_a = 1, F_b = 1/2, so D = 1/2. A merge that
    // advances one element at a time (a first on ties) would compare F_a = 1 with F_b = 0: D = 1.
    assert.equal(ksTwoSample([5, 5, 5], [5, 5, 6, 7]).statistic, 0.5);
    assert.equal(ksTwoSample([1, 2, 3], [1, 2, 3]).statistic, 0);
    assert.equal(ksTwoSample([1, 2, 3], [1, 2, 3]).pValue, 1);
    assert.equal(ksTwoSample([1, 1], [1, 1]).statistic, 0);
    assert.equal(ksTwoSample([1, 1], [2, 2]).statistic, 1);
  });

  it("matches scipy.stats.ks_2samp's D and the NR kstwo p-value on a worked example with ties", () => {
    // scipy.stats.ks_2samp(a, b).statistic = 0.43333333333333335 (= 13/30); p = kstwobign.sf(lambda)
    // with lambda = (sqrt(ne) + 0.12 + 0.11/sqrt(ne)) D = 1.0844582747294145 -> 0.19017422630857728.
    const a = [1, 2, 2, 3, 3, 3, 4, 5, 7, 9];
    const b = [2, 3, 4, 4, 5, 5, 6, 6, 8, 10, 11, 12];
    const r = ksTwoSample(a, b);
    close(r.statistic, 13 / 30, 1e-15, "D");
    close(r.pValue, 0.19017422630857728, 1e-13, "p");
  });

  it("gives p ~ 0.05 at D = 1.36/sqrt(ne) for large samples", () => {
    for (const [n1, n2] of [
      [4000, 6000],
      [10000, 10000],
    ] as const) {
      // a puts k of its n1 values at 0 and the rest at 2, b puts all at 2: D = F_a(0) - F_b(0) = k/n1.
      const ne = (n1 * n2) / (n1 + n2);
      const k = Math.round((1.36 / Math.sqrt(ne)) * n1);
      const a = [...Array<number>(k).fill(0), ...Array<number>(n1 - k).fill(2)];
      const b = Array<number>(n2).fill(2);
      const r = ksTwoSample(a, b);
      close(r.statistic, k / n1, 1e-15, "D");
      close(r.pValue, 0.05, 0.003, `p at n1=${n1} n2=${n2}`);
    }
  });

  it("has the nominal size under the null (simulation)", () => {
    const rng = new Prng(3);
    let rejections = 0;
    const reps = 400;
    for (let r = 0; r < reps; r++) {
      const a = Array.from({ length: 60 }, () => rng.normal());
      const b = Array.from({ length: 80 }, () => rng.normal());
      if (ksTwoSample(a, b).pValue < 0.05) rejections++;
    }
    // The asymptotic test is slightly conservative at this size; expect about 3-6% of 400.
    assert.ok(rejections >= 6 && rejections <= 32, `rejections ${rejections} / ${reps}`);
  });

  it("returns pValue 1 for an empty sample and refuses NaN", () => {
    const r = ksTwoSample([], [1, 2]);
    assert.equal(r.pValue, 1);
    assert.ok(Number.isNaN(r.statistic));
    assert.throws(() => ksTwoSample([1, NaN], [1]), /a\[1\] is NaN/);
  });
});
