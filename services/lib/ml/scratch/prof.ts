import * as ort from "onnxruntime-node";
import { readFileSync } from "node:fs";
import { buildRewardTrainStep, buildPolicyTrainStep, DEFAULT_ADAMW, initParams, rewardParamDefs, policyParamDefs, pairFeedsFromIds, policyRowFeeds, Prng, TRAIN_NAMES, floatTensor, scalarTensor, type Feeds } from "../src/index.js";
const which = process.argv[2] ?? "reward";
let bytes: Uint8Array; let feeds: Feeds; let params;
const rng = new Prng(1);
if (which === "reward") {
  const cfg = { hashing: { buckets: 1 << 15, bigrams: true, maxFeatures: 256 }, promptFeatures: true, embedDim: 64, hidden: 256, activation: "tanh" as const };
  const rows = () => Array.from({ length: 256 }, () => Array.from({ length: 128 }, () => 1 + rng.int(32767)));
  bytes = buildRewardTrainStep(cfg, { pairs: true, singles: false }, DEFAULT_ADAMW).bytes;
  feeds = pairFeedsFromIds(rows(), rows(), Array(256).fill(1));
  params = initParams(rewardParamDefs(cfg), 1);
} else {
  const cfg = { vocabSize: 2000, window: 4, prompt: { buckets: 1 << 14, bigrams: true, maxFeatures: 128 }, promptDim: 64, tokenDim: 64, hidden: 256 };
  bytes = buildPolicyTrainStep(cfg, { kind: "cross-entropy" }, DEFAULT_ADAMW).bytes;
  const seqs = Array.from({ length: 128 }, () => ({ promptIds: Array.from({ length: 40 }, () => 1 + rng.int(16383)), tokens: Array.from({ length: 32 }, () => 3 + rng.int(1997)) }));
  feeds = policyRowFeeds(cfg, seqs);
  params = initParams(policyParamDefs(cfg), 1);
}
for (const [k, p] of params) { feeds[k] = floatTensor(p.data, p.shape); feeds[TRAIN_NAMES.m(k)] = floatTensor(new Float32Array(p.data.length), p.shape); feeds[TRAIN_NAMES.v(k)] = floatTensor(new Float32Array(p.data.length), p.shape); }
feeds["lr"] = scalarTensor(1e-3, "float32"); feeds["adam.step"] = scalarTensor(0, "float32");
const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2, enableProfiling: true, profileFilePrefix: "/tmp/mlprof", graphOptimizationLevel: "all" });
for (let i = 0; i < 5; i++) await s.run(feeds);
const t0 = performance.now(); for (let i = 0; i < 5; i++) await s.run(feeds); console.log("ms/step", (performance.now() - t0) / 5);
(s as unknown as { endProfiling(): void }).endProfiling();
await s.release();
const { readdirSync } = await import("node:fs");
const file = "/tmp/" + readdirSync("/tmp").filter((f) => f.startsWith("mlprof")).sort().pop();
const ev = JSON.parse(readFileSync(file, "utf8")) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
const by = new Map<string, number>();
for (const e of ev) if (e.cat === "Node" && e.name.endsWith("_kernel_time")) by.set(e.args?.op_name ?? "?", (by.get(e.args?.op_name ?? "?") ?? 0) + e.dur);
const tot = [...by.values()].reduce((a, b) => a + b, 0);
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(k.padEnd(20), (v / 10 / 1000).toFixed(2), "ms/step", ((v / tot) * 100).toFixed(1) + "%");
