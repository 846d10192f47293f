// Ingestion benchmark: load from this process (autocannon) against the ingestion service running
// in a child process on the real broker and database, beside the ceilings it is compared with in
// the same run: a bare fastify route and a bare kafkajs producer. The service runs twice, on the
// kafkajs bus and on the @platformatic/kafka bus. Needs KAFKA_BROKERS and DATABASE_URL
// (`make bench` starts the stack). BENCH_SECONDS sets each phase's length (default 10).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { createApiKey, createTenant, migrateIngestion } from "@rlhf-loop/ingestion";
import { createTopicsAndWait } from "@rlhf-loop/kit";
import { cpuByGroup, cpuPerEvent, type CpuGroup } from "./process-cpu.js";

const brokers = (process.env["KAFKA_BROKERS"] ?? "").split(",").filter(Boolean);
const databaseUrl = process.env["DATABASE_URL"] ?? "";
if (brokers.length === 0 || !databaseUrl) throw new Error("KAFKA_BROKERS and DATABASE_URL are required (run via `make bench`)");
const seconds = Number(process.env["BENCH_SECONDS"] ?? "10");
const batchSize = Number(process.env["BENCH_BATCH_EVENTS"] ?? "500");
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const runId = randomBytes(4).toString("hex");

interface Row {
  what: string;
  eventsPerSec: number;
  requestsPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  errors?: number;
  note?: string;
  /** 1-minute load average when the phase ended (everything on this machine, other work included). */
  load?: number;
}
const rows: Row[] = [];
/** Where each event's CPU went, per phase: the whole machine is shared by these processes. */
const cpuRows: { what: string; perEvent: Record<CpuGroup, number> }[] = [];
async function measuredCpu<T>(what: string, servicePid: number | undefined, run: () => Promise<T>, events: (t: T) => number): Promise<T> {
  const before = cpuByGroup(servicePid);
  const t = await run();
  cpuRows.push({ what, perEvent: cpuPerEvent(before, cpuByGroup(servicePid), events(t)) });
  return t;
}
const load1 = () => loadavg()[0]!;

