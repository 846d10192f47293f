// Reward service benchmark, all in one run on this machine:
//   1. training throughput (pairs/s) and the wall time of a full training run on N pairs;
//   2. ScoreBatch rows/s through gRPC (worker-thread pool) versus a bare onnxruntime-node session
//      scoring the same batches (features included in both), in the same run (target: >= 70%);
//   3. Score latency at a fixed 500 requests/s, open loop, from a client process (target p99 < 5 ms),
//      with the key check as the service wires it and the event loop's delay during that load;
//      in the same run two floors (the same client and rate against kit's server answering at
//      once, and against a bare grpc-js server), and for each run where every request's time went
//      (client send lag, both gRPC legs, the handler and the pool's worker hops, joined per
//      request) and whether the slowest 1% overlapped a GC pause of either process.
// `node --import tsx tests/bench/reward/bench.ts [--quick] [--json] [--score-only] [--workers N]
// [--seconds N]`. --score-only trains a small model of the same shape and runs only part 3. Needs
// DATABASE_URL (the registry), from the env or .run/stack.env (bash infra/stack.sh up).
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { addService, ApiKeyAuth, bindGrpc, type CallContext, createGrpcClient, createGrpcServer, createLogger, createMetrics, createPool, stopGrpc } from "@rlhf-loop/kit";
import { Prng, RewardScorer } from "@rlhf-loop/ml";
import { Reward, ScoreRequestSchema, ScoreResponseSchema } from "@rlhf-loop/proto";
import {
  DEFAULT_LIMITS,
  exportInference,
  grpcRewardImpl,
  guardRewardImpl,
  migrateReward,
  RegistryStore,
  RewardAccess,
  rewardKeys,
  RewardServing,
  ScoringPool,
  syntheticPairs,
  trainRewardModel,
  type ScoreTrace,
} from "@rlhf-loop/reward";

const argv = process.argv.slice(2);
const args = new Set(argv);
const quick = args.has("--quick");
const json = args.has("--json");
const scoreOnly = args.has("--score-only");
const numArg = (name: string, dflt: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : dflt;
};
const workers = numArg("--workers", 2);
const seconds = numArg("--seconds", quick ? 3 : 10);
const rate = 500;
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

const clock = (): number => performance.timeOrigin + performance.now();
const ms = (x: number): string => x.toFixed(2);
const stats = (xs: number[]) => ({ p50: pct(xs, 0.5), p99: pct(xs, 0.99), max: xs.reduce((m, x) => Math.max(m, x), -Infinity) });
const fmt = (st: { p50: number; p99: number; max: number }): string => `p50 ${ms(st.p50)} / p99 ${ms(st.p99)} / max ${st.max.toFixed(1)} ms`;

/** What the load client prints (score-load.ts); times in ms on the epoch clock. */
interface ClientOut {
  index: number[];
  lat: number[];
  latFromDue: number[];
  latFromSend: number[];
  sendLag: number[];
  due: number[];
  sent: number[];
  done: number[];
  gc: [number, number, number][];
  failed: number;
  achievedRate: number;
  clientLoopDelayP99Ms: number;
  clientCpuUsPerRequest: number;
}

/** The service side of one run, kept in typed arrays (no objects retained per request, so the
 *  bench's own bookkeeping adds no GC work): each Score handler's span by request index (the
 *  index travels in the prompt), the pool's worker-message traces in arrival order, and this
 *  process's GC pauses [start, duration, kind]. */
class ServiceSide {
  readonly start: Float64Array;
  readonly end: Float64Array;
  /** Per traced message: sent, got, runStart, runEnd, done, rowsAhead. */
  readonly t: Float64Array[];
  traced = 0;
  readonly gc: [number, number, number][] = [];
  constructor(readonly n: number) {
    this.t = Array.from({ length: 6 }, () => new Float64Array(n + 1000));
    this.start = new Float64Array(n).fill(Number.NaN);
    this.end = new Float64Array(n).fill(Number.NaN);
  }
  trace(x: ScoreTrace): void {
    const k = this.traced;
    if (k >= this.t[0]!.length) return;
    this.traced++;
    [x.sent, x.got, x.runStart, x.runEnd, x.done, x.rowsAhead].forEach((v, j) => (this.t[j]![k] = v));
  }
}
let side = new ServiceSide(0);

