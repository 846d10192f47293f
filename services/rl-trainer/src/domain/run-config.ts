// The run config as requested (proto RlRunConfig or CLI flags), checked and merged with defaults.
import { AppError } from "@rlhf-loop/kit";
import { DEFAULT_RL_CONFIG, type RlConfig } from "../train/rl.js";

export interface RunConfigInput {
  algorithm?: string;
  steps?: number;
  beta?: number;
  targetKl?: number;
  klEstimator?: string;
  klBudget?: number;
  samplesPerPrompt?: number;
  promptsPerStep?: number;
  learningRate?: number;
  seed?: number;
}

export interface RunConfig {
  readonly steps: number;
  readonly rl: RlConfig;
}

/** Zero or empty fields take defaults; bad values are an invalid-argument error naming the field. */
export function resolveRunConfig(c: RunConfigInput, base: RlConfig = DEFAULT_RL_CONFIG, defaultSteps = 50): RunConfig {
  const bad: { path: string; reason: string }[] = [];
  const algorithm = c.algorithm || base.algorithm;
  if (algorithm !== "rloo" && algorithm !== "ppo") bad.push({ path: "config.algorithm", reason: 'must be "rloo" or "ppo"' });
  const est = c.klEstimator || base.klEstimator;
  if (est !== "k1" && est !== "k2" && est !== "k3") bad.push({ path: "config.kl_estimator", reason: 'must be "k1", "k2" or "k3"' });
  const num = (v: number | undefined, path: string, dflt: number, ok: (x: number) => boolean, reason: string): number => {
    const x = v === undefined || v === 0 ? dflt : v;
    if (!Number.isFinite(x) || !ok(x)) bad.push({ path, reason });
    return x;
  };
  const steps = num(c.steps, "config.steps", defaultSteps, (x) => Number.isInteger(x) && x >= 1 && x <= 100_000, "must be an integer in 1..100000");
  const beta = num(c.beta, "config.beta", base.beta, (x) => x > 0 && x <= 100, "must be in (0, 100]");
  const targetKl = num(c.targetKl, "config.target_kl", 0, (x) => x >= 0, "must be >= 0");
  const klBudget = num(c.klBudget, "config.kl_budget", base.guardrails.klBudget ?? 0, (x) => x >= 0, "must be >= 0");
  const k = num(c.samplesPerPrompt, "config.samples_per_prompt", base.samplesPerPrompt, (x) => Number.isInteger(x) && x >= 2 && x <= 64, "must be an integer in 2..64");
  const p = num(c.promptsPerStep, "config.prompts_per_step", base.promptsPerStep, (x) => Number.isInteger(x) && x >= 1 && x <= 4096, "must be an integer in 1..4096");
  const lr = num(c.learningRate, "config.learning_rate", base.lr, (x) => x > 0 && x < 1, "must be in (0, 1)");
  const seed = c.seed === undefined || c.seed === 0 ? base.seed : c.seed;
  if (bad.length > 0) throw AppError.invalid(bad);
  return {
    steps,
    rl: {
      ...base,
      algorithm: algorithm as RlConfig["algorithm"],
      klEstimator: est as RlConfig["klEstimator"],
      beta,
      ...(targetKl > 0 ? { adaptiveKl: { target: targetKl, horizon: 10_000 } } : {}),
      samplesPerPrompt: k,
      promptsPerStep: p,
      lr,
      seed,
      guardrails: { ...base.guardrails, klBudget },
    },
  };
}
