// The compact policy: a conditional word-level language model. The prompt is an embedding bag of
// hashed prompt words; the decoder sees a window of the previous answer tokens and the prompt
// encoding through one tanh layer and predicts the next word over the vocabulary.
//
// Training rows are token positions: row r predicts target[r] from window[r] (the K previous answer
// tokens, <bos>-padded) and prompt row_prompt[r] of the batch's prompts, so one graph handles any
// mix of prompts and answer lengths.
import { GraphBuilder } from "../../graph/builder.js";
import type { FloatType, Sym } from "../../graph/core.js";
import { exportModel, type ExportedModel } from "../../graph/export.js";
import { buildTrainStep, type AdamWConfig, type TrainStepModel } from "../../graph/train-step.js";
import type { HashingConfig } from "../../text/features.js";
import { embeddingBag } from "../pooling.js";
import { checkParams, type ParamDef, type Params } from "../params.js";

export interface PolicyConfig {
  readonly vocabSize: number;
  /** How many previous answer tokens the decoder sees. */
  readonly window: number;
  readonly prompt: HashingConfig;
  readonly promptDim: number;
  readonly tokenDim: number;
  readonly hidden: number;
}

export const DEFAULT_POLICY_CONFIG: Omit<PolicyConfig, "vocabSize"> = {
  window: 4,
  prompt: { buckets: 1 << 14, bigrams: true, maxFeatures: 128, seed: 0 },
  promptDim: 64,
  tokenDim: 64,
  hidden: 256,
};

export type PolicyObjective =
  | { readonly kind: "cross-entropy" }
  | {
      readonly kind: "policy-gradient";
      /** "ppo": -min(ρA, clip(ρ, 1±ε)A) with ρ = exp(logp - old_logp); "reinforce": -A·logp. */
      readonly estimator: "ppo" | "reinforce";
      /** PPO clip range ε (default 0.2). */
      readonly clip?: number;
    };

export const POLICY_INPUTS = {
  promptIds: "prompt_ids",
  promptMask: "prompt_mask",
  rowPrompt: "row_prompt",
  window: "window",
  target: "target",
  weight: "weight",
  oldLogp: "old_logp",
  advantage: "advantage",
  refLogp: "ref_logp",
  klCoef: "kl_coef",
  logits: "logits",
  logp: "logp",
  entropy: "entropy",
} as const;

export function policyParamDefs(cfg: PolicyConfig): ParamDef[] {
  const ctx = cfg.window * cfg.tokenDim;
  return [
    { name: "prompt_emb", shape: [cfg.prompt.buckets, cfg.promptDim], std: 0.1, decay: false },
    { name: "token_emb", shape: [cfg.vocabSize, cfg.tokenDim], std: 0.1, decay: false },
    { name: "w_ctx", shape: [ctx, cfg.hidden], std: 1 / Math.sqrt(ctx), decay: true },
    { name: "w_prompt", shape: [cfg.promptDim, cfg.hidden], std: 1 / Math.sqrt(cfg.promptDim), decay: true },
    { name: "b_h", shape: [cfg.hidden], std: 0, decay: false },
    { name: "w_out", shape: [cfg.hidden, cfg.vocabSize], std: 1 / Math.sqrt(cfg.hidden), decay: true },
    { name: "b_out", shape: [cfg.vocabSize], std: 0, decay: false },
  ];
}

type PolicyParams = Record<"prompt_emb" | "token_emb" | "w_ctx" | "w_prompt" | "b_h" | "w_out" | "b_out", Sym>;

function declareParams(b: GraphBuilder, cfg: PolicyConfig): PolicyParams {
  return Object.fromEntries(policyParamDefs(cfg).map((d) => [d.name, b.param(d.name, d.shape)])) as PolicyParams;
}

