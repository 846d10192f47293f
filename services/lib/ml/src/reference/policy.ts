// The policy's forward pass and cross-entropy training step in plain TypeScript: the independent
// computation the ONNX graphs are checked against, and the benchmark's baseline.
import type { AdamWConfig } from "../graph/train-step.js";
import type { Params } from "../models/params.js";
import { windowAt, type PolicySequence } from "../models/policy/policy-batch.js";
import type { PolicyConfig } from "../models/policy/policy-model.js";
import { adamwStep, type RefLazyRows, type RefParam } from "./adamw.js";
import { accumulateBiasGrad, accumulateWeightGrad, affine, inputGrad } from "./linalg.js";

function get(params: Params, name: string) {
  const p = params.get(name);
  if (!p) throw new Error(`missing param ${name}`);
  return p.data;
}

function promptEncodings(cfg: PolicyConfig, params: Params, prompts: readonly (readonly number[])[]): Float64Array {
  const d = cfg.promptDim;
  const emb = get(params, "prompt_emb");
  const enc = new Float64Array(prompts.length * d);
  prompts.forEach((ids, r) => {
    for (const id of ids) for (let c = 0; c < d; c++) enc[r * d + c] = enc[r * d + c]! + emb[id * d + c]!;
    const inv = 1 / Math.max(ids.length, 1);
    for (let c = 0; c < d; c++) enc[r * d + c] = enc[r * d + c]! * inv;
  });
  return enc;
}

interface Rows {
  readonly rowPrompt: number[];
  readonly windows: number[][];
}

function forward(cfg: PolicyConfig, params: Params, prompts: readonly (readonly number[])[], rows: Rows) {
  const n = rows.windows.length;
  const k = cfg.window * cfg.tokenDim;
  const enc = promptEncodings(cfg, params, prompts);
  const temb = get(params, "token_emb");
  const ctx = new Float64Array(n * k);
  rows.windows.forEach((w, r) => w.forEach((tok, j) => {
    for (let c = 0; c < cfg.tokenDim; c++) ctx[r * k + j * cfg.tokenDim + c] = temb[tok * cfg.tokenDim + c]!;
  }));
  const encRows = new Float64Array(n * cfg.promptDim);
  rows.rowPrompt.forEach((p, r) => encRows.set(enc.subarray(p * cfg.promptDim, (p + 1) * cfg.promptDim), r * cfg.promptDim));
  const pre = affine(ctx, get(params, "w_ctx"), get(params, "b_h"), n, k, cfg.hidden);
  const fromPrompt = affine(encRows, get(params, "w_prompt"), undefined, n, cfg.promptDim, cfg.hidden);
  const h = pre.map((v, i) => Math.tanh(v + fromPrompt[i]!));
  const logits = affine(h, get(params, "w_out"), get(params, "b_out"), n, cfg.hidden, cfg.vocabSize);
  return { ctx, encRows, h, logits };
}

/** Next-token logits [R, V] for rows of (prompt feature ids, window of K previous tokens). */
export function policyForwardReference(
  cfg: PolicyConfig,
  params: Params,
  prompts: readonly (readonly number[])[],
  windows: readonly (readonly number[])[],
): Float64Array {
  return forward(cfg, params, prompts, { rowPrompt: prompts.map((_, i) => i), windows: windows.map((w) => [...w]) }).logits;
}

export interface PolicyReferenceState {
  readonly params: Params;
  readonly opt: Map<string, RefParam>;
  step: number;
}

export function policyReferenceState(params: Params, decay: (name: string) => boolean): PolicyReferenceState {
  const opt = new Map<string, RefParam>();
  for (const [k, p] of params) opt.set(k, { data: p.data, m: new Float64Array(p.data.length), v: new Float64Array(p.data.length), decay: decay(k) });
  return { params, opt, step: 0 };
}

/** One cross-entropy AdamW step: loss = -sum w log p(target) / sum w over all answer tokens. With
 * `lazyEmbeddings`, prompt_emb and token_emb get LazyAdam over the rows the batch's ids touch
 * (policyRowFeeds pads prompts with id 0 to the longest). */
