import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng, sigmoid } from "./rng.js";

void test("same label gives the same stream; different labels and forks differ", () => {
  const a = new Rng("seed-1");
  const b = new Rng("seed-1");
  const c = new Rng("seed-2");
  const xs = Array.from({ length: 50 }, () => a.nextU32());
  assert.deepEqual(Array.from({ length: 50 }, () => b.nextU32()), xs);
  assert.notDeepEqual(Array.from({ length: 50 }, () => c.nextU32()), xs);
  const root = new Rng("root");
  const f1 = root.fork("x").float();
  root.float(); // forking does not depend on the parent's position
  assert.equal(root.fork("x").float(), f1);
  assert.notEqual(root.fork("y").float(), f1);
});

void test("distributions have the moments they should", () => {
  const r = new Rng("moments");
  const n = 40_000;
  let s = 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    ss += z * z;
  }
  assert.ok(Math.abs(s / n) < 0.02, `normal mean ${s / n}`);
  assert.ok(Math.abs(ss / n - 1) < 0.03, `normal variance ${ss / n}`);
  let e = 0;
  for (let i = 0; i < n; i++) e += r.exponential(3);
  assert.ok(Math.abs(e / n - 3) < 0.08, `exponential mean ${e / n}`);
  let bsum = 0;
  for (let i = 0; i < n; i++) bsum += r.beta(0.4, 3.6);
  assert.ok(Math.abs(bsum / n - 0.1) < 0.005, `beta mean ${bsum / n}`);
  // Pareto(alpha): P(X > x) = x^-alpha.
  let above = 0;
  for (let i = 0; i < n; i++) if (r.pareto(1.5) > 4) above++;
  assert.ok(Math.abs(above / n - Math.pow(4, -1.5)) < 0.01);
  const counts = [0, 0, 0];
  for (let i = 0; i < n; i++) counts[r.weightedIndex([1, 2, 7])]!++;
  assert.ok(Math.abs(counts[2]! / n - 0.7) < 0.01);
  assert.equal(sigmoid(0), 0.5);
  assert.ok(Math.abs(sigmoid(-800)) < 1e-300 && sigmoid(800) === 1);
});
