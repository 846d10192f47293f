import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalCdf, normalQuantile, normalSf } from "./normal.js";

const close = (got: number, want: number, tol: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} (tol ${tol})`);
const rel = (got: number, want: number, tol: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= tol * Math.abs(want), `${what}: got ${got}, want ${want} (rel tol ${tol})`);

describe("normalCdf", () => {
  it("matches Abramowitz & Stegun Table 26.1 (P(x), 15 decimals)", () => {
    // A&S Table 26.1; the same digits as scipy.stats.norm.cdf(x).
    const table: [number, number][] = [
      [0.5, 0.691462461274013],
      [1.0, 0.841344746068543],
      [1.5, 0.933192798731142],
      [2.0, 0.977249868051821],
      [2.5, 0.993790334674224],
      [3.0, 0.99865010196837],
    ];
    for (const [x, p] of table) {
      close(normalCdf(x), p, 1e-14, `Phi(${x})`);
      close(normalCdf(-x), 1 - p, 1e-14, `Phi(${-x})`);
    }
    assert.equal(normalCdf(0), 0.5);
    close(normalCdf(1.96), 0.9750021048517795, 1e-15, "Phi(1.96)"); // scipy.stats.norm.cdf(1.96)
  });

  it("keeps relative precision in the tails (scipy.stats.norm.sf)", () => {
    const tails: [number, number][] = [
      [5, 2.866515718791933e-7],
      [6, 9.865876450376946e-10],
      [8, 6.22096057427174e-16],
      [10, 7.61985302416047e-24],
      [20, 2.7536241186061556e-89],
    ];
    for (const [x, q] of tails) {
      rel(normalSf(x), q, 1e-13, `Q(${x})`);
      rel(normalCdf(-x), q, 1e-13, `Phi(${-x})`);
    }
    assert.equal(normalCdf(-Infinity), 0);
    assert.equal(normalCdf(Infinity), 1);
    assert.ok(Number.isNaN(normalCdf(NaN)));
  });

  it("equals the integral of the density (composite Simpson) on [-7, 7], across the series/fraction switch", () => {
    // Independent of both expansions: integrate phi from 0 to z with a fine Simpson rule.
    const phi = (t: number): number => Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
    const simpson = (z: number): number => {
      const n = 4000;
      const h = z / n;
      let s = phi(0) + phi(z);
      for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * phi(i * h);
      return (s * h) / 3;
    };
    for (let z = -7; z <= 7; z += 0.37) close(normalCdf(z), 0.5 + simpson(z), 1e-13, `Phi(${z})`);
    for (const z of [-3.0000001, -3, -2.9999999, 2.9999999, 3, 3.0000001]) close(normalCdf(z), 0.5 + simpson(z), 1e-13, `Phi(${z})`);
    // Monotone across the switch at |z| = 3.
    assert.ok(normalCdf(-3.0000001) < normalCdf(-3) && normalCdf(-3) < normalCdf(-2.9999999));
    assert.ok(normalCdf(2.9999999) < normalCdf(3) && normalCdf(3) < normalCdf(3.0000001));
  });
});

describe("normalQuantile", () => {
  it("matches the tabulated quantiles (scipy.stats.norm.ppf)", () => {
    const table: [number, number][] = [
      [0.9, 1.2815515655446004],
      [0.95, 1.6448536269514722],
      [0.975, 1.959963984540054],
      [0.99, 2.3263478740408408],
      [0.995, 2.5758293035489004],
      [0.999, 3.090232306167813],
      [1e-10, -6.361340902404056],
    ];
    for (const [p, z] of table) rel(normalQuantile(p), z, 1e-14, `quantile(${p})`);
    assert.equal(normalQuantile(0.5), 0);
    assert.equal(normalQuantile(0), -Infinity);
    assert.equal(normalQuantile(1), Infinity);
  });

  it("inverts normalCdf", () => {
    for (let p = 0.001; p < 1; p += 0.0137) close(normalCdf(normalQuantile(p)), p, 1e-15, `Phi(quantile(${p}))`);
    for (const p of [1e-300, 1e-50, 1e-20]) rel(normalCdf(normalQuantile(p)), p, 1e-12, `Phi(quantile(${p}))`);
  });

  it("refuses p outside [0, 1]", () => {
    assert.throws(() => normalQuantile(1.5), /p must be in \[0, 1\]/);
    assert.throws(() => normalQuantile(NaN), /p must be in \[0, 1\]/);
  });
});
