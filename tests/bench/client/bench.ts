/**
 * Client benchmark: events/s the client sustains and the CPU it costs in the caller's process,
 * against the real ingestion service (its own process, on the Kafka + Postgres stack) and a
 * minimal local sink (own process), printed side by side.
 *
 *   node --import tsx tests/bench/client/bench.ts [events=20000] [--sink-only]
 *
 * "call µs/event" is the time spent inside client.interaction()/thumb() (validation, building,
 * JSON encoding, queueing): what the chat request path pays. "process CPU µs/event" is
 * process.cpuUsage() (user+system) of this whole process from the first event to the last
 * acknowledgement, divided by the events: the call plus background batching, gzip and HTTP.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { FeedbackClient } from "@rlhf-loop/client";
import { startIngestionProcess, type ChildIngestion } from "../../client/ingestion-stack.js";

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 20_000);
const sinkOnly = args.includes("--sink-only");
const BENCH_KEY = "rlhf_bench_secret";

interface Config {
  gzip: boolean;
  concurrency: number;
  maxBatchEvents: number;
}
const CONFIGS: Config[] = [
  { gzip: true, concurrency: 1, maxBatchEvents: 500 },
  { gzip: true, concurrency: 2, maxBatchEvents: 500 },
  { gzip: false, concurrency: 2, maxBatchEvents: 500 },
];

interface Result {
  target: string;
  cfg: Config;
  eventsPerSec: number;
  callUs: number;
  cpuUs: number;
  requests: number;
  delivered: number;
  dropped: number;
}

let run = 0;
async function measure(target: string, url: string, apiKey: string, cfg: Config): Promise<Result> {
  const tag = `b${Date.now().toString(36)}-${run++}`;
  const client = new FeedbackClient({ url, apiKey, ...cfg, flushIntervalMs: 50, maxQueueEvents: 10_000, onError: () => {} });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let callNs = 0n;
  for (let n = 0; n < N; n++) {
    // Keep within the queue bound like a well-behaved producer would under sustained load.
    while (client.stats().queued + client.stats().inFlight >= 9_500) await new Promise((r) => setTimeout(r, 1));
    const s = process.hrtime.bigint();
    if (n % 2 === 0)
      client.interaction({
        interactionId: `${tag}-${n}`,
        conversationId: `${tag}-c${n % 100}`,
        prompt: [
          { role: "system", content: "You are the support assistant of an online shop. Follow the refund policy." },
          { role: "user", content: `I ordered item ${n} two weeks ago and it still has not arrived. Can I get a refund?` },
        ],
        answer: "I'm sorry about the delay. Orders older than 10 days qualify for a full refund; I have started it for you.",
        modelVersion: "policy-v3",
        segment: "consumer",
      });
    else client.thumb({ interactionId: `${tag}-${n - 1}`, direction: n % 4 === 1 ? "up" : "down", raterId: `u-${n % 300}` });
    callNs += process.hrtime.bigint() - s;
  }
  const flushed = await client.flush({ timeoutMs: 300_000 });
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const st = client.stats();
  await client.shutdown();
  if (!flushed.ok) throw new Error(`${target}: flush timed out with ${flushed.pending} pending`);
  return {
    target,
    cfg,
    eventsPerSec: st.delivered / elapsed,
    callUs: Number(callNs) / 1000 / N,
    cpuUs: (cpu.user + cpu.system) / N,
    requests: st.requests,
    delivered: st.delivered,
    dropped: st.dropped,
  };
}

async function startSinkProcess(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./sink-process.ts", import.meta.url)), BENCH_KEY], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  return {
    url: line.toString().trim(),
    stop: async () => {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
    },
  };
}

const results: Result[] = [];
const sink = await startSinkProcess();
try {
  await measure("warm-up", sink.url, BENCH_KEY, CONFIGS[0]!);
  for (const cfg of CONFIGS) results.push(await measure("local sink", sink.url, BENCH_KEY, cfg));
} finally {
  await sink.stop();
}

if (!sinkOnly) {
  let ing: ChildIngestion | undefined;
  try {
    ing = await startIngestionProcess({ ratePerSec: 1_000_000, burst: 1_000_000 });
    for (const cfg of CONFIGS) results.push(await measure("ingestion", ing.url, ing.apiKey, cfg));
  } finally {
    await ing?.close();
  }
}

const rows = results.map((r) => [
  r.target,
  String(r.delivered),
  String(r.cfg.maxBatchEvents),
  r.cfg.gzip ? "on" : "off",
  String(r.cfg.concurrency),
  r.eventsPerSec.toFixed(0),
  r.callUs.toFixed(1),
  r.cpuUs.toFixed(1),
  String(r.requests),
  String(r.dropped),
]);
const head = ["target", "events", "batch", "gzip", "conc", "events/s", "call µs/event", "process CPU µs/event", "requests", "dropped"];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(`\n@rlhf-loop/client, ${N} events per row (half interactions ~450 B, half thumbs), node ${process.version}`);
console.log(fmt(head));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(fmt(r));
