// The compact reward scorer: hashed word and bigram ids of (prompt, answer), an embedding bag, a
// one-hidden-layer MLP, one scalar. Trained with Bradley–Terry on pairs and/or a logistic loss on
// single labelled answers, each example weighted.
import { GraphBuilder } from "../../graph/builder.js";
import type { FloatType, Sym } from "../../graph/core.js";
import { exportModel, type ExportedModel } from "../../graph/export.js";
import { buildTrainStep, type AdamWConfig, type TrainStepModel } from "../../graph/train-step.js";
import { floatTensor, int64Tensor, type Feeds } from "../../runtime/session.js";
import { hashedFeatures, padIds, type HashingConfig } from "../../text/features.js";
import { embeddingBag } from "../pooling.js";
import { checkParams, type ParamDef, type Params } from "../params.js";

export interface RewardModelConfig {
  readonly hashing: HashingConfig;
  /** Also hash the prompt's words (in their own namespace) into the bag. */
  readonly promptFeatures: boolean;
  readonly embedDim: number;
  readonly hidden: number;
  readonly activation: "tanh" | "relu";
}

export const DEFAULT_REWARD_CONFIG: RewardModelConfig = {
  hashing: { buckets: 1 << 15, bigrams: true, maxFeatures: 256, seed: 0 },
  promptFeatures: true,
  embedDim: 32,
  hidden: 64,
  activation: "tanh",
};

export interface RewardObjective {
  /** Bradley–Terry on weighted (chosen, rejected) pairs. */
  readonly pairs: boolean;
  /** Logistic loss on weighted single answers labelled good (1) or bad (0). */
  readonly singles: boolean;
  /** Labels become y(1-ε) + ε/2. */
  readonly labelSmoothing?: number;
}

export function rewardParamDefs(cfg: RewardModelConfig): ParamDef[] {
  const { embedDim: d, hidden: h } = cfg;
  return [
    { name: "emb", shape: [cfg.hashing.buckets, d], std: 0.1, decay: false },
    { name: "w1", shape: [d, h], std: 1 / Math.sqrt(d), decay: true },
    { name: "b1", shape: [h], std: 0, decay: false },
    { name: "w2", shape: [h, 1], std: 1 / Math.sqrt(h), decay: true },
    { name: "b2", shape: [1], std: 0, decay: false },
  ];
}

/** Feature ids of an answer to a prompt: answer words and bigrams, then prompt words. */
export function rewardFeatures(cfg: RewardModelConfig, prompt: string, answer: string): number[] {
  const a = hashedFeatures(answer, cfg.hashing, "a");
  if (!cfg.promptFeatures || a.length >= cfg.hashing.maxFeatures) return a.slice(0, cfg.hashing.maxFeatures);
  const p = hashedFeatures(prompt, { ...cfg.hashing, bigrams: false, maxFeatures: cfg.hashing.maxFeatures - a.length }, "p");
  return [...a, ...p];
}

interface RewardParams {
  readonly emb: Sym;
  readonly w1: Sym;
  readonly b1: Sym;
  readonly w2: Sym;
  readonly b2: Sym;
}

function declareParams(b: GraphBuilder, cfg: RewardModelConfig): RewardParams {
  const s = Object.fromEntries(rewardParamDefs(cfg).map((d) => [d.name, b.param(d.name, d.shape)]));
  return s as unknown as RewardParams;
}

/** score[i] for ids/mask [N, L]. */
function scoreGraph(b: GraphBuilder, cfg: RewardModelConfig, p: RewardParams, ids: Sym, mask: Sym): Sym {
  const pooled = embeddingBag(b, p.emb, ids, mask);
  const pre = b.gemm(pooled, p.w1, p.b1);
  const h = cfg.activation === "tanh" ? b.tanh(pre) : b.relu(pre);
  return b.reshape(b.gemm(h, p.w2, p.b2), [-1], [ids.shape[0]!]);
}

export const REWARD_INPUTS = {
  ids: "ids",
  mask: "mask",
  pairIds: "pair_ids",
  pairMask: "pair_mask",
  pairWeight: "pair_weight",
  label: "label",
  weight: "weight",
  score: "score",
} as const;

