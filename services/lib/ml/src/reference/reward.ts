// The reward scorer's forward pass and Bradley–Terry training step in plain TypeScript: the
// independent computation the ONNX graphs are checked against, and the benchmark's baseline.
import type { AdamWConfig } from "../graph/train-step.js";
import type { RewardModelConfig } from "../models/reward/reward-model.js";
import type { Params } from "../models/params.js";
import { adamwStep, type RefLazyRows, type RefParam } from "./adamw.js";
import { accumulateBiasGrad, accumulateWeightGrad, affine, inputGrad, logSigmoid, sigmoid } from "./linalg.js";

interface Cache {
  readonly rows: readonly (readonly number[])[];
  readonly pooled: Float64Array;
  readonly h: Float64Array;
  readonly score: Float64Array;
}

function get(params: Params, name: string) {
  const p = params.get(name);
  if (!p) throw new Error(`missing param ${name}`);
  return p;
}

function forward(cfg: RewardModelConfig, params: Params, rows: readonly (readonly number[])[]): Cache {
  const d = cfg.embedDim;
  const hd = cfg.hidden;
  const n = rows.length;
  const emb = get(params, "emb").data;
  const pooled = new Float64Array(n * d);
  rows.forEach((ids, r) => {
    for (const id of ids) for (let c = 0; c < d; c++) pooled[r * d + c] = pooled[r * d + c]! + emb[id * d + c]!;
    const cnt = Math.max(ids.length, 1);
    for (let c = 0; c < d; c++) pooled[r * d + c] = pooled[r * d + c]! / cnt;
  });
  const pre = affine(pooled, get(params, "w1").data, get(params, "b1").data, n, d, hd);
  const h = pre.map((v) => (cfg.activation === "tanh" ? Math.tanh(v) : Math.max(v, 0)));
  const out = affine(h, get(params, "w2").data, get(params, "b2").data, n, hd, 1);
  return { rows, pooled, h, score: out };
}

/** Scores of rows of feature ids (no padding: each row's own ids). */
export function rewardForwardReference(cfg: RewardModelConfig, params: Params, rows: readonly (readonly number[])[]): Float64Array {
  return forward(cfg, params, rows).score;
}

function backward(cfg: RewardModelConfig, params: Params, c: Cache, ds: Float64Array, grads: Map<string, Float64Array>): void {
  const d = cfg.embedDim;
  const hd = cfg.hidden;
  const n = c.rows.length;
  accumulateWeightGrad(grads.get("w2")!, c.h, ds, n, hd, 1);
  accumulateBiasGrad(grads.get("b2")!, ds, n, 1);
  const dh = inputGrad(ds, get(params, "w2").data, n, hd, 1);
  for (let i = 0; i < dh.length; i++) dh[i] = cfg.activation === "tanh" ? dh[i]! * (1 - c.h[i]! * c.h[i]!) : c.h[i]! > 0 ? dh[i]! : 0;
  accumulateWeightGrad(grads.get("w1")!, c.pooled, dh, n, d, hd);
  accumulateBiasGrad(grads.get("b1")!, dh, n, hd);
  const dp = inputGrad(dh, get(params, "w1").data, n, d, hd);
  const gemb = grads.get("emb")!;
  c.rows.forEach((ids, r) => {
    const inv = 1 / Math.max(ids.length, 1);
    for (const id of ids) for (let k = 0; k < d; k++) gemb[id * d + k] = gemb[id * d + k]! + dp[r * d + k]! * inv;
  });
}

export interface RewardReferenceState {
  readonly params: Params;
  readonly opt: Map<string, RefParam>;
  step: number;
}

/** Wraps params (updated in place) with zero optimizer moments. */
export function rewardReferenceState(cfg: RewardModelConfig, params: Params, decay: (name: string) => boolean): RewardReferenceState {
  const opt = new Map<string, RefParam>();
  for (const [k, p] of params) opt.set(k, { data: p.data, m: new Float64Array(p.data.length), v: new Float64Array(p.data.length), decay: decay(k) });
  void cfg;
  return { params, opt, step: 0 };
}

/** The embedding rows a padded pair batch touches: every id, and the padding id 0 when some row is
 * shorter than the batch's width (pairFeedsFromIds pads chosen and rejected rows together). */
export function pairBatchRows(chosen: readonly (readonly number[])[], rejected: readonly (readonly number[])[]): Set<number> {
  const all = [...chosen, ...rejected];
  const width = Math.max(1, ...all.map((r) => r.length));
  const rows = new Set(all.flat());
  if (all.some((r) => r.length < width)) rows.add(0);
  return rows;
}

/** One Bradley–Terry AdamW step: loss = -sum w log σ(s_c - s_r) / sum w. With `lazyEmbeddings`, the
 * embedding table gets LazyAdam over the rows of the padded batch (pairBatchRows). */
export function rewardPairStepReference(
  cfg: RewardModelConfig,
  st: RewardReferenceState,
  chosen: readonly (readonly number[])[],
  rejected: readonly (readonly number[])[],
  weights: readonly number[],
  lr: number,
  adam: AdamWConfig,
  opts: { lazyEmbeddings?: boolean } = {},
): { loss: number; gradNorm: number; grads: Map<string, Float64Array> } {
  const fc = forward(cfg, st.params, chosen);
  const fr = forward(cfg, st.params, rejected);
  const wsum = Math.max(weights.reduce((a, b) => a + b, 0), 1e-12);
  let loss = 0;
  const dc = new Float64Array(chosen.length);
  const dr = new Float64Array(chosen.length);
  weights.forEach((w, i) => {
    const m = fc.score[i]! - fr.score[i]!;
    loss -= (w * logSigmoid(m)) / wsum;
    const g = (-w * sigmoid(-m)) / wsum;
    dc[i] = g;
    dr[i] = -g;
  });
  const grads = new Map([...st.params].map(([k, p]) => [k, new Float64Array(p.data.length)]));
  backward(cfg, st.params, fc, dc, grads);
  backward(cfg, st.params, fr, dr, grads);
  const lazy = new Map<string, RefLazyRows>(opts.lazyEmbeddings ? [["emb", { rows: pairBatchRows(chosen, rejected), width: cfg.embedDim }]] : []);
  const gradNorm = adamwStep(st.opt, grads, st.step, lr, adam, lazy);
  st.step += 1;
  return { loss, gradNorm, grads };
}
