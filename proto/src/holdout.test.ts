import assert from "node:assert/strict";
import { test } from "node:test";
import { CANARY_HOLDOUT_MODULUS, isCanaryHoldout } from "./holdout.js";

test("about one conversation in twenty is held out, the same answer every time", () => {
  let held = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) if (isCanaryHoldout("t1", `conv-${i}`)) held++;
  const share = held / n;
  // Binomial sd at p = 0.05, n = 20,000 is 0.0015; 4 sd either side.
  assert.ok(Math.abs(share - 1 / CANARY_HOLDOUT_MODULUS) < 0.006, `share ${share}`);
  assert.equal(isCanaryHoldout("t1", "conv-7"), isCanaryHoldout("t1", "conv-7"));
});

test("the conversation decides, not the turn; the interaction id is the fallback; tenants differ", () => {
  const held = Array.from({ length: 200 }, (_, i) => `c${i}`).find((c) => isCanaryHoldout("t1", c))!;
  assert.ok(held);
  assert.equal(isCanaryHoldout("t1", held, "any-interaction"), true);
  assert.equal(isCanaryHoldout("t1", "", held), true);
  assert.equal(isCanaryHoldout("t1", "", ""), false);
  const differs = Array.from({ length: 200 }, (_, i) => `c${i}`).some((c) => isCanaryHoldout("t1", c) !== isCanaryHoldout("t2", c));
  assert.ok(differs);
});
