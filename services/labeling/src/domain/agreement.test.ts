import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { cohensKappa, goldAccuracy, krippendorffAlphaNominal } from "./agreement.js";

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function table(yy: number, yn: number, ny: number, nn: number): [string, string][] {
  const out: [string, string][] = [];
  const push = (k: number, a: string, b: string) => {
    for (let i = 0; i < k; i++) out.push([a, b]);
  };
  push(yy, "yes", "yes");
  push(yn, "yes", "no");
  push(ny, "no", "yes");
  push(nn, "no", "no");
  return out;
}

test("Cohen's kappa matches the published worked examples", () => {
  // Wikipedia "Cohen's kappa", simple example: 50 proposals, 20/5/10/15 -> p_o 0.7, p_e 0.5, kappa 0.4.
  assert.equal(round3(cohensKappa(table(20, 5, 10, 15))), 0.4);
  // Same page, "same percentages but different numbers": 45/15/25/15 -> 0.1304, 25/35/5/35 -> 0.2593.
  assert.equal(round3(cohensKappa(table(45, 15, 25, 15))), 0.13);
  assert.equal(Math.round(cohensKappa(table(45, 15, 25, 15)) * 1e4) / 1e4, 0.1304);
  assert.equal(Math.round(cohensKappa(table(25, 35, 5, 35)) * 1e4) / 1e4, 0.2593);
});

test("Krippendorff's alpha matches Krippendorff's own nominal example (4 observers, 12 units, missing data) to 3 decimals", () => {
  // K. Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C:
  // observers A..D by unit 1..12 ("." missing); published alpha_nominal = 0.743.
  const rows = [
    "1 2 3 3 2 1 4 1 2 . . .",
    "1 2 3 3 2 2 4 1 2 5 . 3",
    ". 3 3 3 2 3 4 2 2 5 1 .",
    "1 2 3 3 2 4 4 1 2 5 1 .",
  ].map((r) => r.split(" "));
  const units = Array.from({ length: 12 }, (_, u) => rows.map((r) => r[u] as string).filter((v) => v !== "."));
  assert.equal(round3(krippendorffAlphaNominal(units)), 0.743);
});

test("Krippendorff's alpha matches the two-observer binary example (alpha = 0.095)", () => {
  // Same paper, section A: 10 units, two observers, alpha = 1 - 19 * 4 / (14 * 6) = 0.095.
  const a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
  const b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];
  const units = a.map((x, i) => [String(x), String(b[i])]);
  assert.equal(round3(krippendorffAlphaNominal(units)), 0.095);
});

/** Independent computation straight from the definition: pairwise disagreement within units vs all pairable values. */
function alphaByPairs(units: string[][]): number {
  const pairable = units.filter((u) => u.length >= 2);
  const values = pairable.flat();
  const n = values.length;
  let dO = 0;
  for (const u of pairable) {
    let d = 0;
    for (let i = 0; i < u.length; i++) for (let j = 0; j < u.length; j++) if (i !== j && u[i] !== u[j]) d++;
    dO += d / (u.length - 1);
  }
  dO /= n;
  let dE = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && values[i] !== values[j]) dE++;
  dE /= n * (n - 1);
  return 1 - dO / dE;
}

test("alpha equals the pairwise-disagreement definition on random data", () => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.constantFrom("a", "b", "t"), { minLength: 0, maxLength: 5 }), { minLength: 2, maxLength: 30 }), (units) => {
      const expected = alphaByPairs(units);
      const got = krippendorffAlphaNominal(units);
      if (Number.isNaN(expected) || !Number.isFinite(expected)) return true;
      return Math.abs(got - expected) < 1e-9;
    }),
    { seed: 42, numRuns: 300 },
  );
});

test("with two raters and no missing data, alpha approaches kappa-like agreement: perfect is 1", () => {
  assert.equal(krippendorffAlphaNominal([["a", "a"], ["b", "b"], ["a", "a"]]), 1);
  assert.equal(cohensKappa([["a", "a"], ["b", "b"]]), 1);
  assert.ok(Number.isNaN(cohensKappa([])));
});

test("gold accuracy", () => {
  assert.equal(goldAccuracy([{ given: "a", expected: "a" }, { given: "b", expected: "a" }]), 0.5);
  assert.ok(Number.isNaN(goldAccuracy([])));
});
