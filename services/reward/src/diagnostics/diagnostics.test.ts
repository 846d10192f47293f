import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_REWARD_CONFIG, rewardFeatures } from "@rlhf-loop/ml";
import { answerTraits } from "../domain/text-traits.js";
import { syntheticPairs } from "../testing/synthetic.js";
import { scoreIds, trainRewardModel } from "../train/trainer.js";
import type { TrainerConfig } from "../train/trainer-config.js";
import { runDiagnostics, type ScoreFn } from "./diagnostics.js";

const small: Partial<TrainerConfig> = {
  model: { ...DEFAULT_REWARD_CONFIG, hashing: { ...DEFAULT_REWARD_CONFIG.hashing, buckets: 4096 }, embedDim: 16, hidden: 16 },
  maxEpochs: 6,
  batchPairs: 32,
  lr: 0.02,
  threads: 1,
};

const scorerOf = (cfg: TrainerConfig, params: Parameters<typeof scoreIds>[1]): ScoreFn => (rows) =>
  scoreIds(cfg, params, rows.map((r) => rewardFeatures(cfg.model, r.prompt, r.answer)));

describe("diagnostics", () => {
  it("a pure length scorer is caught by every length check", async () => {
    const pairs = syntheticPairs(200, { seed: 8, lengthBiased: true });
    const lengthScore: ScoreFn = async (rows) => rows.map((r) => answerTraits(r.answer).words / 10);
    const d = await runDiagnostics(lengthScore, { pairs });
    assert.equal(d.accuracy.value, 1);
    assert.equal(d.lengthRuleAccuracy.value, 1);
    assert.ok(d.spearman.length > 0.999, `rho ${d.spearman.length}`);
    assert.ok(d.lengthMargin.padding > 1 && d.lengthMargin.truncation > 0.2, JSON.stringify(d.lengthMargin));
    const flagged = d.checks.filter((c) => c.flagged).map((c) => c.name);
    for (const k of ["length_rule_accuracy", "spearman_length", "length_margin"]) assert.ok(flagged.includes(k), `${k} not flagged: ${flagged}`);
    assert.equal(d.passed, false);
    assert.ok(d.accuracy.lo <= d.accuracy.value && d.accuracy.hi >= d.accuracy.value);
  });

  it("a model trained on content passes; one trained on length-biased labels is flagged", async () => {
    const good = await trainRewardModel({ pairs: syntheticPairs(800, { seed: 9 }) }, small);
    const dg = await runDiagnostics(scorerOf(good.config, good.params), good.heldOut);
    assert.ok(dg.accuracy.value > 0.95, `accuracy ${dg.accuracy.value}`);
    assert.deepEqual(Object.keys(dg.bySource).sort(), ["expert", "outcomes", "thumbs"]);
    assert.deepEqual(Object.keys(dg.bySegment).sort(), ["enterprise", "smb"]);
    assert.ok(Object.keys(dg.byIntent).length >= 5);
    // The labels do not follow length and neither does the reward's rank order; mean pooling still
    // dilutes the good words of a padded answer, which the twin check reports (negative margin).
    for (const k of ["length_rule_accuracy", "spearman_length"]) assert.equal(dg.checks.find((c) => c.name === k)!.flagged, false, k);
    assert.ok(dg.lengthMargin.paddingStd < 0, JSON.stringify(dg.lengthMargin));

    const biased = await trainRewardModel({ pairs: syntheticPairs(800, { seed: 10, lengthBiased: true }) }, small);
    const db = await runDiagnostics(scorerOf(biased.config, biased.params), biased.heldOut);
    assert.ok(db.spearman.length > dg.spearman.length, `${db.spearman.length} vs ${dg.spearman.length}`);
    assert.ok(db.checks.find((c) => c.name === "length_rule_accuracy")!.flagged);
    assert.equal(db.passed, false);
  });

  it("calibration of a known probability model: sigmoid of a true logit is calibrated", async () => {
    // Pairs whose label is drawn with P = sigmoid(true margin): a scorer that knows the margin is calibrated.
    const pairs = Array.from({ length: 4000 }, (_, i) => {
      const m = ((i % 41) - 20) / 8;
      const p = 1 / (1 + Math.exp(-m));
      const u = ((i * 7919) % 4001) / 4001;
      const aWins = u < p;
      const a = `answer a ${i} ${m}`;
      const b = `answer b ${i}`;
      return { prompt: `q${i}`, chosen: aWins ? a : b, rejected: aWins ? b : a, weight: 1, source: "expert" as const, m };
    });
    const byText = new Map<string, number>(pairs.map((p, i) => [`answer a ${i} ${p.m}`, p.m]));
    const score: ScoreFn = async (rows) => rows.map((r) => byText.get(r.answer) ?? 0);
    const d = await runDiagnostics(score, { pairs });
    assert.ok(d.calibration.ece < 0.05, `ece ${d.calibration.ece}`);
    const overconfident: ScoreFn = async (rows) => rows.map((r) => 5 * (byText.get(r.answer) ?? 0));
    const d2 = await runDiagnostics(overconfident, { pairs });
    assert.ok(d2.calibration.ece > 0.1, `ece ${d2.calibration.ece}`);
  });
});
