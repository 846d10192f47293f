// Training-step throughput of the compact models in onnxruntime-node, beside a bare onnxruntime
// MatMul of the step's largest matrix product and the same step written in plain TypeScript, all in
// one run. `node --import tsx tests/bench/ml/bench.ts [--quick] [--threads N] [--json]`.
//
// GFLOP counts only the matrix products (MatMul/Gemm, forward and backward, including the batched
// MatMuls of the embedding bags) of each step, 2·M·K·N each, taken from the graph itself; gathers,
// scatters, softmax and AdamW are extra work not counted.
import { cpus, loadavg } from "node:os";
import {
  buildPolicyTrainStep,
  buildRewardTrainStep,
  createSession,
  DEFAULT_ADAMW,
  DEFAULT_POLICY_CONFIG,
  DEFAULT_REWARD_CONFIG,
  floatTensor,
  freshOptimizerState,
  GraphBuilder,
  exportModel,
  initParams,
  matmulFlops,
  pairFeedsFromIds,
  policyParamDefs,
  policyRowFeeds,
  Prng,
  rewardParamDefs,
  TrainingSession,
  type Feeds,
  type PolicyConfig,
  type PolicySequence,
  type RewardModelConfig,
  type TrainStepModel,
} from "@rlhf-loop/ml";
import {
  policyCeStepReference,
  policyReferenceState,
  rewardPairStepReference,
  rewardReferenceState,
} from "@rlhf-loop/ml/reference";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const asJson = args.includes("--json");
const threadsArg = args.indexOf("--threads");
const threads = threadsArg >= 0 ? Number(args[threadsArg + 1]) : 2;
const minSeconds = quick ? 0.5 : 2;

interface Row {
  model: string;
  batch: string;
  stepMs: number;
  stepsPerSec: number;
  gflopPerStep: number;
  gflops: number;
  matmul: string;
  bareGflops: number;
  ratio: number;
  tsStepMs: number;
  tsGflops: number;
}

async function timeIt(fn: () => Promise<unknown> | unknown, min = minSeconds, maxIters = 1000): Promise<number> {
  await fn(); // warm-up
  let iters = 0;
  const t0 = performance.now();
  while (iters < maxIters) {
    await fn();
    iters++;
    if (performance.now() - t0 > min * 1000) break;
  }
  return (performance.now() - t0) / iters;
}

/** The largest (unbatched) MatMul/Gemm of the step, and a bare onnxruntime MatMul of that size. */
async function bareMatmul(model: TrainStepModel, dims: Record<string, number>): Promise<{ label: string; gflops: number }> {
  const v = (d: number | string): number => (typeof d === "number" ? d : dims[d]!);
  const plain = model.matmuls.filter((x) => x.batch === undefined);
  const top = [...plain].sort((a, b) => v(b.m) * v(b.k) * v(b.n) - v(a.m) * v(a.k) * v(a.n))[0]!;
  const [m, k, n] = [v(top.m), v(top.k), v(top.n)];
  const b = new GraphBuilder("float32");
  const x = b.input("a", "float32", [m, k]);
  const w = b.input("b", "float32", [k, n]);
  const s = await createSession(exportModel(b, { name: "bare", inputs: [x, w], outputs: [["c", b.matmul(x, w)]] }).bytes, { threads });
  const rng = new Prng(1);
  const feeds = {
    a: floatTensor(Float32Array.from({ length: m * k }, () => rng.normal()), [m, k]),
    b: floatTensor(Float32Array.from({ length: k * n }, () => rng.normal()), [k, n]),
  };
  const ms = await timeIt(() => s.run(feeds));
  await s.release();
  return { label: `${m}x${k}x${n}`, gflops: (2 * m * k * n) / (ms * 1e6) };
}

async function benchStep(
  name: string,
  batchLabel: string,
  model: TrainStepModel,
  params: ReturnType<typeof initParams>,
  feeds: Feeds,
  dims: Record<string, number>,
  tsStep: () => void,
): Promise<Row> {
  const t = await TrainingSession.create(model, { params, ...freshOptimizerState(params) }, { threads });
  const stepMs = await timeIt(() => t.step(feeds, 1e-3));
  await t.release();
  const flops = matmulFlops(model.matmuls, dims);
  const bare = await bareMatmul(model, dims);
  const t0 = performance.now();
  tsStep();
  const tsStepMs = performance.now() - t0;
  const gflops = flops / (stepMs * 1e6);
  return {
    model: name,
    batch: batchLabel,
    stepMs,
    stepsPerSec: 1000 / stepMs,
    gflopPerStep: flops / 1e9,
    gflops,
    matmul: bare.label,
    bareGflops: bare.gflops,
    ratio: gflops / bare.gflops,
    tsStepMs,
    tsGflops: flops / (tsStepMs * 1e6),
  };
}

