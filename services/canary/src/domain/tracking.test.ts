import assert from "node:assert/strict";
import { test } from "node:test";
import { trackingFigures, trackingRegressions, type TrackingPoint } from "./tracking.js";
import type { SampleEval } from "./types.js";

function ev(taskIndex: number, passed: boolean, words: number, gold?: number): SampleEval {
  return { taskIndex, side: "production", sample: 0, answer: "", shape: { words, refusal: false, hedged: false, disclaimer: false, clarifying: false }, checksPassed: passed, checkFailures: [], reward: 1, ...(gold !== undefined ? { gold } : {}) };
}

test("figures are the pooled means with intervals; sim-only figures appear only with the simulator", () => {
  const evals = Array.from({ length: 40 }, (_, i) => ev(i % 20, i % 4 !== 0, 10 + (i % 5)));
  const f = trackingFigures(evals, 20, 1);
  assert.equal(f["hard_check_pass"]!.estimate, 0.75);
  assert.equal(f["length_words"]!.estimate, 12);
  assert.ok(f["hard_check_pass"]!.low <= 0.75 && f["hard_check_pass"]!.high >= 0.75);
  assert.equal(f["gold"], undefined);
  assert.ok(trackingFigures([ev(0, true, 5, 0.3)], 1, 1)["gold"]);
});

test("a figure regresses when its new interval lies past the previous estimate, on the same set only", () => {
  const point = (week: string, pass: { estimate: number; low: number; high: number }, setId = "s1"): TrackingPoint => ({ weekStart: week, setId, policyVersion: "p", rewardModelId: "rm", tasks: 100, figures: { hard_check_pass: pass, refusal_rate: { estimate: 0.02, low: 0.01, high: 0.03 } } });
  const prev = point("2025-03-03", { estimate: 0.9, low: 0.86, high: 0.94 });
  assert.deepEqual(trackingRegressions(prev, point("2025-03-10", { estimate: 0.88, low: 0.84, high: 0.92 })), []);
  const r = trackingRegressions(prev, point("2025-03-10", { estimate: 0.8, low: 0.76, high: 0.85 }));
  assert.deepEqual(r.map((x) => x.metric), ["hard_check_pass"]);
  assert.deepEqual(trackingRegressions(prev, point("2025-03-10", { estimate: 0.5, low: 0.4, high: 0.6 }, "s2")), [], "another set is not comparable");
  assert.deepEqual(trackingRegressions(undefined, prev), []);
});