/** logits [R, V] from prompt encodings [R, Dp] and windows [R, K]. */
function decoder(b: GraphBuilder, cfg: PolicyConfig, p: PolicyParams, promptEnc: Sym, window: Sym): Sym {
  const rows = window.shape[0]!;
  const ctx = b.reshape(b.gather(p.token_emb, window), [-1, cfg.window * cfg.tokenDim], [rows, cfg.window * cfg.tokenDim]);
  const h = b.tanh(b.add(b.gemm(ctx, p.w_ctx, p.b_h), b.matmul(promptEnc, p.w_prompt)));
  return b.gemm(h, p.w_out, p.b_out);
}

interface RowGraph {
  readonly b: GraphBuilder;
  readonly p: PolicyParams;
  readonly inputs: Sym[];
  readonly target: Sym;
  readonly logp: Sym; // [N, V], for metrics (no gradient through it)
  readonly tokenLogp: Sym; // [N]
}

/** The token-row forward pass shared by the training step and the scoring graph. */
function rowGraph(cfg: PolicyConfig, ft: FloatType): RowGraph {
  const b = new GraphBuilder(ft);
  const p = declareParams(b, cfg);
  const promptIds = b.input(POLICY_INPUTS.promptIds, "int64", ["B", "P"]);
  const promptMask = b.input(POLICY_INPUTS.promptMask, ft, ["B", "P"]);
  const rowPrompt = b.input(POLICY_INPUTS.rowPrompt, "int64", ["N"]);
  const window = b.input(POLICY_INPUTS.window, "int64", ["N", cfg.window]);
  const target = b.input(POLICY_INPUTS.target, "int64", ["N"]);
  const enc = b.gather(embeddingBag(b, p.prompt_emb, promptIds, promptMask), rowPrompt);
  const { picked: tokenLogp, logp } = b.pickLogSoftmax(decoder(b, cfg, p, enc, window), target);
  return { b, p, inputs: [promptIds, promptMask, rowPrompt, window, target], target, logp, tokenLogp };
}

/** Per-row entropy of the next-token distribution (a metric; no gradient needed). */
function rowEntropy(b: GraphBuilder, logp: Sym): Sym {
  return b.neg(b.reduceSum(b.mul(b.exp(logp), logp), [1]));
}

/** The inference graph: prompt_ids/prompt_mask [B, P] and window [B, K] -> logits [B, V]. */
export function buildPolicyInference(cfg: PolicyConfig, params: Params, extraMetadata: Record<string, string> = {}, ft: FloatType = "float32"): ExportedModel {
  checkParams(policyParamDefs(cfg), params);
  const b = new GraphBuilder(ft);
  const p = declareParams(b, cfg);
  const promptIds = b.input(POLICY_INPUTS.promptIds, "int64", ["B", "P"]);
  const promptMask = b.input(POLICY_INPUTS.promptMask, ft, ["B", "P"]);
  const window = b.input(POLICY_INPUTS.window, "int64", ["B", cfg.window]);
  const logits = decoder(b, cfg, p, embeddingBag(b, p.prompt_emb, promptIds, promptMask), window);
  return exportModel(b, {
    name: "policy",
    inputs: [promptIds, promptMask, window],
    outputs: [[POLICY_INPUTS.logits, logits]],
    initializers: new Map([...params].map(([k, v]) => [k, v.data])),
    docString:
      "Policy next-token logits. prompt_ids: hashed prompt word/bigram ids, int64 [B, P], 0-padded; " +
      "prompt_mask: 1 for real ids; window: the previous K answer token ids (<bos> = 1 before the start); " +
      "logits: [B, vocabulary]. Vocabulary and hashing: metadata rlhf.config / rlhf.vocab.",
    metadata: { "rlhf.kind": "policy", "rlhf.config": JSON.stringify(cfg), ...extraMetadata },
  });
}

/** Forward only over token rows: logp [N] of each target and entropy [N] of each row's distribution
 * (reference and behaviour log-probabilities for RL). */