export function policyCeStepReference(
  cfg: PolicyConfig,
  st: PolicyReferenceState,
  seqs: readonly PolicySequence[],
  lr: number,
  adam: AdamWConfig,
  opts: { lazyEmbeddings?: boolean } = {},
): { loss: number; gradNorm: number } {
  const rows: Rows = { rowPrompt: [], windows: [] };
  const targets: number[] = [];
  const weights: number[] = [];
  seqs.forEach((s, i) => s.tokens.forEach((tok, t) => {
    rows.rowPrompt.push(i);
    rows.windows.push(windowAt(s.tokens, t, cfg.window));
    targets.push(tok);
    weights.push(s.weight ?? 1);
  }));
  const prompts = seqs.map((s) => s.promptIds);
  const P = st.params;
  const f = forward(cfg, P, prompts, rows);
  const n = targets.length;
  const v = cfg.vocabSize;
  const hd = cfg.hidden;
  const k = cfg.window * cfg.tokenDim;
  const wsum = Math.max(weights.reduce((a, b) => a + b, 0), 1e-12);
  const dlogits = new Float64Array(n * v);
  let loss = 0;
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let c = 0; c < v; c++) max = Math.max(max, f.logits[r * v + c]!);
    let sum = 0;
    for (let c = 0; c < v; c++) sum += Math.exp(f.logits[r * v + c]! - max);
    const lse = max + Math.log(sum);
    const w = weights[r]! / wsum;
    loss -= w * (f.logits[r * v + targets[r]!]! - lse);
    for (let c = 0; c < v; c++) dlogits[r * v + c] = w * Math.exp(f.logits[r * v + c]! - lse);
    dlogits[r * v + targets[r]!] = dlogits[r * v + targets[r]!]! - w;
  }
  const grads = new Map([...P].map(([name, p]) => [name, new Float64Array(p.data.length)]));
  accumulateWeightGrad(grads.get("w_out")!, f.h, dlogits, n, hd, v);
  accumulateBiasGrad(grads.get("b_out")!, dlogits, n, v);
  const dpre = inputGrad(dlogits, get(P, "w_out"), n, hd, v);
  for (let i = 0; i < dpre.length; i++) dpre[i] = dpre[i]! * (1 - f.h[i]! * f.h[i]!);
  accumulateWeightGrad(grads.get("w_ctx")!, f.ctx, dpre, n, k, hd);
  accumulateBiasGrad(grads.get("b_h")!, dpre, n, hd);
  accumulateWeightGrad(grads.get("w_prompt")!, f.encRows, dpre, n, cfg.promptDim, hd);
  const dctx = inputGrad(dpre, get(P, "w_ctx"), n, k, hd);
  const gtok = grads.get("token_emb")!;
  rows.windows.forEach((w, r) => w.forEach((tok, j) => {
    for (let c = 0; c < cfg.tokenDim; c++) gtok[tok * cfg.tokenDim + c] = gtok[tok * cfg.tokenDim + c]! + dctx[r * k + j * cfg.tokenDim + c]!;
  }));
  const denc = inputGrad(dpre, get(P, "w_prompt"), n, cfg.promptDim, hd);
  const gpe = grads.get("prompt_emb")!;
  rows.rowPrompt.forEach((p, r) => {
    const ids = prompts[p]!;
    const inv = 1 / Math.max(ids.length, 1);
    for (const id of ids) for (let c = 0; c < cfg.promptDim; c++) gpe[id * cfg.promptDim + c] = gpe[id * cfg.promptDim + c]! + denc[r * cfg.promptDim + c]! * inv;
  });
  const lazy = new Map<string, RefLazyRows>();
  if (opts.lazyEmbeddings) {
    const width = Math.max(1, ...prompts.map((p) => p.length));
    const promptRows = new Set(prompts.flat());
    if (prompts.some((p) => p.length < width)) promptRows.add(0);
    lazy.set("prompt_emb", { rows: promptRows, width: cfg.promptDim });
    lazy.set("token_emb", { rows: new Set(rows.windows.flat()), width: cfg.tokenDim });
  }
  const gradNorm = adamwStep(st.opt, grads, st.step, lr, adam, lazy);
  st.step += 1;
  return { loss, gradNorm };
}
