// Training-step throughput of the compact models in onnxruntime-node, beside a bare onnxruntime
// MatMul of the step's largest matrix product and the same step written in plain TypeScript, all in
// one run. `node --import tsx tests/bench/ml/bench.ts [--quick] [--threads N] [--json] [--only reward|policy]`.
//
// GFLOP counts only the matrix products (MatMul/Gemm, forward and backward, including the batched
// MatMuls of the embedding bags) of each step, 2·M·K·N each, taken from the graph itself; gathers,
// scatters, softmax and AdamW are extra work not counted.
//
// Three references per step, all run in this process with the same thread count:
// - "bare": one MatMul of the step's largest (unbatched) product, the comparison;
// - "same products": every matrix product of the step, same shapes (batched ones too), back to back
//   in one graph, results kept inside the runtime: what the step's FLOPs cost on their own;
// - "same FLOPs": one square MatMul doing the step's FLOP count in a single product.
// Besides the default reward step (dense AdamW, ids uniform over the 32k buckets), the reward step
// is also run with LazyAdam, and both with Zipf-distributed ids (hashed text is skewed: fewer distinct
// rows per batch), each labelled; the first row is the configuration.
import { cpus, loadavg } from "node:os";
import type * as ort from "onnxruntime-node";
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
  type Sym,
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
const threads = threadsArg >= 0 ? Number(args[threadsArg + 1]) : 1; // training sessions default to 1 thread (ml README: the ScatterND race)
const onlyArg = args.indexOf("--only");
const only = onlyArg >= 0 ? args[onlyArg + 1] : undefined;
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
  sameProductsGflops: number;
  ratioSameProducts: number;
  sameFlopsMatmul: string;
  sameFlopsGflops: number;
  ratioSameFlops: number;
  distinctRows?: number;
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

const randomTensor = (rng: Prng, dims: number[]): ort.Tensor =>
  floatTensor(Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.normal()), dims);

/** The largest (unbatched) MatMul/Gemm of the step, and a bare onnxruntime MatMul of that size. */
async function bareMatmul(model: TrainStepModel, dims: Record<string, number>): Promise<{ label: string; gflops: number }> {
  const v = (d: number | string): number => (typeof d === "number" ? d : dims[d]!);
  const plain = model.matmuls.filter((x) => x.batch === undefined);
  const top = [...plain].sort((a, b) => v(b.m) * v(b.k) * v(b.n) - v(a.m) * v(a.k) * v(a.n))[0]!;
  const [m, k, n] = [v(top.m), v(top.k), v(top.n)];
  return { label: `${m}x${k}x${n}`, gflops: await matmulGflops(m, k, n) };
}

async function matmulGflops(m: number, k: number, n: number): Promise<number> {
  const b = new GraphBuilder("float32");
  const x = b.input("a", "float32", [m, k]);
  const w = b.input("b", "float32", [k, n]);
  const s = await createSession(exportModel(b, { name: "bare", inputs: [x, w], outputs: [["c", b.matmul(x, w)]] }).bytes, { threads });
  const rng = new Prng(1);
  const feeds = { a: randomTensor(rng, [m, k]), b: randomTensor(rng, [k, n]) };
  const ms = await timeIt(() => s.run(feeds));
  await s.release();
  return (2 * m * k * n) / (ms * 1e6);
}

/** Every matrix product of the step with its shapes, in one graph, run back to back. Each product
 * stays inside the runtime as in the step (only its first row along axis 0 is returned), so the
 * time is the products' own. */
async function sameProducts(model: TrainStepModel, dims: Record<string, number>): Promise<number> {
  const v = (d: number | string): number => (typeof d === "number" ? d : dims[d]!);
  const b = new GraphBuilder("float32");
  const rng = new Prng(2);
  const inputs: Sym[] = [];
  const outputs: [string, Sym][] = [];
  const feeds: Feeds = {};
  model.matmuls.forEach((mm, i) => {
    const lead = mm.batch === undefined ? [] : [v(mm.batch)];
    const [m, k, n] = [v(mm.m), v(mm.k), v(mm.n)];
    const a = b.input(`a${i}`, "float32", [...lead, m, k]);
    const w = b.input(`b${i}`, "float32", [...lead, k, n]);
    inputs.push(a, w);
    const shape = [...lead, m, n];
    const y = b.emit("MatMul", [a, w], { dtype: "float32", shape });
    const first = b.emit("Slice", [y, b.int64s([0]), b.int64s([1]), b.int64s([0])], { dtype: "float32", shape: [1, ...shape.slice(1)] });
    outputs.push([`y${i}`, first]);
    feeds[`a${i}`] = randomTensor(rng, [...lead, m, k]);
    feeds[`b${i}`] = randomTensor(rng, [...lead, k, n]);
  });
  const s = await createSession(exportModel(b, { name: "same_products", inputs, outputs }).bytes, { threads });
  const ms = await timeIt(() => s.run(feeds));
  await s.release();
  return matmulFlops(model.matmuls, dims) / (ms * 1e6);
}