function startChild(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") go to the service processes.
  const nodeArgs = (process.env["BENCH_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", here(script)], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 60 s`)), 60_000);
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    createInterface({ input: child.stdout! }).once("line", (line) => {
      clearTimeout(timer);
      resolve({ child, info: JSON.parse(line) as Record<string, unknown> });
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(t);
}

let seq = 0;
function interactionJson(): Record<string, unknown> {
  const n = seq++;
  return {
    interactionId: `bench-${runId}-${n}`,
    conversationId: `conv-${n % 5000}`,
    prompt: [{ role: "ROLE_USER", content: `My order ${n % 997} has not arrived yet, it has been ${n % 14} days. What can I do?` }],
    answer: "Sorry about the delay. Orders ship within 5 business days; I have opened a trace with the carrier and you will get an update within 24 hours.",
    modelVersion: "prod-1",
    segment: ["consumer", "smb", "enterprise"][n % 3],
    occurredAt: "2026-11-27T08:00:00Z",
    idempotencyKey: `bench-${runId}-${n}`,
  };
}

type Result = autocannon.Result;
/** Idempotency keys the service acknowledged with a 2xx, read from the response bodies. */
const acknowledged = new Set<string>();
function recordAcks(status: number, body: string): void {
  if (status < 200 || status >= 300) return;
  const parsed = JSON.parse(body) as { idempotencyKey?: string; results?: { idempotencyKey: string }[] };
  if (parsed.idempotencyKey) acknowledged.add(parsed.idempotencyKey);
  for (const r of parsed.results ?? []) acknowledged.add(r.idempotencyKey);
}

function load(opts: { url: string; path: string; apiKey?: string; body: () => string; connections: number; overallRate?: number }): Promise<Result> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.apiKey) headers["authorization"] = `Bearer ${opts.apiKey}`;
  return autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: seconds,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    requests: [{ method: "POST", path: opts.path, headers, setupRequest: (req) => ({ ...req, body: opts.body() }), onResponse: (status, body) => recordAcks(status, body) }],
  });
}

const ok2xx = (r: Result) => r["2xx"];
const rps = (r: Result) => ok2xx(r) / r.duration;

async function bareFastify(): Promise<number> {
  const { child, info } = await startChild("bare-fastify.ts", {});
  try {
    const body = () => JSON.stringify(interactionJson());
    const r = await load({ url: String(info["url"]), path: "/v1/feedback", body, connections: 64 });
    rows.push({ what: "ceiling: bare fastify route (single)", eventsPerSec: rps(r), requestsPerSec: rps(r), p50Ms: r.latency.p50, p99Ms: r.latency.p99, errors: r.non2xx + r.errors, load: load1() });
    return rps(r);
  } finally {
    await stopChild(child);
  }
}

/** Fastify + group commit + acks=all producer: what "2xx only after the broker's ack" costs by itself. */
async function bareFastifyKafka(admin: ReturnType<Kafka["admin"]>, bareRps: number): Promise<void> {
  const topic = `bench.bare-http.${runId}`;
  await createTopicsAndWait(admin, [{ topic, numPartitions: 3, replicationFactor: 1 }]);
  const { child, info } = await startChild("bare-fastify-kafka.ts", { BENCH_TOPIC: topic });
  try {
    const body = () => JSON.stringify(interactionJson());
    const r = await measuredCpu("floor, single", child.pid, () => load({ url: String(info["url"]), path: "/v1/interactions", body, connections: 64 }), ok2xx);
    rows.push({
      what: "floor: fastify + acks=all produce (single)",
      eventsPerSec: rps(r),
      requestsPerSec: rps(r),
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      errors: r.non2xx + r.errors,
      note: `${((100 * rps(r)) / bareRps).toFixed(0)}% of bare fastify: no auth, validation, ledger or Postgres`,
      load: load1(),
    });
    const batchBody = () => JSON.stringify({ events: Array.from({ length: batchSize }, () => ({ interaction: interactionJson() })) });
    const b = await measuredCpu(`floor, batches of ${batchSize}`, child.pid, () => load({ url: String(info["url"]), path: "/v1/events:batch", body: batchBody, connections: 8 }), (x) => ok2xx(x) * batchSize);
    rows.push({
      what: `floor: fastify + acks=all produce (batches of ${batchSize})`,
      eventsPerSec: (ok2xx(b) * batchSize) / b.duration,
      requestsPerSec: rps(b),
      p50Ms: b.latency.p50,
      p99Ms: b.latency.p99,
      errors: b.non2xx + b.errors,
      note: "one record per event; no validation, protobuf, ledger or Postgres",
      load: load1(),
    });
  } finally {
    await stopChild(child);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  }
}

async function bareProducer(admin: ReturnType<Kafka["admin"]>): Promise<void> {
  const topic = `bench.bare.${runId}`;
  await createTopicsAndWait(admin, [{ topic, numPartitions: 3, replicationFactor: 1 }]);
  const child = spawn(process.execPath, ["--import", "tsx", here("bare-kafkajs-producer.ts")], {
    env: { ...process.env, BENCH_TOPIC: topic, BENCH_RECORDS: "200000", BENCH_BATCH: String(batchSize), BENCH_RECORD_BYTES: "330" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.once("exit", r));
  const res = JSON.parse(out.trim()) as { recordsPerSecond: number };
  rows.push({ what: "ceiling: bare kafkajs producer (acks=all)", eventsPerSec: res.recordsPerSecond, note: `batches of ${batchSize}, 330 B records`, load: load1() });
}

async function ingestion(bus: "kafkajs" | "platformatic", db: pg.Pool, admin: ReturnType<Kafka["admin"]>, bareRps: number): Promise<void> {
  const suffix = `${runId}-${bus}`;
  const schema = `bench_${runId}_${bus}`;
  await migrateIngestion(db, { schema });
  const tenantId = `bench-${bus}`;
  await createTenant(db, { schema, tenantId, ratePerSec: 1_000_000, burst: 1_000_000 });
  const { apiKey } = await createApiKey(db, { schema, tenantId });
  const topics = [`bench.interactions.${suffix}`, `bench.feedback.${suffix}`];
  await createTopicsAndWait(admin, topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })));
  const { child, info } = await startChild("ingestion-server.ts", { BENCH_BUS: bus, BENCH_SCHEMA: schema, BENCH_SUFFIX: suffix });
  const url = String(info["httpUrl"]);
  try {
    const single = () => JSON.stringify(interactionJson());
    const max = await measuredCpu(`ingestion[${bus}], single (persister included)`, child.pid, () => load({ url, path: "/v1/interactions", apiKey, body: single, connections: 64 }), ok2xx);
    rows.push({
      what: `ingestion[${bus}] single events, max rate`,
      eventsPerSec: rps(max),
      requestsPerSec: rps(max),
      p50Ms: max.latency.p50,
      p99Ms: max.latency.p99,
      errors: max.non2xx + max.errors,
      note: `${((100 * rps(max)) / bareRps).toFixed(0)}% of bare fastify (target >= 40%)`,
      load: load1(),
    });
    const fixed = await load({ url, path: "/v1/interactions", apiKey, body: single, connections: 32, overallRate: 1000 });
    rows.push({
      what: `ingestion[${bus}] single events at 1,000 req/s`,
      eventsPerSec: rps(fixed),
      requestsPerSec: rps(fixed),
      p50Ms: fixed.latency.p50,
      p99Ms: fixed.latency.p99,
      errors: fixed.non2xx + fixed.errors,
      note: "target p99 < 25 ms",
      load: load1(),
    });
    const batchBody = () => JSON.stringify({ events: Array.from({ length: batchSize }, () => ({ interaction: interactionJson() })) });
    const cpuBefore = cpuByGroup(child.pid);
    const batches = await load({ url, path: "/v1/events:batch", apiKey, body: batchBody, connections: 8 });
    const accepted = ok2xx(batches) * batchSize;
    const batchLoad = load1();
    // Persistence: wait (bounded) until every acknowledged event is a row, then read the lag.
    const acked = [...acknowledged];
    acknowledged.clear();
    const expected = acked.length;
    const deadline = Date.now() + 120_000;
    let stored = 0;
    while (Date.now() < deadline) {
      stored = Number(
        (await db.query<{ n: string }>(`select count(*)::text as n from "${schema}".interactions where idempotency_key = any($1::text[])`, [acked])).rows[0]!.n,
      );
      if (stored >= expected) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    cpuRows.push({ what: `ingestion[${bus}], batches of ${batchSize} until persisted`, perEvent: cpuPerEvent(cpuBefore, cpuByGroup(child.pid), ok2xx(batches) * batchSize) });
    const rowsTotal = Number((await db.query<{ n: string }>(`select count(*)::text as n from "${schema}".interactions`)).rows[0]!.n);
    const lag = (
      await db.query<{ p50: number; p99: number; span: number }>(
        `select percentile_cont(0.5) within group (order by extract(epoch from stored_at - received_at)) * 1000 as p50,
                percentile_cont(0.99) within group (order by extract(epoch from stored_at - received_at)) * 1000 as p99,
                extract(epoch from max(stored_at) - min(received_at)) as span
           from "${schema}".interactions where interaction_id in (select interaction_id from "${schema}".interactions order by received_at desc limit $1)`,
        [accepted],
      )
    ).rows[0]!;
    rows.push({
      what: `ingestion[${bus}] batches of ${batchSize}, accepted`,
      eventsPerSec: accepted / batches.duration,
      requestsPerSec: rps(batches),
      p50Ms: batches.latency.p50,
      p99Ms: batches.latency.p99,
      errors: batches.non2xx + batches.errors,
      note: "target >= 20,000 events/s",
      load: batchLoad,
    });
    rows.push({
      what: `ingestion[${bus}] batches, persisted to Postgres`,
      eventsPerSec: accepted / Math.max(Number(lag.span), 1e-9),
      p50Ms: Number(lag.p50),
      p99Ms: Number(lag.p99),
      note: `acknowledged ${expected}, stored ${stored} (lost ${expected - stored}); rows ${rowsTotal} (also requests cut off by the run's end); latency = persistence lag, target p99 < 2,000 ms`,
      load: load1(),
    });
  } finally {
    await stopChild(child);
    await db.query(`drop schema if exists "${schema}" cascade`);
    await admin.deleteTopics({ topics }).catch(() => undefined);
  }
}

