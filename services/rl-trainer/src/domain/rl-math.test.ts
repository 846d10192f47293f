import assert from "node:assert/strict";
import { test } from "node:test";
import { Prng } from "@rlhf-loop/ml";
import { bestOfN, bestOfNKlBound, ceiling, KlController, klSequence, klToken, logMeanExp, rlooAdvantages } from "./rl-math.js";
import { bootstrapPairedDiff, fitBestOfNForm, fitRlForm } from "./stats.js";

const close = (a: number, b: number, tol: number, what = ""): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

test("k1 and k3 are unbiased for KL(p||q) under p; k2 is not (exact expectations over a discrete law)", () => {
  const p = [0.5, 0.2, 0.2, 0.1];
  const q = [0.25, 0.25, 0.4, 0.1];
  const kl = p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]!), 0);
  const e = (est: "k1" | "k2" | "k3") => p.reduce((s, pi, i) => s + pi * klToken(Math.log(pi), Math.log(q[i]!), est), 0);
  close(e("k1"), kl, 1e-12, "k1");
  close(e("k3"), kl, 1e-12, "k3");
  assert.ok(Math.abs(e("k2") - kl) > 1e-3, "k2 is biased here");
  for (let i = 0; i < 4; i++) assert.ok(klToken(Math.log(p[i]!), Math.log(q[i]!), "k3") >= 0);
  close(klSequence([-1, -2], [-1.5, -1], "k1"), 0.5 - 1, 1e-15, "sum");
  assert.throws(() => klSequence([-1], [], "k1"), /lengths differ/);
});

test("RLOO advantages equal reward minus the mean of the other samples, and sum to zero per prompt", () => {
  const r = [1, 2, 4, 7, -1, 0, 0, 5];
  const a = rlooAdvantages(r, 4);
  for (let g = 0; g < 2; g++) {
    let sum = 0;
    for (let i = 0; i < 4; i++) {
      const others = r.slice(g * 4, g * 4 + 4).filter((_, j) => j !== i);
      close(a[g * 4 + i]!, r[g * 4 + i]! - others.reduce((x, y) => x + y, 0) / 3, 1e-12, "loo");
      sum += a[g * 4 + i]!;
    }
    close(sum, 0, 1e-12, "sum");
  }
  assert.throws(() => rlooAdvantages([1, 2, 3], 2), /groups/);
  assert.throws(() => rlooAdvantages([1], 1), /k >= 2/);
});

test("J* = beta log E[exp(r/beta)] is the value of the Gibbs policy, and beats any other policy", () => {
  const r = [0.3, -1.2, 2.0, 0.9, 0.9, -0.4];
  const m = r.length;
  for (const beta of [0.05, 0.3, 2]) {
    const value = (pi: number[]) => pi.reduce((s, x, i) => s + x * r[i]!, 0) - beta * pi.reduce((s, x) => s + (x > 0 ? x * Math.log(m * x) : 0), 0);
    const w = r.map((x) => Math.exp(x / beta));
    const z = w.reduce((a, b) => a + b, 0);
    const gibbs = w.map((x) => x / z);
    close(ceiling(r, beta), value(gibbs), 1e-9, `beta ${beta}`);
    const rng = new Prng(3);
    for (let t = 0; t < 50; t++) {
      const pert = gibbs.map((x) => x * Math.exp(0.3 * rng.normal()));
      const s = pert.reduce((a, b) => a + b, 0);
      assert.ok(value(pert.map((x) => x / s)) <= ceiling(r, beta) + 1e-12);
    }
  }
  close(logMeanExp([1000, 1000]), 1000, 1e-12, "stable");
  // Small beta: the ceiling approaches the best reward; large beta: the mean.
  close(ceiling(r, 1e-3), 2.0 - 1e-3 * Math.log(m), 1e-6, "small beta");
  close(ceiling(r, 1e4), r.reduce((a, b) => a + b, 0) / m, 1e-3, "large beta");
});