export function buildPolicyScoring(cfg: PolicyConfig, params: Params, ft: FloatType = "float32"): ExportedModel {
  checkParams(policyParamDefs(cfg), params);
  const g = rowGraph(cfg, ft);
  return exportModel(g.b, {
    name: "policy_scoring",
    inputs: g.inputs,
    outputs: [
      [POLICY_INPUTS.logp, g.tokenLogp],
      [POLICY_INPUTS.entropy, rowEntropy(g.b, g.logp)],
    ],
    initializers: new Map([...params].map(([k, v]) => [k, v.data])),
  });
}

/** The training step for `objective`. `lazyEmbeddings` updates prompt_emb and token_emb with LazyAdam
 * (only the rows the batch's ids touch); the default is dense AdamW. */
export function buildPolicyTrainStep(
  cfg: PolicyConfig,
  objective: PolicyObjective,
  adam: AdamWConfig,
  opts: { floatType?: FloatType; exposeGradients?: boolean; lazyEmbeddings?: boolean } = {},
): TrainStepModel {
  const ft = opts.floatType ?? "float32";
  const g = rowGraph(cfg, ft);
  const { b } = g;
  const weight = b.input(POLICY_INPUTS.weight, ft, ["N"]);
  const batch = [...g.inputs, weight];
  const wsum = b.max(b.reduceSum(weight), 1e-12);
  const wmean = (x: Sym): Sym => b.div(b.reduceSum(b.mul(weight, x)), wsum);
  const metrics: Record<string, Sym> = { entropy: wmean(rowEntropy(b, g.logp)) };
  let loss: Sym;
  if (objective.kind === "cross-entropy") {
    loss = b.neg(wmean(g.tokenLogp));
    // The target is (one of) the most likely tokens; ReduceMax is cheaper than ArgMax here.
    metrics["token_accuracy"] = wmean(b.indicator(b.greaterOrEqual(g.tokenLogp, b.reduceMax(g.logp, 1))));
  } else {
    const oldLogp = b.input(POLICY_INPUTS.oldLogp, ft, ["N"]);
    const adv = b.input(POLICY_INPUTS.advantage, ft, ["N"]);
    const refLogp = b.input(POLICY_INPUTS.refLogp, ft, ["N"]);
    const klCoef = b.input(POLICY_INPUTS.klCoef, ft, []);
    batch.push(oldLogp, adv, refLogp, klCoef);
    const ratio = b.exp(b.sub(g.tokenLogp, oldLogp));
    let pg: Sym;
    if (objective.estimator === "ppo") {
      const eps = objective.clip ?? 0.2;
      pg = b.neg(b.min(b.mul(ratio, adv), b.mul(b.clip(ratio, 1 - eps, 1 + eps), adv)));
      const outside = b.indicator(b.greater(b.emit("Abs", [b.sub(ratio, 1)], { dtype: ft, shape: ["N"] }), eps));
      metrics["clip_fraction"] = wmean(outside);
    } else {
      pg = b.neg(b.mul(adv, g.tokenLogp));
    }
    // k3 estimator of KL(policy || reference): exp(r) - r - 1 with r = ref_logp - logp; >= 0.
    const r = b.sub(refLogp, g.tokenLogp);
    const kl = b.sub(b.sub(b.exp(r), r), 1);
    const pgMean = wmean(pg);
    const klMean = wmean(kl);
    loss = b.add(pgMean, b.mul(klCoef, klMean));
    metrics["pg_loss"] = pgMean;
    metrics["kl"] = klMean;
    metrics["ratio"] = wmean(ratio);
  }
  return buildTrainStep(b, {
    name: `policy_train_step_${objective.kind}`,
    batchInputs: batch,
    params: policyParamDefs(cfg).map((d) => ({
      sym: g.p[d.name as keyof PolicyParams],
      decay: d.decay,
      ...(opts.lazyEmbeddings && (d.name === "prompt_emb" || d.name === "token_emb") ? { lazy: true } : {}),
    })),
    loss,
    metrics,
    adam,
    ...(opts.exposeGradients ? { exposeGradients: true } : {}),
  });
}