/** The inference graph: ids, mask [N, L] -> score [N], with the trained weights inside. */
export function buildRewardInference(cfg: RewardModelConfig, params: Params, floatType: FloatType = "float32"): ExportedModel {
  const defs = rewardParamDefs(cfg);
  checkParams(defs, params);
  const b = new GraphBuilder(floatType);
  const p = declareParams(b, cfg);
  const ids = b.input(REWARD_INPUTS.ids, "int64", ["N", "L"]);
  const mask = b.input(REWARD_INPUTS.mask, floatType, ["N", "L"]);
  const score = scoreGraph(b, cfg, p, ids, mask);
  return exportModel(b, {
    name: "reward_scorer",
    inputs: [ids, mask],
    outputs: [[REWARD_INPUTS.score, score]],
    initializers: new Map([...params].map(([k, v]) => [k, v.data])),
    docString:
      "Reward scorer. ids: hashed word/bigram features of (prompt, answer), int64 [N, L], 0-padded; " +
      "mask: 1 for real ids, 0 for padding; score: one scalar per row. Features: see metadata rlhf.config.",
    metadata: { "rlhf.kind": "reward-scorer", "rlhf.config": JSON.stringify(cfg) },
  });
}

/** The training step for the chosen objective. Batch inputs: pair_ids/pair_mask [2P, L] (chosen
 * answers first, then the rejected ones in the same order) with pair_weight [P] (pairs), and
 * ids/mask/label/weight (singles). `lazyEmbeddings` updates the embedding table with LazyAdam (only
 * the rows the batch's ids touch; README, "The training step"); the default is dense AdamW. */
export function buildRewardTrainStep(
  cfg: RewardModelConfig,
  objective: RewardObjective,
  adam: AdamWConfig,
  opts: { floatType?: FloatType; exposeGradients?: boolean; lazyEmbeddings?: boolean } = {},
): TrainStepModel {
  if (!objective.pairs && !objective.singles) throw new Error("reward objective: enable pairs, singles or both");
  const ft = opts.floatType ?? "float32";
  const b = new GraphBuilder(ft);
  const p = declareParams(b, cfg);
  const batch: Sym[] = [];
  const metrics: Record<string, Sym> = {};
  let lossSum: Sym | undefined;
  let weightSum: Sym | undefined;
  const acc = (x: Sym, w: Sym): void => {
    lossSum = lossSum ? b.add(lossSum, x) : x;
    weightSum = weightSum ? b.add(weightSum, w) : w;
  };
  if (objective.pairs) {
    // Chosen answers in rows 0..P-1, rejected ones in rows P..2P-1: one pass over the embedding table.
    const ids = b.input(REWARD_INPUTS.pairIds, "int64", ["P2", "Lp"]);
    const mask = b.input(REWARD_INPUTS.pairMask, ft, ["P2", "Lp"]);
    const w = b.input(REWARD_INPUTS.pairWeight, ft, ["P"]);
    batch.push(ids, mask, w);
    const both = b.reshape(scoreGraph(b, cfg, p, ids, mask), [2, -1], [2, "P"]);
    const signs = b.constant(ft, [1, 2], ft === "float32" ? Float32Array.from([1, -1]) : Float64Array.from([1, -1]));
    const margin = b.reshape(b.matmul(signs, both), [-1], ["P"]);
    const ws = b.reduceSum(w);
    acc(b.neg(b.reduceSum(b.mul(w, b.logSigmoid(margin)))), ws);
    const wsSafe = b.max(ws, 1e-12);
    metrics["pair_accuracy"] = b.div(b.reduceSum(b.mul(w, b.indicator(b.greater(margin, 0)))), wsSafe);
    metrics["pair_margin"] = b.div(b.reduceSum(b.mul(w, margin)), wsSafe);
  }
  if (objective.singles) {
    const ids = b.input(REWARD_INPUTS.ids, "int64", ["S", "L"]);
    const mask = b.input(REWARD_INPUTS.mask, ft, ["S", "L"]);
    const label = b.input(REWARD_INPUTS.label, ft, ["S"]);
    const w = b.input(REWARD_INPUTS.weight, ft, ["S"]);
    batch.push(ids, mask, label, w);
    const eps = objective.labelSmoothing ?? 0;
    const y = eps > 0 ? b.add(b.mul(label, 1 - eps), eps / 2) : label;
    const s = scoreGraph(b, cfg, p, ids, mask);
    const ll = b.add(b.mul(y, b.logSigmoid(s)), b.mul(b.sub(1, y), b.logSigmoid(b.neg(s))));
    const ws = b.reduceSum(w);
    acc(b.neg(b.reduceSum(b.mul(w, ll))), ws);
    const right = b.equal(b.greater(s, 0), b.greater(label, 0.5));
    metrics["single_accuracy"] = b.div(b.reduceSum(b.mul(w, b.indicator(right))), b.max(ws, 1e-12));
  }
  const loss = b.div(lossSum!, b.max(weightSum!, 1e-12));
  return buildTrainStep(b, {
    name: "reward_train_step",
    batchInputs: batch,
    params: rewardParamDefs(cfg).map((d) => ({
      sym: (p as unknown as Record<string, Sym>)[d.name]!,
      decay: d.decay,
      ...(opts.lazyEmbeddings && d.name === "emb" ? { lazy: true } : {}),
    })),
    loss,
    metrics,
    adam,
    ...(opts.exposeGradients ? { exposeGradients: true } : {}),
  });
}

