// Trainer settings with their defaults; every run stores the config it used with the model.
import { DEFAULT_REWARD_CONFIG, type RewardModelConfig } from "@rlhf-loop/ml";
import type { ExampleSource } from "../domain/examples.js";

export interface TrainerConfig {
  readonly model: RewardModelConfig;
  readonly seed: number;
  /** Share of prompts held out (grouped by prompt) for early stopping and diagnostics. */
  readonly heldOutFraction: number;
  readonly maxEpochs: number;
  /** Stop after this many epochs without a better held-out loss; the best epoch's weights are kept. */
  readonly patience: number;
  /** Pairs per optimizer step; "auto": about 50 steps an epoch, between 64 and 1024 (each step
   * updates every weight densely, so large sets train much faster in large batches). */
  readonly batchPairs: number | "auto";
  readonly lr: number;
  readonly weightDecay: number;
  readonly maxGradNorm: number;
  /** Label smoothing per source (pairs: flipped-pair weight; singles: soft labels). */
  readonly labelSmoothing: Partial<Record<ExampleSource, number>>;
  /** Multiplies the weight of unpaired examples (pointwise loss) against pairs. */
  readonly singleWeight: number;
  /** onnxruntime intra-op threads. 1 by default: ScatterND-add (embedding gradients) races on
   * more threads in onnxruntime's CPU provider, losing updates (see services/lib/ml README). */
  readonly threads: number;
}

export const DEFAULT_TRAINER_CONFIG: TrainerConfig = {
  model: DEFAULT_REWARD_CONFIG,
  seed: 1,
  heldOutFraction: 0.2,
  maxEpochs: 8,
  patience: 2,
  batchPairs: "auto",
  lr: 0.01,
  weightDecay: 0.01,
  maxGradNorm: 1,
  labelSmoothing: { thumbs: 0.05, outcomes: 0.1 },
  singleWeight: 0.5,
  threads: 1,
};

export function trainerConfig(over: Partial<TrainerConfig> = {}): TrainerConfig {
  const c = { ...DEFAULT_TRAINER_CONFIG, ...over };
  const bad = (field: string, why: string): never => {
    throw new RangeError(`trainer config ${field}: ${why}`);
  };
  if (!(c.heldOutFraction > 0 && c.heldOutFraction < 1)) bad("heldOutFraction", `must be in (0, 1), got ${c.heldOutFraction}`);
  if (!(Number.isInteger(c.maxEpochs) && c.maxEpochs >= 1)) bad("maxEpochs", `must be an integer >= 1, got ${c.maxEpochs}`);
  if (c.batchPairs !== "auto" && !(Number.isInteger(c.batchPairs) && c.batchPairs >= 1)) bad("batchPairs", `must be "auto" or an integer >= 1, got ${c.batchPairs}`);
  if (!(c.lr > 0)) bad("lr", `must be > 0, got ${c.lr}`);
  for (const [k, v] of Object.entries(c.labelSmoothing)) if (!(v >= 0 && v < 0.5)) bad(`labelSmoothing.${k}`, `must be in [0, 0.5), got ${v}`);
  return c;
}

/** The batch size a run uses for `examples` training examples. */
export function batchSizeFor(c: TrainerConfig, examples: number): number {
  return c.batchPairs === "auto" ? Math.max(64, Math.min(1024, Math.ceil(examples / 50))) : c.batchPairs;
}
