import assert from "node:assert/strict";
import { test } from "node:test";
import { auditJudgments, defaultAuditPolicy, type AuditJudgment } from "./audit.js";
import { defaultReviewSamplingPolicy, judgmentsRequired, samplePair, serveGold, stratumOf, swapOrder } from "./review-sampling.js";

const policy = defaultReviewSamplingPolicy;
const quiet = { outcomes: [], ups: 0, downs: 0 };

test("failures are oversampled at their configured rates and the weights undo it", () => {
  const n = 20_000;
  let base = 0;
  let esc = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    const b = samplePair(`k${i}`, ["base"], policy);
    if (b.included) {
      base++;
      weighted += b.samplingWeight;
    }
    if (samplePair(`k${i}`, ["escalation"], policy).included) esc++;
  }
  assert.ok(Math.abs(base / n - 0.02) < 0.005, `base rate ${base / n}`);
  assert.ok(Math.abs(esc / n - 0.5) < 0.02, `escalation rate ${esc / n}`);
  // Horvitz-Thompson: the weighted count estimates the population size.
  assert.ok(Math.abs(weighted / n - 1) < 0.15, `weighted ${weighted}`);
});

test("a pair seen in two strata has inclusion 1 - prod(1 - p)", () => {
  const d = samplePair("k", ["base", "escalation", "base"], policy);
  assert.ok(Math.abs(d.probability - (1 - 0.98 * 0.5)) < 1e-12);
  assert.ok(Math.abs(d.samplingWeight - 1 / d.probability) < 1e-12);
});

test("strata: compliance before escalation before low agreement before base", () => {
  assert.equal(stratumOf({ outcomes: ["escalation", "compliance_flag"], ups: 0, downs: 0 }, quiet, policy), "compliance_flag");
  assert.equal(stratumOf(quiet, { outcomes: ["escalation"], ups: 0, downs: 0 }, policy), "escalation");
  assert.equal(stratumOf({ outcomes: [], ups: 2, downs: 2 }, quiet, policy), "low_agreement");
  assert.equal(stratumOf({ outcomes: [], ups: 5, downs: 1 }, quiet, policy), "base");
});

test("order and overlap are randomized but reproducible", () => {
  const swaps = Array.from({ length: 2000 }, (_, i) => swapOrder(`k${i}`, "s")).filter(Boolean).length;
  assert.ok(swaps > 900 && swaps < 1100);
  assert.equal(swapOrder("k1", "s"), swapOrder("k1", "s"));
  const multi = Array.from({ length: 5000 }, (_, i) => judgmentsRequired(`k${i}`, policy)).filter((x) => x >= 2).length;
  assert.ok(Math.abs(multi / 5000 - policy.overlapShare) < 0.02);
});

test("gold items are mixed into a rater's stream at the configured share", () => {
  const served = Array.from({ length: 5000 }, (_, i) => serveGold("expert-1", i, { ...policy, goldShare: 0.1 })).filter(Boolean).length;
  assert.ok(Math.abs(served / 5000 - 0.1) < 0.015, `gold share ${served / 5000}`);
  assert.equal(Array.from({ length: 100 }, (_, i) => serveGold("e", i, { ...policy, goldShare: 0 })).filter(Boolean).length, 0);
});

test("the audit flags a rater who fails gold items and disagrees with the others", () => {
  const js: AuditJudgment[] = [];
  const truth = (i: number) => (i % 3 === 0 ? "a" : i % 3 === 1 ? "b" : "tie") as "a" | "b" | "tie";
  for (let i = 0; i < 30; i++) {
    const gold = i < 10 ? truth(i) : undefined;
    js.push({ taskId: `t${i}`, raterId: "good1", choice: truth(i), gold });
    js.push({ taskId: `t${i}`, raterId: "good2", choice: i === 5 ? "a" : truth(i), gold });
    // The sloppy rater always answers "a".
    js.push({ taskId: `t${i}`, raterId: "sloppy", choice: "a", gold });
  }
  const r = auditJudgments(js, defaultAuditPolicy);
  const by = new Map(r.raters.map((x) => [x.raterId, x]));
  assert.equal(by.get("sloppy")?.flagged, true);
  assert.equal(by.get("sloppy")?.weightFactor, defaultAuditPolicy.downWeight);
  assert.equal(by.get("good1")?.flagged, false);
  assert.equal(by.get("good1")?.goldAccuracy, 1);
  assert.ok(Math.abs((by.get("sloppy")?.goldAccuracy ?? 0) - 4 / 10) < 1e-12);
  assert.equal(r.multiRatedTasks, 30);
  assert.ok(r.alpha !== null && r.alpha < 0.8 && r.alpha > 0);
});
