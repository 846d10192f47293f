// Reward service benchmark, all in one run on this machine:
//   1. training throughput (pairs/s) and the wall time of a full training run on N pairs;
//   2. ScoreBatch rows/s through gRPC (worker-thread pool) versus a bare onnxruntime-node session
//      scoring the same batches (features included in both), in the same run (target: >= 70%);
//   3. Score latency at a fixed 500 requests/s, open loop (target p99 < 5 ms), with the event
//      loop's delay measured during that load.
// `node --import tsx tests/bench/reward/bench.ts [--quick] [--json]`. Needs DATABASE_URL (the
// registry), from the env or .run/stack.env (bash infra/stack.sh up).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { addService, bindGrpc, createGrpcClient, createGrpcServer, createLogger, createMetrics, createPool, stopGrpc } from "@rlhf-loop/kit";
import { Prng, RewardScorer } from "@rlhf-loop/ml";
import { Reward } from "@rlhf-loop/proto";
import { DEFAULT_LIMITS, exportInference, grpcRewardImpl, migrateReward, RegistryStore, RewardServing, ScoringPool, syntheticPairs, trainRewardModel } from "@rlhf-loop/reward";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const json = args.has("--json");
const log = (s: string): void => {
  if (!json) process.stdout.write(`${s}\n`);
};

function databaseUrl(): string {
  if (process.env["DATABASE_URL"]) return process.env["DATABASE_URL"];
  const line = readFileSync(new URL("../../../.run/stack.env", import.meta.url), "utf8")
    .split("\n")
    .find((l) => l.startsWith("DATABASE_URL="));
  if (!line) throw new Error("DATABASE_URL not set (bash infra/stack.sh up)");
  return line.slice("DATABASE_URL=".length);
}

const WORDS = "refund order policy the a to your we can cannot please note sorry help account password ship delay bill cancel within days steps".split(" ");
function texts(rng: Prng, n: number, words: number): { prompt: string; answer: string }[] {
  const t = (k: number): string => Array.from({ length: k }, () => WORDS[rng.int(WORDS.length)]!).join(" ");
  return Array.from({ length: n }, () => ({ prompt: t(12), answer: t(words) }));
}