function printTable(): void {
  const fmt = (n: number | undefined, d = 0) => (n === undefined || Number.isNaN(n) ? "" : n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));
  const head = ["measurement", "events/s", "req/s", "p50 ms", "p99 ms", "errors", "load1", "note"];
  const body = rows.map((r) => [r.what, fmt(r.eventsPerSec), fmt(r.requestsPerSec), fmt(r.p50Ms, 1), fmt(r.p99Ms, 1), r.errors === undefined ? "" : String(r.errors), fmt(r.load, 2), r.note ?? ""]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 7 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(`\ningestion benchmark (${seconds} s per phase, run ${runId}; load1 = 1-minute load average of this 2-core machine at the phase's end)`);
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const b of body) console.log(line(b));
  // Everything shares the machine's 2 cores: a phase can go no faster than 2 s of CPU per second.
  const groups: CpuGroup[] = ["service", "postgres", "kafka", "load generator", "other"];
  const counted = groups.filter((g) => g !== "other");
  const cHead = ["CPU µs per event", ...counted, "sum", "events/s 2 cores allow", "other (not summed)"];
  const cBody = cpuRows.map((r) => {
    const sum = counted.reduce((a, g) => a + r.perEvent[g], 0);
    // Processes that ended during the phase take their CPU with them: "other" can read below 0.
    return [r.what, ...counted.map((g) => fmt(r.perEvent[g])), fmt(sum), fmt(sum > 0 ? 2e6 / sum : undefined), fmt(Math.max(0, r.perEvent.other))];
  });
  const cw = cHead.map((h, i) => Math.max(h.length, ...cBody.map((b) => b[i]!.length)));
  const cLine = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(cw[i]!) : c.padStart(cw[i]!))).join("  ");
  console.log("\nwhere the CPU went (from /proc; \"other\" is whatever else ran on the machine meanwhile)");
  console.log(cLine(cHead));
  console.log(cw.map((w) => "-".repeat(w)).join("  "));
  for (const b of cBody) console.log(cLine(b));
}

const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
const kafka = new Kafka({ clientId: "bench", brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
try {
  const bareRps = await bareFastify();
  await bareProducer(admin);
  await bareFastifyKafka(admin, bareRps);
  // BENCH_BUSES=kafkajs runs one bus only (profiling, quick checks).
  const buses = (process.env["BENCH_BUSES"] ?? "kafkajs,platformatic").split(",") as ("kafkajs" | "platformatic")[];
  for (const bus of buses) await ingestion(bus, db, admin, bareRps);
} finally {
  await admin.deleteTopics({ topics: [`bench.bare.${runId}`] }).catch(() => undefined);
  await admin.disconnect();
  await db.end();
  printTable();
}