/** Wraps a Score handler so it notes its span (clock at entry and at return) under the request's index. */
function spanned<Req extends { prompt: string }, Ctx, Res>(score: (req: Req, ctx: Ctx) => Promise<Res>): (req: Req, ctx: Ctx) => Promise<Res> {
  return async (req, ctx) => {
    const start = clock();
    const res = await score(req, ctx);
    const m = /^question (\d+) /.exec(req.prompt);
    const i = m ? Number(m[1]) : -1;
    if (i >= 0 && i < side.n) {
      side.start[i] = start;
      side.end[i] = clock();
    }
    return res;
  };
}

/** The API key the load client sends (the service checks it on every call, from its cache). */
let apiKey = "";

/** One open-loop run of the client process against `port`, with this process's loop delay and GC. */
async function latencyRun(port: number, label: string): Promise<{ summary: Record<string, unknown>; breakdown: ReturnType<typeof breakdownOf> }> {
  side = new ServiceSide(rate * seconds);
  const load0 = loadavg()[0]!;
  const h = monitorEventLoopDelay({ resolution: 1 });
  const obs = new PerformanceObserver((list) =>
    list.getEntries().forEach((e) => side.gc.push([performance.timeOrigin + e.startTime, e.duration, ((e as { detail?: { kind?: number } }).detail?.kind ?? 0)])),
  );
  obs.observe({ entryTypes: ["gc"] });
  h.enable();
  const cpu0 = process.cpuUsage();
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./score-load.ts", import.meta.url)), `127.0.0.1:${port}`, String(rate), String(seconds)], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, SCORE_API_KEY: apiKey },
  });
  let text = "";
  child.stdout.on("data", (d: Buffer) => (text += d.toString()));
  await new Promise<void>((resolve, reject) => child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`score-load exited ${code}`)))));
  h.disable();
  obs.disconnect();
  const cpu = process.cpuUsage(cpu0);
  const c = JSON.parse(text) as ClientOut;
  const lat = stats(c.lat);
  const gcMs = side.gc.map(([, d]) => d);
  const majors = (g: [number, number, number][]): number => g.filter(([, , k]) => k === constants.NODE_PERFORMANCE_GC_MAJOR).length;
  const summary = {
    rate,
    seconds,
    loadavg1mBefore: load0,
    loadavgAfter: loadavg()[0],
    achievedRate: c.achievedRate,
    requests: c.lat.length + c.failed,
    failed: c.failed,
    p50Ms: lat.p50,
    p99Ms: lat.p99,
    maxMs: lat.max,
    // The same requests counted from their due time only (the count before this bench counted
    // from the earlier of due and sent) and from their send only (what a closed loop would see).
    p99FromDueMs: pct(c.latFromDue, 0.99),
    p99FromSendMs: pct(c.latFromSend, 0.99),
    sendLagP99Ms: pct(c.sendLag, 0.99),
    clientLoopDelayP99Ms: c.clientLoopDelayP99Ms,
    clientGcPauses: c.gc.length,
    clientGcMajor: majors(c.gc),
    clientGcTotalMs: c.gc.reduce((a, [, d]) => a + d, 0),
    // CPU time per request, all threads of each process (the service's includes its workers, and
    // the client's 200 warm-up calls, 4% more calls; the client's own figure leaves them out).
    clientCpuUsPerRequest: c.clientCpuUsPerRequest,
    serviceCpuUsPerRequest: (cpu.user + cpu.system) / (c.lat.length + c.failed),
    eventLoopDelayP99Ms: h.percentile(99) / 1e6,
    eventLoopDelayMaxMs: h.max / 1e6,
    gcPauses: gcMs.length,
    gcMajor: majors(side.gc),
    gcTotalMs: gcMs.reduce((a, b) => a + b, 0),
    gcMaxMs: gcMs.length ? Math.max(...gcMs) : 0,
  };
  log(
    `${label} at ${rate}/s for ${seconds} s, client process (achieved ${c.achievedRate.toFixed(0)}/s, ${c.failed} failed, load ${load0.toFixed(2)}): ${fmt(lat)}\n` +
      `  [p99 counted from due ${ms(summary.p99FromDueMs)}, from send ${ms(summary.p99FromSendMs)}; send lag p99 ${ms(summary.sendLagP99Ms)}; client loop delay p99 ${ms(c.clientLoopDelayP99Ms)}, client GC ${c.gc.length} pauses (${summary.clientGcMajor} major) ${summary.clientGcTotalMs.toFixed(1)} ms]\n` +
      `  [service loop delay p99 ${ms(summary.eventLoopDelayP99Ms)} max ${summary.eventLoopDelayMaxMs.toFixed(1)} ms; service main-thread GC ${gcMs.length} pauses (${summary.gcMajor} major), ${summary.gcTotalMs.toFixed(1)} ms, max ${summary.gcMaxMs.toFixed(1)} ms;` +
      ` CPU per request: service ${summary.serviceCpuUsPerRequest.toFixed(0)} µs, client ${c.clientCpuUsPerRequest.toFixed(0)} µs]`,
  );
  const breakdown = breakdownOf(c, side);
  printBreakdown(breakdown);
  return { summary, breakdown };
}

