import * as ort from "onnxruntime-node";
import { buildRewardTrainStep, DEFAULT_ADAMW, initParams, rewardParamDefs, pairFeedsFromIds, Prng, TRAIN_NAMES, floatTensor, scalarTensor, TrainingSession, freshOptimizerState, type Feeds } from "../src/index.js";
const rng = new Prng(1);
const cfg = { hashing: { buckets: 1 << 15, bigrams: true, maxFeatures: 256 }, promptFeatures: true, embedDim: 64, hidden: 256, activation: "tanh" as const };
const rows = () => Array.from({ length: 64 }, () => Array.from({ length: 64 }, () => 1 + rng.int(32767)));
const model = buildRewardTrainStep(cfg, { pairs: true, singles: false }, DEFAULT_ADAMW);
const batch = pairFeedsFromIds(rows(), rows(), Array(64).fill(1));
const params = initParams(rewardParamDefs(cfg), 1);
const feeds: Feeds = { ...batch };
for (const [k, p] of params) { feeds[k] = floatTensor(p.data, p.shape); feeds[TRAIN_NAMES.m(k)] = floatTensor(new Float32Array(p.data.length), p.shape); feeds[TRAIN_NAMES.v(k)] = floatTensor(new Float32Array(p.data.length), p.shape); }
feeds["lr"] = scalarTensor(1e-3, "float32"); feeds["adam.step"] = scalarTensor(0, "float32");
const s = await ort.InferenceSession.create(model.bytes, { intraOpNumThreads: 2, graphOptimizationLevel: "all" });
const time = async (label: string, f: () => Promise<unknown>) => { for (let i = 0; i < 3; i++) await f(); const t0 = performance.now(); for (let i = 0; i < 10; i++) await f(); console.log(label, ((performance.now() - t0) / 10).toFixed(1), "ms"); };
await time("constant feeds", () => s.run(feeds));
let cur = { ...feeds };
await time("feed back", async () => { const o = await s.run(cur); const nf = { ...cur }; for (const k of params.keys()) { nf[k] = o[TRAIN_NAMES.newParam(k)]!; nf[TRAIN_NAMES.m(k)] = o[TRAIN_NAMES.newM(k)]!; nf[TRAIN_NAMES.v(k)] = o[TRAIN_NAMES.newV(k)]!; } cur = nf; });
// ping-pong preallocated
const mk = () => { const f: Record<string, ort.Tensor> = {}; for (const [k, p] of params) { for (const n of [TRAIN_NAMES.newParam(k), TRAIN_NAMES.newM(k), TRAIN_NAMES.newV(k)]) f[n] = floatTensor(new Float32Array(p.data.length), p.shape); } return f; };
const A = mk(); const B = mk();
let flip = false;
let inp = { ...feeds };
await time("ping-pong fetches", async () => {
  const out = flip ? B : A; flip = !flip;
  const fetches: Record<string, ort.Tensor | null> = { ...out, loss: null, grad_norm: null, "new.adam.step": null };
  for (const k of Object.keys(model.metrics)) fetches[TRAIN_NAMES.metric(model.metrics[k as unknown as number]!)] = null;
  const o = await s.run(inp, fetches as Record<string, ort.Tensor>);
  const nf = { ...inp }; for (const k of params.keys()) { nf[k] = o[TRAIN_NAMES.newParam(k)]!; nf[TRAIN_NAMES.m(k)] = o[TRAIN_NAMES.newM(k)]!; nf[TRAIN_NAMES.v(k)] = o[TRAIN_NAMES.newV(k)]!; } inp = nf;
});
const t = await TrainingSession.create(model, { params, ...freshOptimizerState(params) });
await time("TrainingSession", () => t.step(batch, 1e-3));
