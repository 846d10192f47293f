// Where a training step's time goes: runs the benchmark's reward (or policy) step under
// onnxruntime's profiler and prints the kernel time per op type and the slowest nodes, beside the
// wall time of session.run seen from JavaScript (the difference is binding and tensor overhead).
// The per-node minimum over runs is what a node costs when no other process preempts it; their sum
// is the step's kernel time on a quiet machine (this one is shared).
// `node --import tsx tests/bench/ml/profile.ts [--steps N] [--threads N] [--lazy] [--zipf] [--pairs P] [--len L]`
import { readFile, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import {
  buildRewardTrainStep,
  DEFAULT_ADAMW,
  DEFAULT_REWARD_CONFIG,
  freshOptimizerState,
  initParams,
  pairFeedsFromIds,
  Prng,
  rewardParamDefs,
  TRAIN_NAMES,
  scalarTensor,
  floatTensor,
  lazyRowFeeds,
  type Feeds,
} from "@rlhf-loop/ml";

const args = process.argv.slice(2);
const opt = (k: string, d: string): string => (args.includes(k) ? args[args.indexOf(k) + 1]! : d);
const steps = Number(opt("--steps", "20"));
const threads = Number(opt("--threads", "2"));

const cfg = DEFAULT_REWARD_CONFIG;
const pairs = Number(opt("--pairs", "256"));
const len = Number(opt("--len", "128"));
const lazy = args.includes("--lazy");
const zipf = args.includes("--zipf");
const rng = new Prng(7);
// As the benchmark: ids uniform over the buckets, or Zipf(1) over 50k features hashed to buckets.
const cdf = new Float64Array(50_000);
let acc = 0;
for (let r = 0; r < cdf.length; r++) cdf[r] = acc += 1 / (r + 1);
const zrng = new Prng(8);
const bucket = Int32Array.from({ length: cdf.length }, () => 1 + zrng.int(cfg.hashing.buckets - 1));
const draw = (): number => {
  if (!zipf) return 1 + rng.int(cfg.hashing.buckets - 1);
  const u = zrng.next() * acc;
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return bucket[lo]!;
};
const rows = (): number[][] => Array.from({ length: pairs }, () => Array.from({ length: len }, draw));
const batch = pairFeedsFromIds(rows(), rows(), Array.from({ length: pairs }, () => 1));
const model = buildRewardTrainStep(cfg, { pairs: true, singles: false }, DEFAULT_ADAMW, { lazyEmbeddings: lazy });
const params = initParams(rewardParamDefs(cfg), 1);
const opt0 = freshOptimizerState(params);

const prefix = join(tmpdir(), `ml-profile-${process.pid}`);
const session = await ort.InferenceSession.create(model.bytes, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
  enableProfiling: true,
  profileFilePrefix: prefix,
});
const feeds: Feeds = { ...batch, ...lazyRowFeeds(model, batch), [TRAIN_NAMES.lr]: scalarTensor(1e-3, "float32"), [TRAIN_NAMES.step]: scalarTensor(0, "float32") };
for (const [k, p] of params) {
  feeds[k] = floatTensor(p.data.slice(), p.shape);
  feeds[TRAIN_NAMES.m(k)] = floatTensor(opt0.m.get(k)!, p.shape);
  feeds[TRAIN_NAMES.v(k)] = floatTensor(opt0.v.get(k)!, p.shape);
}
// As TrainingSession does: new weights and moments written into the buffers they were read from.
const fetches: Record<string, ort.Tensor | null> = Object.fromEntries(session.outputNames.map((n) => [n, null]));
for (const k of model.params) {
  fetches[TRAIN_NAMES.newParam(k)] = feeds[k]!;
  fetches[TRAIN_NAMES.newM(k)] = feeds[TRAIN_NAMES.m(k)]!;
  fetches[TRAIN_NAMES.newV(k)] = feeds[TRAIN_NAMES.v(k)]!;
}
if (!model.inPlace) throw new Error("the step is not safe to run in place");
const run = () => session.run(feeds, fetches as ort.InferenceSession.FetchesType);
await run();
let wall = 0;
let wallMin = Infinity;
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  await run();
  const dt = performance.now() - t0;
  wall += dt;
  wallMin = Math.min(wallMin, dt);
}
session.endProfiling();
await session.release();

// The profile file name is <prefix>_<date>.json; find it.
const { readdir } = await import("node:fs/promises");
const dir = tmpdir();
const name = (await readdir(dir)).find((f) => f.startsWith(`ml-profile-${process.pid}`))!;
const trace = JSON.parse(await readFile(join(dir, name), "utf8")) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
await rm(join(dir, name));
const runs = trace.filter((e) => e.cat === "Session" && e.name === "model_run");
const kernels = trace.filter((e) => e.cat === "Node" && e.name.endsWith("_kernel_time"));
const perRun = (us: number): number => us / runs.length / 1000;
const byOp = new Map<string, number>();
const byNode = new Map<string, { op: string; us: number; min: number }>();
for (const k of kernels) {
  const op = k.args?.op_name ?? "?";
  byOp.set(op, (byOp.get(op) ?? 0) + k.dur);
  const n = k.name.replace(/_kernel_time$/, "");
  const prev = byNode.get(n);
  byNode.set(n, { op, us: (prev?.us ?? 0) + k.dur, min: Math.min(prev?.min ?? Infinity, k.dur) });
}
// Per-node minimum over runs: what the step costs when no other process preempts it.
const minByOp = new Map<string, number>();
for (const { op, min } of byNode.values()) minByOp.set(op, (minByOp.get(op) ?? 0) + min);
const minTotal = [...minByOp.values()].reduce((a, b) => a + b, 0);
const kernelTotal = [...byOp.values()].reduce((a, b) => a + b, 0);
const runTotal = runs.reduce((a, e) => a + e.dur, 0);
console.log(
  `reward step${lazy ? ", LazyAdam" : ""}, ${pairs} pairs x ${len} ids ${zipf ? "Zipf" : "uniform"} (${model.lazy ? (lazyRowFeeds(model, batch)[TRAIN_NAMES.rows("emb")]!.dims[0]) + " rows" : "dense"}), ${threads} thread(s), ${runs.length} profiled runs (incl. warm-up); ` +
    `nodes per run: ${kernels.length / runs.length}; load average ${loadavg()[0]!.toFixed(1)}`,
);
const runMin = Math.min(...runs.map((e) => e.dur)) / 1000;
console.log(`JS wall per run ${(wall / steps).toFixed(2)} ms (fastest ${wallMin.toFixed(2)}); ORT model_run ${perRun(runTotal).toFixed(2)} ms (fastest ${runMin.toFixed(2)}); kernels ${perRun(kernelTotal).toFixed(2)} ms`);
console.log(`sum over nodes of each node's fastest run: ${(minTotal / 1000).toFixed(2)} ms`);
console.log("\nper op type: mean ms per run, share of kernel time | sum of per-node minima (ms)");
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${op.padEnd(18)} ${perRun(us).toFixed(3).padStart(8)}  ${((100 * us) / kernelTotal).toFixed(1).padStart(5)}% | ${((minByOp.get(op) ?? 0) / 1000).toFixed(3).padStart(7)}`);
}
console.log("\nslowest nodes:");
for (const [n, { op, us, min }] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, 15)) {
  console.log(`  ${n.padEnd(28)} ${op.padEnd(14)} mean ${perRun(us).toFixed(3).padStart(7)}  min ${(min / 1000).toFixed(3).padStart(7)}`);
}