const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function main(): Promise<void> {
  const result: Record<string, unknown> = { cpus: cpus().length, loadavgBefore: loadavg()[0], quick };
  log(`reward bench on ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(2)}${quick ? " (quick)" : ""}`);

  // 1. Training (in its own scope, so its data is garbage before the latency runs).
  const n = quick ? 10_000 : 100_000;
  const onnx = await (async () => {
    const pairs = syntheticPairs(n, { seed: 5, prompts: Math.floor(n / 5) });
    const t0 = performance.now();
    const trained = await trainRewardModel({ pairs }, { maxEpochs: quick ? 2 : 4 });
    const trainSeconds = (performance.now() - t0) / 1000;
    result["train"] = { pairs: n, seconds: trainSeconds, epochs: trained.epochs.length, stepPairsPerSecond: trained.examplesPerSecond, heldOutAccuracy: trained.epochs[trained.bestEpoch - 1]!.heldOutPairAccuracy };
    log(`train: ${n} pairs, ${trained.epochs.length} epochs in ${trainSeconds.toFixed(1)} s (target < 60 s for 100,000), ${Math.round(trained.examplesPerSecond)} pairs/s in optimizer steps`);
    return exportInference(trained.config, trained.params);
  })();

  // The registry and serving path of the service, on a throwaway schema.
  const schema = `reward_bench_${randomBytes(4).toString("hex")}`;
  const logger = createLogger({ service: "reward-bench", level: "silent" });
  const metrics = createMetrics({ service: "reward-bench", defaultMetrics: false });
  const pool = createPool({ url: databaseUrl(), max: 4, applicationName: "reward-bench", logger });
  const scoring = ScoringPool.create({ size: 2 });
  const server = createGrpcServer({ maxReceiveMessageBytes: 32 * 1024 * 1024 });
  try {
    await migrateReward(pool, { schema });
    const registry = new RegistryStore(pool, schema);
    const m = await registry.insert({ tenantId: "", datasetId: "bench", kind: "compact", config: {}, metrics: {}, diagnosticsPassed: true, artifact: onnx, trainPairs: n, heldOutPairs: 0 });
    await registry.approve(m.modelId);
    const serving = new RewardServing(scoring, registry, { ...DEFAULT_LIMITS, maxBatchItems: 100_000 });
    await serving.refreshApproved();
    addService(server, Reward, grpcRewardImpl(serving, registry), { logger, metrics });
    const port = await bindGrpc(server, "127.0.0.1:0");
    const client = createGrpcClient(Reward, `127.0.0.1:${port}`, { "grpc.max_receive_message_length": 32 * 1024 * 1024, "grpc.max_send_message_length": 32 * 1024 * 1024 });

    // 2. ScoreBatch vs bare session, same batches.
    const rng = new Prng(9);
    const batchSize = 256;
    const batches = Array.from({ length: quick ? 40 : 200 }, () => texts(rng, batchSize, 40));
    const rows = batches.length * batchSize;
    const bare = await RewardScorer.load(onnx, { threads: 2 });
    await bare.score(batches[0]!);
    let tb = performance.now();
    for (const b of batches) await bare.score(b, { batchSize });
    const bareRps = rows / ((performance.now() - tb) / 1000);
    await bare.release();
    await client.scoreBatch({ items: batches[0]! });
    tb = performance.now();
    // Two calls in flight, as a client keeping both workers busy would.
    let next = 0;
    await Promise.all(
      [0, 1].map(async () => {
        while (next < batches.length) await client.scoreBatch({ items: batches[next++]! });
      }),
    );
    const grpcRps = rows / ((performance.now() - tb) / 1000);
    result["scoreBatch"] = { batches: batches.length, batchSize, bareRowsPerSecond: bareRps, grpcRowsPerSecond: grpcRps, ratio: grpcRps / bareRps };
    log(`ScoreBatch: ${Math.round(grpcRps)} rows/s through gRPC vs ${Math.round(bareRps)} rows/s bare session = ${((100 * grpcRps) / bareRps).toFixed(0)}% (target >= 70%)`);

    log(`load average before the latency run ${loadavg()[0]!.toFixed(2)}`);
    // 3. Score at 500 requests/s, open loop, from a separate client process; the event loop delay
    //    is that of this (the service's) process during the load.
    const rate = 500;
    const seconds = quick ? 3 : 10;
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./score-load.ts", import.meta.url)), `127.0.0.1:${port}`, String(rate), String(seconds)], { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.on("data", (d: Buffer) => (text += d.toString()));
    await new Promise<void>((resolve, reject) => child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`score-load exited ${code}`)))));
    h.disable();
    const { lat, failed, achievedRate } = JSON.parse(text) as { lat: number[]; failed: number; achievedRate: number };
    result["score"] = { rate, achievedRate, requests: lat.length + failed, failed, p50Ms: pct(lat, 0.5), p99Ms: pct(lat, 0.99), maxMs: Math.max(...lat), eventLoopDelayP99Ms: h.percentile(99) / 1e6, eventLoopDelayMaxMs: h.max / 1e6 };
    log(
      `Score at ${rate}/s for ${seconds} s from a client process (achieved ${achievedRate.toFixed(0)}/s, ${failed} failed): p50 ${pct(lat, 0.5).toFixed(2)} ms, p99 ${pct(lat, 0.99).toFixed(2)} ms (target < 5 ms), max ${Math.max(...lat).toFixed(1)} ms; ` +
        `service event loop delay p99 ${(h.percentile(99) / 1e6).toFixed(2)} ms, max ${(h.max / 1e6).toFixed(1)} ms`,
    );
    client.close();
  } finally {
    await stopGrpc(server, 1000);
    await scoring.close();
    await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await pool.end();
  }
  result["loadavgAfter"] = loadavg()[0];
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