export interface PairExample {
  readonly prompt: string;
  readonly chosen: string;
  readonly rejected: string;
  readonly weight?: number;
}

export interface LabelledAnswer {
  readonly prompt: string;
  readonly answer: string;
  /** 1 good, 0 bad (values in between are soft labels). */
  readonly label: number;
  readonly weight?: number;
}

function floats(ft: FloatType, xs: readonly number[]): Float32Array | Float64Array {
  return ft === "float32" ? Float32Array.from(xs) : Float64Array.from(xs);
}

function idFeeds(rows: readonly (readonly number[])[], ft: FloatType): { ids: Feeds[string]; mask: Feeds[string] } {
  const p = padIds(rows);
  return { ids: int64Tensor(p.ids, p.dims), mask: floatTensor(ft === "float32" ? p.mask : Float64Array.from(p.mask), p.dims) };
}

/** Batch feeds of pre-computed feature ids (tests and benchmarks build these directly). */
export function pairFeedsFromIds(
  chosen: readonly (readonly number[])[],
  rejected: readonly (readonly number[])[],
  weights: readonly number[],
  ft: FloatType = "float32",
): Feeds {
  if (chosen.length !== rejected.length || chosen.length !== weights.length) {
    throw new Error(`pair batch: ${chosen.length} chosen, ${rejected.length} rejected, ${weights.length} weights`);
  }
  const f = idFeeds([...chosen, ...rejected], ft);
  return {
    [REWARD_INPUTS.pairIds]: f.ids,
    [REWARD_INPUTS.pairMask]: f.mask,
    [REWARD_INPUTS.pairWeight]: floatTensor(floats(ft, weights), [weights.length]),
  };
}

export function pairFeeds(cfg: RewardModelConfig, pairs: readonly PairExample[], ft: FloatType = "float32"): Feeds {
  return pairFeedsFromIds(
    pairs.map((x) => rewardFeatures(cfg, x.prompt, x.chosen)),
    pairs.map((x) => rewardFeatures(cfg, x.prompt, x.rejected)),
    pairs.map((x) => x.weight ?? 1),
    ft,
  );
}

export function singleFeeds(cfg: RewardModelConfig, items: readonly LabelledAnswer[], ft: FloatType = "float32"): Feeds {
  const f = idFeeds(items.map((x) => rewardFeatures(cfg, x.prompt, x.answer)), ft);
  return {
    [REWARD_INPUTS.ids]: f.ids,
    [REWARD_INPUTS.mask]: f.mask,
    [REWARD_INPUTS.label]: floatTensor(floats(ft, items.map((x) => x.label)), [items.length]),
    [REWARD_INPUTS.weight]: floatTensor(floats(ft, items.map((x) => x.weight ?? 1)), [items.length]),
  };
}

/** Feeds of the inference graph for (prompt, answer) rows. */
export function scoreFeeds(cfg: RewardModelConfig, rows: readonly { prompt: string; answer: string }[], ft: FloatType = "float32"): Feeds {
  const f = idFeeds(rows.map((x) => rewardFeatures(cfg, x.prompt, x.answer)), ft);
  return { [REWARD_INPUTS.ids]: f.ids, [REWARD_INPUTS.mask]: f.mask };
}