/**
 * Where each request's time went, joined per request: the client's due/sent/done, the service's
 * handler span, and (Score) the pool's trace of its worker message, joined to its handler by time
 * (the message is posted synchronously inside the handler). Both processes read the same epoch
 * clock; `clockSkewMs` is the most negative up/down seen (0 when the clocks agree).
 */
function breakdownOf(c: ClientOut, s: ServiceSide) {
  // Traced messages by send time, to find the one posted inside a handler's span.
  const order = Array.from({ length: s.traced }, (_, k) => k).sort((a, b) => s.t[0]![a]! - s.t[0]![b]!);
  const sentAt = (k: number): number => s.t[0]![order[k]!]!;
  const traceOf = (start: number, end: number): number | undefined => {
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sentAt(mid) < start) lo = mid + 1;
      else hi = mid;
    }
    return lo < order.length && sentAt(lo) <= end ? order[lo] : undefined;
  };
  const names = [
    "sendLag", // client: scheduled time to the actual send (a busy client loop)
    "up", // client send until the service handler runs: client gRPC encode, loopback, service gRPC decode, waits for the service loop
    "handler", // service: handler entry to its return (validation, pool, awaits)
    "down", // handler return until the client has the answer: service encode and write, client decode
    "toWorker", // postMessage until the worker's handler runs (hop plus any work queued ahead)
    "run", // features + onnxruntime run in the worker
    "back", // the worker's reply until the pool's thread handles it
  ] as const;
  const cols: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const rows: { lat: number; v: Record<string, number>; sent: number; done: number }[] = [];
  let queued = 0;
  let skew = 0;
  c.index.forEach((i, k) => {
    const start = s.start[i];
    const end = s.end[i];
    if (start === undefined || end === undefined || Number.isNaN(start)) return;
    const v: Record<string, number> = {
      sendLag: Math.max(0, c.sent[k]! - c.due[k]!),
      up: start - c.sent[k]!,
      handler: end - start,
      down: c.done[k]! - end,
    };
    skew = Math.min(skew, v["up"]!, v["down"]!);
    const t = traceOf(start, end);
    if (t !== undefined) {
      const [sent, got, runStart, runEnd, done, ahead] = s.t.map((col) => col[t]!);
      v["toWorker"] = got! - sent!;
      v["run"] = runEnd! - runStart!;
      v["back"] = done! - runEnd!;
      if (ahead! > 0) queued++;
    }
    for (const [n, x] of Object.entries(v)) cols[n]!.push(x);
    rows.push({ lat: c.lat[k]!, v, sent: Math.min(c.due[k]!, c.sent[k]!), done: c.done[k]! });
  });
  // The slowest 1%: the mean of each part over them, and how many overlapped a GC pause.
  const slow = [...rows].sort((a, b) => b.lat - a.lat).slice(0, Math.max(1, Math.floor(rows.length / 100)));
  const overlaps = (r: { sent: number; done: number }, gc: [number, number, number][]): boolean => gc.some(([t, d]) => t < r.done && t + d > r.sent);
  const mean = (n: string): number => slow.reduce((a, r) => a + (r.v[n] ?? 0), 0) / slow.length;
  // Diagnostic only (the figure is the p99 of every request): the p99 of the requests that were in
  // flight during none of the load client's own GC pauses, i.e. what the client's GC adds.
  const clean = rows.filter((r) => !overlaps(r, c.gc)).map((r) => r.lat);
  return {
    joined: rows.length,
    queuedBehindAnother: queued,
    clockSkewMs: skew,
    p99WithoutClientGcMs: clean.length ? pct(clean, 0.99) : Number.NaN,
    requestsDuringClientGc: rows.length - clean.length,
    parts: Object.fromEntries(names.filter((n) => cols[n]!.length).map((n) => [n, stats(cols[n]!)])),
    slowest1pct: {
      count: slow.length,
      latMs: slow.reduce((a, r) => a + r.lat, 0) / slow.length,
      meanMs: Object.fromEntries(names.filter((n) => cols[n]!.length).map((n) => [n, mean(n)])),
      withClientGc: slow.filter((r) => overlaps(r, c.gc)).length,
      withServiceGc: slow.filter((r) => overlaps(r, s.gc)).length,
    },
  };
}

