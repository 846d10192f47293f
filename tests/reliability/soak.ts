/**
 * Soak: the simulated product at a steady rate into ingestion (intake + persister processes) for
 * a bounded time, sampling each process's RSS (/proc/<pid>/status), event-loop delay (prom-client
 * default metrics on /metrics), consumer lag and p99 request latency; asserts no growth past the
 * bounds, prints a table, writes soak.svg / soak.png / soak.json under the run dir.
 *   node --import tsx tests/reliability/soak.ts [--seconds 120] [--rate 200] [--max-rss-slope 12]
 * --max-rss-slope: MiB per minute over the second half (linear fit), per process;
 * --max-rss-peak-growth: MiB the RSS peak of the last third may exceed that of the middle third.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createWorld, defaultWorldConfig, streamWorld } from "@rlhf-loop/sim";
import { AckRecorder } from "./lib/acks.js";
import { renderSvg, svgToPng } from "./lib/chart.js";
import { startDeployment, type IngestionProcess } from "./lib/procs.js";
import { reconcile } from "./lib/reconcile.js";
import { sleep, type ScenarioRow } from "./lib/scenario.js";
import { isolatedStack } from "./lib/stack.js";
import { renderTable } from "./lib/table.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "120" },
    rate: { type: "string", default: "200" },
    "sample-ms": { type: "string", default: "2000" },
    "max-rss-slope": { type: "string", default: "12" },
    "max-rss-peak-growth": { type: "string", default: "48" },
    "max-loop-p99-ms": { type: "string", default: "250" },
    "max-request-p99-ms": { type: "string", default: "1000" },
    "max-lag": { type: "string", default: "2000" },
  },
});
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const sampleMs = Number(values["sample-ms"]);
const stack = isolatedStack();
const outDir = stack.cfg.runDir;
const log = (l: string) => console.error(`[soak] ${l}`);

interface Sample {
  t: number;
  intakeRssMiB: number;
  persisterRssMiB: number;
  intakeHeapMiB: number;
  intakeLoopP99Ms: number;
  persisterLoopP99Ms: number;
  lag: number;
  ackedPerSec: number;
  requestP99Ms: number;
}

const metricValue = (text: string, name: string): number => {
  let sum = NaN;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    const v = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (Number.isFinite(v)) sum = (Number.isNaN(sum) ? 0 : sum) + v;
  }
  return sum;
};

async function scrape(p: IngestionProcess): Promise<string> {
  try {
    return await p.metrics();
  } catch {
    return "";
  }
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

// A small idempotency cache: the bounded structures fill during warm-up, so growth afterwards is a leak.
const dep = await startDeployment({ endpoints: stack.endpoints, logDir: `${outDir}/logs`, label: "soak", env: { INGEST_IDEMPOTENCY_CACHE_SIZE: "5000" } });
const failures: string[] = [];
const samples: Sample[] = [];
let row: ScenarioRow | undefined;
try {
  const persister = dep.persisters[0]!;
  log(`intake pid ${dep.intake.pid}, persister pid ${persister.pid}; ${rate}/s for ${seconds} s`);
  const recorder = new AckRecorder(dep.intake.url, dep.apiKey);
  const start = Date.now();
  const streaming = streamWorld(createWorld(defaultWorldConfig(), 31), {
    days: 60,
    ratePerSec: rate,
    client: recorder.client(),
    maxEvents: Math.round(rate * seconds),
    flushTimeoutMs: 60_000,
  });
  let done = false;
  void streaming.finally(() => (done = true));
  let lastAcked = 0;
  let lastT = start;
  while (!done) {
    await sleep(sampleMs);
    const now = Date.now();
    const [mi, mp] = await Promise.all([scrape(dep.intake), scrape(persister)]);
    const acked = recorder.acked.size;
    samples.push({
      t: (now - start) / 1000,
      intakeRssMiB: (dep.intake.rssBytes() ?? NaN) / 2 ** 20,
      persisterRssMiB: (persister.rssBytes() ?? NaN) / 2 ** 20,
      intakeHeapMiB: metricValue(mi, "nodejs_heap_size_used_bytes") / 2 ** 20,
      intakeLoopP99Ms: metricValue(mi, "nodejs_eventloop_lag_p99_seconds") * 1000,
      persisterLoopP99Ms: metricValue(mp, "nodejs_eventloop_lag_p99_seconds") * 1000,
      lag: metricValue(mp, "rlhf_bus_consumer_lag"),
      ackedPerSec: ((acked - lastAcked) * 1000) / (now - lastT),
      requestP99Ms: recorder.latencyQuantile(0.99, lastT, now),
    });
    lastAcked = acked;
    lastT = now;
  }
  const res = await streaming;
  const rec = await reconcile({ acked: recorder.acked, pool: dep.pool, schema: dep.schema, tenantId: dep.tenantId, brokers: stack.endpoints.brokers, topics: dep.topics });
  const finalLag = metricValue(await scrape(persister), "rlhf_bus_consumer_lag");

  // Bounds. RSS slope over the second half (after warm-up: JIT, pools, caches), in MiB/min.
  const half = samples.filter((s) => s.t >= seconds / 2);
  const maxSlope = Number(values["max-rss-slope"]);
  const slopes = {
    intake: slope(half.map((s) => [s.t / 60, s.intakeRssMiB])),
    persister: slope(half.map((s) => [s.t / 60, s.persisterRssMiB])),
  };
  for (const [name, v] of Object.entries(slopes)) if (!(v < maxSlope)) failures.push(`${name} RSS grows ${v.toFixed(1)} MiB/min over the second half (bound ${maxSlope})`);
  // GC makes RSS a sawtooth, so the fit alone misses slow leaks: the peak of the last third may
  // not exceed the peak of the middle third by more than the bound either.
  const maxPeakGrowth = Number(values["max-rss-peak-growth"]);
  const third = (k: number) => samples.filter((x) => x.t >= (seconds * k) / 3 && x.t < (seconds * (k + 1)) / 3 + (k === 2 ? Infinity : 0));
  const peak = (xs: Sample[], f: (x: Sample) => number) => Math.max(...xs.map(f).filter(Number.isFinite));
  const peakGrowth = {
    intake: peak(third(2), (x) => x.intakeRssMiB) - peak(third(1), (x) => x.intakeRssMiB),
    persister: peak(third(2), (x) => x.persisterRssMiB) - peak(third(1), (x) => x.persisterRssMiB),
  };
  for (const [name, v] of Object.entries(peakGrowth)) if (!(v < maxPeakGrowth)) failures.push(`${name} RSS peak grew ${v.toFixed(1)} MiB from the middle to the last third (bound ${maxPeakGrowth})`);
  const loopMax = Math.max(...samples.map((s) => Math.max(s.intakeLoopP99Ms, s.persisterLoopP99Ms)).filter(Number.isFinite));
  if (!(loopMax < Number(values["max-loop-p99-ms"]))) failures.push(`event-loop p99 reached ${loopMax.toFixed(0)} ms (bound ${values["max-loop-p99-ms"]})`);
  const reqP99 = recorder.latencyQuantile(0.99);
  if (!(reqP99 < Number(values["max-request-p99-ms"]))) failures.push(`request p99 ${reqP99.toFixed(0)} ms (bound ${values["max-request-p99-ms"]})`);
  const lagMax = Math.max(0, ...samples.map((s) => s.lag).filter(Number.isFinite));
  if (!(lagMax < Number(values["max-lag"]))) failures.push(`consumer lag reached ${lagMax} (bound ${values["max-lag"]})`);
  if (finalLag !== 0 && !Number.isNaN(finalLag)) failures.push(`consumer lag ${finalLag} after the drain`);
  if (samples.length < 5) failures.push(`only ${samples.length} samples`);

  row = {
    scenario: `soak ${seconds} s @ ${rate}/s`, sent: res.sent, acknowledged: rec.acknowledged, stored: rec.stored, lost: rec.lost, duplicated: rec.duplicated,
    recoverySeconds: null, dropped: res.dropped, topicLost: rec.topicLost, topicRedelivered: rec.topicRedelivered, seconds: (Date.now() - start) / 1000,
    notes: [
      `RSS slope 2nd half: intake ${slopes.intake.toFixed(2)}, persister ${slopes.persister.toFixed(2)} MiB/min (bound ${maxSlope})`,
      `RSS peak growth middle->last third: intake ${peakGrowth.intake.toFixed(1)}, persister ${peakGrowth.persister.toFixed(1)} MiB (bound ${maxPeakGrowth})`,
      `event-loop p99 max ${loopMax.toFixed(1)} ms; request p99 ${reqP99.toFixed(0)} ms; lag max ${lagMax}, after drain ${finalLag}`,
    ],
    failures,
  };

  // Table: one line per ~10 s.
  const every = Math.max(1, Math.round(10_000 / sampleMs));
  const shown = samples.filter((_, i) => i % every === every - 1 || i === samples.length - 1);
  console.log(
    renderTable(
      ["t s", "intake RSS MiB", "persister RSS MiB", "intake heap MiB", "loop p99 ms (in/pe)", "lag", "acked/s", "req p99 ms"],
      shown.map((s) => [s.t.toFixed(0), s.intakeRssMiB.toFixed(1), s.persisterRssMiB.toFixed(1), s.intakeHeapMiB.toFixed(1), `${s.intakeLoopP99Ms.toFixed(1)}/${s.persisterLoopP99Ms.toFixed(1)}`, s.lag, s.ackedPerSec.toFixed(0), s.requestP99Ms.toFixed(0)]),
    ),
  );
  console.log(`  ${row.notes.join("; ")}`);
  console.log(`  soak: sent ${row.sent}, acknowledged ${row.acknowledged}, stored ${row.stored}, lost ${row.lost}, duplicated ${row.duplicated}${failures.length ? `  FAILED: ${failures.join("; ")}` : ""}`);

  const svg = renderSvg(`ingestion soak: ${rate} events/s for ${seconds} s`, [
    { title: "Resident memory", unit: "MiB", series: [
      { label: "intake RSS", color: "#1f77b4", points: samples.map((s) => [s.t, s.intakeRssMiB]) },
      { label: "persister RSS", color: "#ff7f0e", points: samples.map((s) => [s.t, s.persisterRssMiB]) },
      { label: "intake heap used", color: "#2ca02c", points: samples.map((s) => [s.t, s.intakeHeapMiB]) },
    ] },
    { title: "Event-loop delay p99", unit: "ms", series: [
      { label: "intake", color: "#1f77b4", points: samples.map((s) => [s.t, s.intakeLoopP99Ms]) },
      { label: "persister", color: "#ff7f0e", points: samples.map((s) => [s.t, s.persisterLoopP99Ms]) },
    ] },
    { title: "Consumer lag", unit: "records", series: [{ label: "persister group", color: "#d62728", points: samples.map((s) => [s.t, s.lag]) }] },
    { title: "Request latency p99 (client, per sample)", unit: "ms", series: [{ label: "POST /v1/events:batch", color: "#9467bd", points: samples.map((s) => [s.t, s.requestP99Ms]) }] },
  ]);
  mkdirSync(`${outDir}/results`, { recursive: true });
  writeFileSync(`${outDir}/soak.svg`, svg);
  const png = await svgToPng(svg, `${outDir}/soak.png`).catch((err: unknown) => {
    log(`PNG rendering failed: ${(err as Error).message}`);
    return false;
  });
  log(png ? `chart: ${outDir}/soak.png (and soak.svg)` : `chart: ${outDir}/soak.svg (no Chromium for the PNG)`);
  writeFileSync(`${outDir}/results/soak.json`, JSON.stringify({ row, samples, slopes, peakGrowth }, null, 2));
} catch (err) {
  failures.push((err as Error).message);
  console.error(err);
} finally {
  await dep.close();
}
const bad = !row || row.lost > 0 || row.duplicated > 0 || row.topicLost > 0 || failures.length > 0;
process.exitCode = bad ? 1 : 0;