test("best-of-n on the empirical law matches simulation, and its KL stays under log n - (n-1)/n", () => {
  const rng = new Prng(11);
  const m = 40;
  const r = Array.from({ length: m }, () => Math.round(rng.normal() * 4) / 2); // ties on purpose
  const g = r.map((x, i) => x + (i % 3));
  for (const n of [1, 2, 4, 16]) {
    const exact = bestOfN(r, n, g);
    // Simulation: draw n indices uniformly, keep the highest reward, ties broken uniformly.
    const counts = new Array<number>(m).fill(0);
    const T = 200_000;
    let sr = 0, sg = 0;
    for (let t = 0; t < T; t++) {
      let best: number[] = [];
      for (let j = 0; j < n; j++) {
        const i = Math.floor(rng.next() * m);
        if (best.length === 0 || r[i]! > r[best[0]!]!) best = [i];
        else if (r[i] === r[best[0]!]) best.push(i);
      }
      // Among the best reward, the winner is uniform over all indices holding that reward.
      const top = r[best[0]!]!;
      const holders = r.map((x, i) => (x === top ? i : -1)).filter((i) => i >= 0);
      const w = holders[Math.floor(rng.next() * holders.length)]!;
      counts[w]!++;
      sr += r[w]!;
      sg += g[w]!;
    }
    close(exact.reward, sr / T, 0.02, `reward n=${n}`);
    close(exact.gold, sg / T, 0.03, `gold n=${n}`);
    const klSim = counts.reduce((s, c) => (c > 0 ? s + (c / T) * Math.log(((c / T) * m)) : s), 0);
    close(exact.kl, klSim, 0.02, `kl n=${n}`);
    assert.ok(exact.kl <= bestOfNKlBound(n) + 1e-12, `bound n=${n}`);
  }
  close(bestOfN(r, 1).kl, 0, 1e-12, "n=1");
  // Many distinct samples: the exact KL approaches the bound.
  const distinct = Array.from({ length: 20000 }, (_, i) => i);
  close(bestOfN(distinct, 8).kl, bestOfNKlBound(8), 1e-3, "large m");
});

test("the KL controller holds a fixed beta, or moves it toward the target KL", () => {
  const fixed = new KlController(0.05);
  fixed.update(100, 256);
  assert.equal(fixed.beta, 0.05);
  const ad = new KlController(0.1, { target: 4, horizon: 1000 });
  close(ad.update(8, 100), 0.1 * (1 + 0.2 * 0.1), 1e-15, "too much KL raises beta (error clipped at 0.2)");
  const b1 = ad.beta;
  close(ad.update(3.6, 100), b1 * (1 + (3.6 / 4 - 1) * 0.1), 1e-15, "too little lowers it");
  assert.throws(() => new KlController(-1), /beta/);
});

test("Gao et al. forms: least squares recovers known coefficients; bootstrap interval covers the truth", () => {
  const d = [0.5, 1, 1.5, 2, 3, 4];
  const bon = fitBestOfNForm(d, d.map((x) => x * (1.3 - 0.2 * x)));
  close(bon.a, 1.3, 1e-9, "bon a");
  close(bon.b, 0.2, 1e-9, "bon b");
  const rl = fitRlForm(d, d.map((x) => x * (0.8 - 0.3 * Math.log(x))));
  close(rl.a, 0.8, 1e-9, "rl a");
  close(rl.b, 0.3, 1e-9, "rl b");
  close(rl.r2, 1, 1e-9, "r2");
  const rng = new Prng(5);
  const before = Array.from({ length: 400 }, () => rng.normal());
  const after = before.map((x) => x + 0.3 + 0.5 * rng.normal());
  const ci = bootstrapPairedDiff(before, after, { seed: 1 });
  assert.ok(ci.lo < 0.3 && ci.hi > 0.3 && ci.lo > 0.2, JSON.stringify(ci));
  assert.deepEqual(bootstrapPairedDiff(before, after, { seed: 1 }), ci);
  const none = bootstrapPairedDiff(before, before.map((x) => x + 0.5 * rng.normal()), { seed: 1 });
  assert.ok(none.lo < 0 && none.hi > 0, "no effect: interval spans zero");
});