function printBreakdown(b: ReturnType<typeof breakdownOf>): void {
  if (!b.joined) return;
  const q = b.parts["toWorker"] ? `; ${b.queuedBehindAnother} went to a worker with work pending` : "";
  log(`  per request (${b.joined} joined${q}; clock skew ${ms(b.clockSkewMs)} ms):`);
  log(`    [diagnostic: ${b.requestsDuringClientGc} requests were in flight during a load-client GC pause; p99 of the others ${ms(b.p99WithoutClientGcMs)} ms]`);
  for (const [k, st] of Object.entries(b.parts)) log(`    ${k.padEnd(9)} ${fmt(st)}`);
  const sl = b.slowest1pct;
  log(`  slowest 1% (${sl.count}, mean ${ms(sl.latMs)} ms): ${Object.entries(sl.meanMs).map(([k, v]) => `${k} ${ms(v)}`).join(", ")}; overlapping a GC pause: client ${sl.withClientGc}, service main thread ${sl.withServiceGc}`);
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = { cpus: cpus().length, loadavgBefore: loadavg()[0], quick, scoreOnly, workers };
  log(`reward bench on ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(2)}${quick ? " (quick)" : ""}${scoreOnly ? " (score only)" : ""}`);

  // 1. Training (in its own scope, so its data is garbage before the latency runs).
  const n = scoreOnly ? 2_000 : quick ? 10_000 : 100_000;
  const onnx = await (async () => {
    const pairs = syntheticPairs(n, { seed: 5, prompts: Math.floor(n / 5) });
    const t0 = performance.now();
    const trained = await trainRewardModel({ pairs }, { maxEpochs: scoreOnly ? 1 : quick ? 2 : 4 });
    const trainSeconds = (performance.now() - t0) / 1000;
    if (!scoreOnly) {
      result["train"] = { pairs: n, seconds: trainSeconds, epochs: trained.epochs.length, stepPairsPerSecond: trained.examplesPerSecond, heldOutAccuracy: trained.epochs[trained.bestEpoch - 1]!.heldOutPairAccuracy };
      log(`train: ${n} pairs, ${trained.epochs.length} epochs in ${trainSeconds.toFixed(1)} s (target < 60 s for 100,000), ${Math.round(trained.examplesPerSecond)} pairs/s in optimizer steps`);
    }
    return exportInference(trained.config, trained.params);
  })();

  // The registry and serving path of the service, on a throwaway schema.
  const schema = `reward_bench_${randomBytes(4).toString("hex")}`;
  const logger = createLogger({ service: "reward-bench", level: "silent" });
  const metrics = createMetrics({ service: "reward-bench", defaultMetrics: false });
  const pool = createPool({ url: databaseUrl(), max: 4, applicationName: "reward-bench", logger });
  const scoring = ScoringPool.create({ size: workers, trace: (t) => side.trace(t) });
  const server = createGrpcServer({ maxReceiveMessageBytes: 32 * 1024 * 1024 });
  try {
    await migrateReward(pool, { schema });
    const registry = new RegistryStore(pool, schema);
    const m = await registry.insert({ tenantId: "", datasetId: "bench", kind: "compact", config: {}, metrics: {}, diagnosticsPassed: true, artifact: onnx, trainPairs: n, heldOutPairs: 0 });
    await registry.approve(m.modelId);
    const serving = new RewardServing(scoring, registry, { ...DEFAULT_LIMITS, maxBatchItems: 100_000 });
    await serving.refreshApproved();
    // As the service wires it: every call's key checked (cached) before the handler.
    apiKey = (await rewardKeys.create(pool, { schema, tenantId: "*", role: "service", label: "bench" })).key;
    const impl = grpcRewardImpl(serving, registry);
    const guarded = guardRewardImpl(impl, new RewardAccess(new ApiKeyAuth(pool, schema, { prefix: rewardKeys.prefix }), registry, ""));
    addService(server, Reward, { ...guarded, score: spanned(guarded.score) }, { logger, metrics });
    const port = await bindGrpc(server, "127.0.0.1:0");
    const client = createGrpcClient(Reward, `127.0.0.1:${port}`, { "grpc.max_receive_message_length": 32 * 1024 * 1024, "grpc.max_send_message_length": 32 * 1024 * 1024 });

    if (!scoreOnly) {
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
      const keyed = { metadata: { authorization: `Bearer ${apiKey}` } };
      await client.scoreBatch({ items: batches[0]! }, keyed);
      tb = performance.now();
      // Two calls in flight, as a client keeping both workers busy would.
      let next = 0;
      await Promise.all(
        [0, 1].map(async () => {
          while (next < batches.length) await client.scoreBatch({ items: batches[next++]! }, keyed);
        }),
      );
      const grpcRps = rows / ((performance.now() - tb) / 1000);
      result["scoreBatch"] = { batches: batches.length, batchSize, bareRowsPerSecond: bareRps, grpcRowsPerSecond: grpcRps, ratio: grpcRps / bareRps };
      log(`ScoreBatch: ${Math.round(grpcRps)} rows/s through gRPC vs ${Math.round(bareRps)} rows/s bare session = ${((100 * grpcRps) / bareRps).toFixed(0)}% (target >= 70%)`);
    }
    client.close();

    // 3. Score at 500 requests/s, open loop, from a separate client process; the event loop delay
    //    and GC pauses are those of this (the service's) process during the load. The floor first:
    //    the same client, rate and messages against a Reward server in this process whose Score
    //    answers at once with a fixed score (same kit server wrapper, metrics and logger), i.e. the
    //    bare gRPC round trip on this machine.
    // Two floors, run before and after Score so that load drift on a shared machine shows: kit's
    // server wrapper (decode, metrics, error mapping) around a Score that answers at once with no
    // key check and no pool, and a bare grpc-js server that decodes the request and sends a
    // pre-encoded answer. Same client, rate and message sizes (the key header included).
    const floorServer = createGrpcServer({ maxReceiveMessageBytes: 32 * 1024 * 1024 });
    const fixed = { modelId: m.modelId, score: 0.123456789 };
    addService(floorServer, Reward, { ...impl, score: spanned(async (_req: { prompt: string }, _ctx: CallContext) => fixed) }, { logger, metrics });
    const floorPort = await bindGrpc(floorServer, "127.0.0.1:0");
    const floor = await latencyRun(floorPort, "floor: Score answered at once (kit server, no key check, no pool)");
    await stopGrpc(floorServer, 1000);
    const score = await latencyRun(port, `Score (key check, ${workers} scoring workers)`);
    const bareServer = new grpc.Server();
    const fixedBytes = Buffer.from(toBinary(ScoreResponseSchema, create(ScoreResponseSchema, fixed)));
    const bareScore = spanned(async (req: { prompt: string }, _ctx: undefined) => req);
    const raw = (b: Buffer): Buffer => b;
    bareServer.addService(
      { score: { path: `/${Reward.typeName}/Score`, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw } },
      {
        score: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
          void bareScore(fromBinary(ScoreRequestSchema, call.request), undefined).then(() => callback(null, fixedBytes)),
      },
    );
    const barePort = await bindGrpc(bareServer, "127.0.0.1:0");
    const bare = await latencyRun(barePort, "floor: bare grpc-js server, pre-encoded answer");
    await stopGrpc(bareServer, 1000);
    const line = (name: string, r: Record<string, unknown>): string =>
      `  ${name.padEnd(24)} p50 ${ms(r["p50Ms"] as number)}  p99 ${ms(r["p99Ms"] as number)}  max ${(r["maxMs"] as number).toFixed(1)} ms  (load ${(r["loadavg1mBefore"] as number).toFixed(2)})`;
    log(`summary at ${rate}/s, one client process, open loop:`);
    log(line("Score (target p99 < 5)", score.summary));
    log(line("floor, kit server", floor.summary));
    log(line("floor, bare grpc-js", bare.summary));
    result["floor"] = { ...floor.summary, breakdown: floor.breakdown };
    result["bareFloor"] = { ...bare.summary, breakdown: bare.breakdown };
    result["score"] = { ...score.summary, breakdown: score.breakdown };
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
