// Where a training step's time goes: runs the benchmark's reward (or policy) step under
// onnxruntime's profiler and prints the kernel time per op type and the slowest nodes, beside the
// wall time of session.run seen from JavaScript (the difference is binding and tensor overhead).
// `node --import tsx tests/bench/ml/profile.ts [--model reward|policy] [--steps N] [--threads N]`
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
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
  type Feeds,
} from "@rlhf-loop/ml";

const args = process.argv.slice(2);
const opt = (k: string, d: string): string => (args.includes(k) ? args[args.indexOf(k) + 1]! : d);
const steps = Number(opt("--steps", "20"));
const threads = Number(opt("--threads", "2"));

const cfg = DEFAULT_REWARD_CONFIG;
const pairs = 256;
const len = 128;
const rng = new Prng(7);
const rows = (): number[][] => Array.from({ length: pairs }, () => Array.from({ length: len }, () => 1 + rng.int(cfg.hashing.buckets - 1)));
const batch = pairFeedsFromIds(rows(), rows(), Array.from({ length: pairs }, () => 1));
const model = buildRewardTrainStep(cfg, { pairs: true, singles: false }, DEFAULT_ADAMW);
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
const feeds: Feeds = { ...batch, [TRAIN_NAMES.lr]: scalarTensor(1e-3, "float32"), [TRAIN_NAMES.step]: scalarTensor(0, "float32") };
for (const [k, p] of params) {
  feeds[k] = floatTensor(p.data, p.shape);
  feeds[TRAIN_NAMES.m(k)] = floatTensor(opt0.m.get(k)!, p.shape);
  feeds[TRAIN_NAMES.v(k)] = floatTensor(opt0.v.get(k)!, p.shape);
}
await session.run(feeds);
let wall = 0;
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  await session.run(feeds);
  wall += performance.now() - t0;
}
const file = (session as unknown as { handler: { endProfiling(): void } }).handler ? "" : "";
void file;
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
const byNode = new Map<string, { op: string; us: number }>();
for (const k of kernels) {
  const op = k.args?.op_name ?? "?";
  byOp.set(op, (byOp.get(op) ?? 0) + k.dur);
  const n = k.name.replace(/_kernel_time$/, "");
  byNode.set(n, { op, us: (byNode.get(n)?.us ?? 0) + k.dur });
}
const kernelTotal = [...byOp.values()].reduce((a, b) => a + b, 0);
const runTotal = runs.reduce((a, e) => a + e.dur, 0);
console.log(`reward step, ${threads} thread(s), ${runs.length} profiled runs (incl. warm-up); nodes per run: ${kernels.length / runs.length}`);
console.log(`JS wall per run ${(wall / steps).toFixed(2)} ms; ORT model_run ${perRun(runTotal).toFixed(2)} ms; kernels ${perRun(kernelTotal).toFixed(2)} ms`);
console.log("\nper op type (ms per run, share of kernel time):");
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1])) console.log(`  ${op.padEnd(18)} ${perRun(us).toFixed(3).padStart(8)}  ${((100 * us) / kernelTotal).toFixed(1).padStart(5)}%`);
console.log("\nslowest nodes:");
for (const [n, { op, us }] of [...byNode].sort((a, b) => b[1].us - a[1].us).slice(0, 15)) console.log(`  ${n.padEnd(28)} ${op.padEnd(14)} ${perRun(us).toFixed(3).padStart(8)}`);