async function rewardBench(): Promise<Row> {
  // The configuration the reward service trains by default.
  const cfg: RewardModelConfig = DEFAULT_REWARD_CONFIG;
  const pairs = quick ? 64 : 256;
  const len = quick ? 64 : 128;
  const rng = new Prng(7);
  const rows = (): number[][] => Array.from({ length: pairs }, () => Array.from({ length: len }, () => 1 + rng.int(cfg.hashing.buckets - 1)));
  const chosen = rows();
  const rejected = rows();
  const weights = Array.from({ length: pairs }, () => 1);
  const params = initParams(rewardParamDefs(cfg), 1);
  const model = buildRewardTrainStep(cfg, { pairs: true, singles: false }, DEFAULT_ADAMW);
  const defs = rewardParamDefs(cfg);
  const ref = rewardReferenceState(cfg, initParams(defs, 1), (k) => defs.find((d) => d.name === k)!.decay);
  return benchStep(
    "reward (Bradley–Terry)",
    `${pairs} pairs x ${len} ids, D${cfg.embedDim} H${cfg.hidden}`,
    model,
    params,
    pairFeedsFromIds(chosen, rejected, weights),
    { P: pairs, P2: 2 * pairs, Lp: len },
    () => rewardPairStepReference(cfg, ref, chosen, rejected, weights, 1e-3, DEFAULT_ADAMW),
  );
}

async function policyBench(): Promise<Row> {
  // The default policy over a 2,000-word vocabulary (DESIGN.md's measured decoder: window 4, hidden 256).
  const cfg: PolicyConfig = { ...DEFAULT_POLICY_CONFIG, vocabSize: 2000 };
  const seqCount = quick ? 16 : 128;
  const seqLen = 32;
  const promptLen = 40;
  const rng = new Prng(3);
  const seqs: PolicySequence[] = Array.from({ length: seqCount }, () => ({
    promptIds: Array.from({ length: promptLen }, () => 1 + rng.int(cfg.prompt.buckets - 1)),
    tokens: Array.from({ length: seqLen }, () => 3 + rng.int(cfg.vocabSize - 3)),
  }));
  const tokens = seqCount * seqLen;
  const params = initParams(policyParamDefs(cfg), 1);
  const model = buildPolicyTrainStep(cfg, { kind: "cross-entropy" }, DEFAULT_ADAMW);
  const defs = policyParamDefs(cfg);
  const ref = policyReferenceState(initParams(defs, 1), (k) => defs.find((d) => d.name === k)!.decay);
  return benchStep(
    "policy (cross-entropy)",
    `${tokens} tokens, V${cfg.vocabSize} K${cfg.window} H${cfg.hidden}`,
    model,
    params,
    policyRowFeeds(cfg, seqs),
    { N: tokens, B: seqCount, P: promptLen },
    () => policyCeStepReference(cfg, ref, seqs, 1e-3, DEFAULT_ADAMW),
  );
}

const loadBefore = loadavg()[0]!;
const results = [await rewardBench(), await policyBench()];
const machine = { cpus: cpus().length, loadBefore, loadAfter: loadavg()[0]! };
if (asJson) {
  process.stdout.write(`${JSON.stringify({ threads, quick, machine, results })}\n`);
} else {
  const f = (x: number, d = 1): string => x.toFixed(d);
  const header = ["model", "batch", "step ms", "steps/s", "GFLOP/step", "GFLOP/s", "bare MatMul", "bare GFLOP/s", "step/bare", "TS step ms", "TS GFLOP/s"];
  const table = results.map((r) => [
    r.model,
    r.batch,
    f(r.stepMs, 2),
    f(r.stepsPerSec),
    f(r.gflopPerStep, 3),
    f(r.gflops),
    r.matmul,
    f(r.bareGflops),
    `${f(r.ratio * 100, 0)}%`,
    f(r.tsStepMs, 0),
    f(r.tsGflops, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
  console.log(
    `onnxruntime-node, ${threads} intra-op thread(s)${quick ? ", quick sizes" : ""}; ${machine.cpus} CPUs, ` +
      `load average ${machine.loadBefore.toFixed(1)} before / ${machine.loadAfter.toFixed(1)} after (other work on the machine slows every column)`,
  );
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const row of table) console.log(line(row));
}