async function benchStep(
  name: string,
  batchLabel: string,
  model: TrainStepModel,
  params: ReturnType<typeof initParams>,
  feeds: Feeds,
  dims: Record<string, number>,
  tsStep: () => void,
  distinctRows?: number,
): Promise<Row> {
  const t = await TrainingSession.create(model, { params, ...freshOptimizerState(params) }, { threads });
  const stepMs = await timeIt(() => t.step(feeds, 1e-3));
  await t.release();
  const flops = matmulFlops(model.matmuls, dims);
  const bare = await bareMatmul(model, dims);
  const same = await sameProducts(model, dims);
  const side = Math.max(1, Math.round(Math.cbrt(flops / 2)));
  const sameFlops = await matmulGflops(side, side, side);
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
    sameProductsGflops: same,
    ratioSameProducts: gflops / same,
    sameFlopsMatmul: `${side}^3`,
    sameFlopsGflops: sameFlops,
    ratioSameFlops: gflops / sameFlops,
    ...(distinctRows !== undefined ? { distinctRows } : {}),
    tsStepMs,
    tsGflops: flops / (tsStepMs * 1e6),
  };
}

/** Ids as hashed text gives them: features drawn from a Zipf(1) law over `features`, each feature
 * hashed to a fixed random bucket. */
function zipfIds(rng: Prng, buckets: number, features: number): () => number {
  const cdf = new Float64Array(features);
  let acc = 0;
  for (let r = 0; r < features; r++) cdf[r] = acc += 1 / (r + 1);
  const bucket = Int32Array.from({ length: features }, () => 1 + rng.int(buckets - 1));
  return () => {
    const u = rng.next() * acc;
    let lo = 0;
    let hi = features - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return bucket[lo]!;
  };
}

async function rewardBench(opts: { lazy: boolean; zipf: boolean }): Promise<Row> {
  // The configuration the reward service trains by default.
  const cfg: RewardModelConfig = DEFAULT_REWARD_CONFIG;
  const pairs = quick ? 64 : 256;
  const len = quick ? 64 : 128;
  const rng = new Prng(7);
  const draw = opts.zipf ? zipfIds(new Prng(8), cfg.hashing.buckets, 50_000) : () => 1 + rng.int(cfg.hashing.buckets - 1);
  const rows = (): number[][] => Array.from({ length: pairs }, () => Array.from({ length: len }, draw));
  const chosen = rows();
  const rejected = rows();
  const weights = Array.from({ length: pairs }, () => 1);
  const params = initParams(rewardParamDefs(cfg), 1);
  const model = buildRewardTrainStep(cfg, { pairs: true, singles: false }, DEFAULT_ADAMW, { lazyEmbeddings: opts.lazy });
  const defs = rewardParamDefs(cfg);
  const ref = rewardReferenceState(cfg, initParams(defs, 1), (k) => defs.find((d) => d.name === k)!.decay);
  const distinct = new Set([...chosen, ...rejected].flat()).size;
  const label = ["reward (Bradley–Terry)", ...(opts.lazy ? ["LazyAdam"] : []), ...(opts.zipf ? ["Zipf ids"] : [])].join(", ");
  return benchStep(
    label,
    `${pairs} pairs x ${len} ids, D${cfg.embedDim} H${cfg.hidden}`,
    model,
    params,
    pairFeedsFromIds(chosen, rejected, weights),
    { P: pairs, P2: 2 * pairs, Lp: len },
    () => rewardPairStepReference(cfg, ref, chosen, rejected, weights, 1e-3, DEFAULT_ADAMW, { lazyEmbeddings: opts.lazy }),
    distinct,
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
const results: Row[] = [];
if (only !== "policy") {
  for (const o of [{ lazy: false, zipf: false }, { lazy: true, zipf: false }, { lazy: false, zipf: true }, { lazy: true, zipf: true }]) {
    results.push(await rewardBench(o));
  }
}
if (only !== "reward") results.push(await policyBench());
const machine = { cpus: cpus().length, loadBefore, loadAfter: loadavg()[0]! };
if (asJson) {
  process.stdout.write(`${JSON.stringify({ threads, quick, machine, results })}\n`);
} else {
  const f = (x: number, d = 1): string => x.toFixed(d);
  const pct = (x: number): string => `${f(x * 100, 0)}%`;
  const header = [
    "model",
    "batch",
    "step ms",
    "steps/s",
    "GFLOP/step",
    "GFLOP/s",
    "bare MatMul",
    "bare GFLOP/s",
    "step/bare",
    "same products GFLOP/s",
    "step/same products",
    "same-FLOP MatMul",
    "its GFLOP/s",
    "step/it",
    "TS step ms",
    "TS GFLOP/s",
  ];
  const table = results.map((r) => [
    r.model,
    r.batch,
    f(r.stepMs, 2),
    f(r.stepsPerSec),
    f(r.gflopPerStep, 3),
    f(r.gflops),
    r.matmul,
    f(r.bareGflops),
    pct(r.ratio),
    f(r.sameProductsGflops),
    pct(r.ratioSameProducts),
    r.sameFlopsMatmul,
    f(r.sameFlopsGflops),
    pct(r.ratioSameFlops),
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
  for (const r of results) if (r.distinctRows !== undefined) console.log(`${r.model}: ${r.distinctRows} distinct embedding rows per batch`);
}
