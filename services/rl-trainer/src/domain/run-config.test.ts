import assert from "node:assert/strict";
import { test } from "node:test";
import { AppError } from "@rlhf-loop/kit";
import { DEFAULT_RL_CONFIG } from "../train/rl.js";
import { resolveRunConfig } from "./run-config.js";

test("zero fields take defaults; set fields override; a target KL turns on the adaptive controller", () => {
  const c = resolveRunConfig({ steps: 0, beta: 0.1, algorithm: "ppo", targetKl: 6, klBudget: 20 });
  assert.equal(c.steps, 50);
  assert.equal(c.rl.beta, 0.1);
  assert.equal(c.rl.algorithm, "ppo");
  assert.deepEqual(c.rl.adaptiveKl, { target: 6, horizon: 10_000 });
  assert.equal(c.rl.guardrails.klBudget, 20);
  assert.equal(c.rl.samplesPerPrompt, DEFAULT_RL_CONFIG.samplesPerPrompt);
  assert.equal(resolveRunConfig({}).rl.adaptiveKl, undefined);
});

test("bad values are an invalid-argument error naming every field", () => {
  try {
    resolveRunConfig({ algorithm: "dpo", beta: -1, samplesPerPrompt: 1, klEstimator: "k9" });
    assert.fail("should throw");
  } catch (err) {
    assert.ok(err instanceof AppError);
    assert.equal(err.code, "invalid_argument");
    assert.deepEqual(err.fields.map((f) => f.path).sort(), ["config.algorithm", "config.beta", "config.kl_estimator", "config.samples_per_prompt"]);
  }
});
