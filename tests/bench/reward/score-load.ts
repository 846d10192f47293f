// Open-loop Score load from a separate process (as a real client would be), so the service's
// process does only service work. Args: ADDRESS RATE SECONDS; env SCORE_API_KEY (sent as
// `authorization: Bearer`, as the service requires). Prints one JSON line.
// Request i is due at start + i/rate whatever happened to earlier ones. Its latency counts from
// the earlier of its due time and its actual send (a late send cannot hide queueing, an early one
// cannot shorten the figure); the prompt carries i so the service side can join its own timings.
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { createGrpcClient } from "@rlhf-loop/kit";
import { Reward } from "@rlhf-loop/proto";

const [address, rateArg, secondsArg] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const client = createGrpcClient(Reward, address!);
const callOptions = { metadata: { authorization: `Bearer ${process.env["SCORE_API_KEY"] ?? ""}` } };
const words = "refund order policy the a to your we can cannot please note sorry help account password ship delay".split(" ");
const answers = Array.from({ length: 64 }, (_, i) => Array.from({ length: 40 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(" "));
const row = (i: number) => ({ prompt: `question ${i} about my order`, answer: answers[i % 64]! });
// Warm-up (connection, JIT on both sides): 200 calls one at a time, under a second.
for (let i = 0; i < 200; i++) await client.score(row(1_000_000 + i), callOptions);

const total = rate * seconds;
const due = new Float64Array(total);
const sent = new Float64Array(total);
const done = new Float64Array(total).fill(Number.NaN);
let failed = 0;
const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
// This process's GC pauses [start, duration, kind] (ms, epoch clock; kind as perf_hooks.constants
// NODE_PERFORMANCE_GC_*: 1 minor, 4 major, 8 incremental), to line up with slow requests.
const gc: [number, number, number][] = [];
const obs = new PerformanceObserver((list) =>
  list.getEntries().forEach((e) => gc.push([performance.timeOrigin + e.startTime, e.duration, ((e as { detail?: { kind?: number } }).detail?.kind ?? 0)])),
);
obs.observe({ entryTypes: ["gc"] });
const cpu0 = process.cpuUsage();
const start = performance.now();
// Calls in flight are counted, not kept, so no call's objects outlive it in this process.
let outstanding = 0;
let allSent = false;
let finish = (): void => undefined;
const finished = new Promise<void>((r) => (finish = r));
const settle = (): void => {
  if (--outstanding === 0 && allSent) finish();
};
for (let i = 0; i < total; i++) {
  due[i] = start + (i * 1000) / rate;
  const wait = due[i]! - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  sent[i] = performance.now();
  outstanding++;
  client.score(row(i), callOptions).then(
    () => {
      done[i] = performance.now();
      settle();
    },
    () => {
      failed++;
      settle();
    },
  );
}
allSent = true;
if (outstanding === 0) finish();
await finished;
const elapsed = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
h.disable();
obs.disconnect();
client.close();
const ok = [...done.keys()].filter((i) => !Number.isNaN(done[i]));
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const epoch = (t: number): number => r3(performance.timeOrigin + t);
process.stdout.write(
  `${JSON.stringify({
    // Per request i (failed ones are left out): latency as counted, the two other ways to count it,
    // and its due / sent / done times on the epoch clock (timeOrigin + now(), comparable with the
    // service's own clock readings on the same machine).
    index: ok,
    due: ok.map((i) => epoch(due[i]!)),
    sent: ok.map((i) => epoch(sent[i]!)),
    done: ok.map((i) => epoch(done[i]!)),
    gc: gc.map(([t, d, k]) => [r3(t), r3(d), k]),
    lat: ok.map((i) => r3(done[i]! - Math.min(due[i]!, sent[i]!))),
    latFromDue: ok.map((i) => r3(done[i]! - due[i]!)),
    latFromSend: ok.map((i) => r3(done[i]! - sent[i]!)),
    sendLag: ok.map((i) => r3(sent[i]! - due[i]!)),
    failed,
    achievedRate: total / elapsed,
    clientLoopDelayP99Ms: h.percentile(99) / 1e6,
    clientCpuUsPerRequest: (cpu.user + cpu.system) / total,
  })}\n`,
);
