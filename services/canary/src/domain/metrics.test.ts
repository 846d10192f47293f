import assert from "node:assert/strict";
import { test } from "node:test";
import { bootstrapPValue, computeMetrics, taskWinRates } from "./metrics.js";
import type { CanaryTask, SampleEval, Side } from "./types.js";

function ev(taskIndex: number, side: Side, sample: number, words: number, reward: number, refusal = false): SampleEval {
  return { taskIndex, side, sample, answer: "x", shape: { words, refusal, hedged: false, disclaimer: false, clarifying: false }, checksPassed: true, checkFailures: [], reward };
}

test("win rate per task counts every candidate-production pair, ties half (hand count)", () => {
  const evals = [ev(0, "candidate", 0, 1, 3), ev(0, "candidate", 1, 1, 1), ev(0, "production", 0, 1, 2), ev(0, "production", 1, 1, 1)];
  // Pairs: 3>2 win, 3>1 win, 1<2 loss, 1=1 half -> 2.5 / 4.
  assert.deepEqual(taskWinRates(evals, 1), [0.625]);
});

test("bootstrap p-value: an interval centred on 0 gives 1, one excluding 0 by 1.96 SE gives 0.05", () => {
  assert.equal(bootstrapPValue({ estimate: 0, low: -1, high: 1 }), 1);
  const se = 0.1;
  assert.ok(Math.abs(bootstrapPValue({ estimate: 1.959964 * se, low: 0, high: 2 * 1.959964 * se }) - 0.05) < 1e-6);
});

test("shorter candidate answers show as a significant length shift overall and per intent", () => {
  const tasks: CanaryTask[] = Array.from({ length: 60 }, (_, i) => ({ taskId: `t${i}`, intent: i % 2 ? "a" : "b", segment: "", prompt: `p${i}`, checks: {}, expertComparisons: [] }));
  const evals: SampleEval[] = [];
  tasks.forEach((_, t) => {
    for (let s = 0; s < 4; s++) {
      evals.push(ev(t, "candidate", s, 20 + ((t * 7 + s * 3) % 9), 1 + (s % 2), s === 0));
      evals.push(ev(t, "production", s, 60 + ((t * 5 + s * 11) % 13), 0));
    }
  });
  const rows = computeMetrics({ tasks, evals, intents: ["a", "b"], bootstrap: { resamples: 500, seed: 3 } });
  const len = rows.find((r) => r.name === "length_words" && r.intent === "")!;
  assert.equal(len.test, "ks");
  assert.ok(len.pValue < 1e-10);
  assert.ok(len.delta.high < 0);
  assert.equal(len.nCandidate, 240);
  const a = rows.find((r) => r.name === "length_words" && r.intent === "a")!;
  assert.equal(a.nCandidate, 120);
  const win = rows.find((r) => r.name === "reward_win_rate" && r.intent === "")!;
  assert.equal(win.candidate.estimate, 1);
  assert.equal(win.production.estimate, 0.5);
  const refusal = rows.find((r) => r.name === "refusal_rate" && r.intent === "")!;
  assert.equal(refusal.candidate.estimate, 0.25);
  assert.equal(refusal.test, "two_proportion_z");
  // No simulator: no gold rows.
  assert.equal(rows.some((r) => r.name === "gold"), false);
});
