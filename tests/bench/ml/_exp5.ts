import * as ort from "onnxruntime-node";
import { buildRewardTrainStep, DEFAULT_ADAMW, DEFAULT_REWARD_CONFIG, freshOptimizerState, initParams, pairFeedsFromIds, Prng, rewardParamDefs, TRAIN_NAMES, scalarTensor, floatTensor, type Feeds } from "@rlhf-loop/ml";
const cfg = DEFAULT_REWARD_CONFIG;
const rng = new Prng(7);
const rows = (): number[][] => Array.from({ length: 256 }, () => Array.from({ length: 128 }, () => 1 + rng.int(cfg.hashing.buckets - 1)));
const batch = pairFeedsFromIds(rows(), rows(), Array.from({ length: 256 }, () => 1));
const model = buildRewardTrainStep(cfg, { pairs: true, singles: false }, DEFAULT_ADAMW);
const params = initParams(rewardParamDefs(cfg), 1);
const o = freshOptimizerState(params);
const feeds: Feeds = { ...batch, [TRAIN_NAMES.lr]: scalarTensor(1e-3, "float32"), [TRAIN_NAMES.step]: scalarTensor(0, "float32") };
for (const [k, p] of params) { feeds[k] = floatTensor(p.data, p.shape); feeds[TRAIN_NAMES.m(k)] = floatTensor(o.m.get(k)!, p.shape); feeds[TRAIN_NAMES.v(k)] = floatTensor(o.v.get(k)!, p.shape); }
const variants: Record<string, ort.InferenceSession.SessionOptions> = {
  "t2 spin": { intraOpNumThreads: 2, graphOptimizationLevel: "all", executionMode: "sequential" },
  "t2 nospin": { intraOpNumThreads: 2, graphOptimizationLevel: "all", executionMode: "sequential", extra: { session: { intra_op: { allow_spinning: "0" } } } },
  "t1": { intraOpNumThreads: 1, graphOptimizationLevel: "all", executionMode: "sequential" },
};
const sessions = Object.fromEntries(await Promise.all(Object.entries(variants).map(async ([k, v]) => [k, await ort.InferenceSession.create(model.bytes, v)] as const)));
const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (const s of Object.values(sessions)) await s.run(feeds);
for (let r = 0; r < 15; r++) for (const [k, s] of Object.entries(sessions)) { const t0 = performance.now(); await s.run(feeds); times[k]!.push(performance.now() - t0); }
for (const [k, t] of Object.entries(times)) { t.sort((a, b) => a - b); console.log(k.padEnd(12), "min", t[0]!.toFixed(2), "median", t[t.length >> 1]!.toFixed(2), "mean", (t.reduce((a, b) => a + b) / t.length).toFixed(2)); }
