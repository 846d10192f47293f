/**
 * Screenshots for issue 9 (a script, not a test; about 5 minutes on 2 cores):
 *   bash infra/stack.sh up && set -a && . .run/stack.env && set +a
 *   node --import tsx tests/observability/prometheus-screenshots.ts
 * Starts the five services in-process (real Kafka and Postgres, own topics and schemas), a real
 * Prometheus (/usr/bin/prometheus, 127.0.0.1 only, temp config and data dir, the repo's rules,
 * 2 s scrapes) and drives the loop: simulated traffic through ingestion, a dataset snapshot,
 * reward training, an RL run on the trained reward model, a canary set and the canary run on the
 * final checkpoint. Then it writes
 *   infra/grafana/screenshots/<dashboard>.png   each dashboard drawn by render-dashboard.ts from
 *                                               Prometheus query results (not Grafana: Grafana is
 *                                               not packaged for Debian)
 *   infra/grafana/screenshots/panels.json       which panels returned data
 *   infra/prometheus/screenshots/*.png          Prometheus's own UI: targets, alerts, graphs
 * and stops everything it started, by pid. Each stage has a time bound; a stage that runs out of
 * time is reported, and its panels show "No data".
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { createKafkaBus, createLogger, freePort } from "@rlhf-loop/kit";
import { RlRunRequestSchema } from "@rlhf-loop/proto";
import { createWorld, defaultWorldConfig, streamWorld } from "@rlhf-loop/sim";
import { Kafka, logLevel } from "kafkajs";
import { chromium } from "playwright-core";
import { stackEnv } from "../support/stack-env.js";
import { startCluster, type Cluster } from "./cluster.js";
import { ROOT } from "./metric-catalog.js";
import { prometheusQuery, renderDashboard, type PanelResult } from "./render-dashboard.js";

const PROMETHEUS = process.env["PROMETHEUS"] ?? "/usr/bin/prometheus";
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const HARD_LIMIT_MS = 9 * 60_000;
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `f` until it returns a value or `ms` pass (then undefined). */
async function until<T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(1_000);
  }
  log(`gave up waiting for ${what} after ${ms / 1000} s`);
  return undefined;
}

async function metricsText(address: string): Promise<string> {
  return (await fetch(`http://${address}/metrics`)).text();
}

function startPrometheus(cluster: Cluster, port: number, dir: string): ChildProcess {
  const rules = readdirSync(join(ROOT, "infra/prometheus/rules")).filter((f) => f.endsWith(".yml") && !f.endsWith(".test.yml"));
  const config = [
    "global:",
    "  scrape_interval: 2s",
    "  scrape_timeout: 2s",
    "  evaluation_interval: 5s",
    "rule_files:",
    ...rules.map((f) => `  - ${join(ROOT, "infra/prometheus/rules", f)}`),
    "scrape_configs:",
    ...cluster.targets.flatMap((t) => [`  - job_name: rlhf-${t.service}`, "    static_configs:", `      - targets: ["${t.address}"]`]),
    "",
  ].join("\n");
  writeFileSync(join(dir, "prometheus.yml"), config);
  const out = openSync(join(dir, "prometheus.log"), "a");
  const child = spawn(PROMETHEUS, [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--storage.tsdb.retention.time=1h"], { stdio: ["ignore", out, out] });
  log(`prometheus pid ${child.pid} on 127.0.0.1:${port}`);
  return child;
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  process.kill(child.pid, "SIGTERM");
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null) process.kill(child.pid, "SIGKILL");
}

/** Requests ingestion refuses (bad key, wrong tenant) and undecodable records on the feedback topic (dead letters). */
async function refusalsAndBadRecords(c: Cluster): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await fetch(`${c.ingestUrl}/v1/interactions`, { method: "POST", headers: { authorization: "Bearer rlhf_nobody_secret", "content-type": "application/json" }, body: "{}" });
    await fetch(`${c.ingestUrl}/v1/feedback`, {
      method: "POST", headers: { authorization: `Bearer ${c.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ tenantId: "someone-else", interactionId: `x${i}`, thumb: { direction: "THUMB_DIRECTION_UP" }, source: "FEEDBACK_SOURCE_END_USER" }),
    });
  }
  const producer = new Kafka({ clientId: `obs-bad-${c.suffix}`, brokers: stackEnv().brokers, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic: c.topics.feedback, messages: [1, 2, 3].map((i) => ({ key: `bad-${i}`, value: Buffer.from([0xff, 0xff, 0xff, i]), headers: { type: "rlhf.v1.Feedback" } })) });
  } finally {
    await producer.disconnect();
  }
}

async function main(): Promise<void> {
  if (!existsSync(PROMETHEUS)) throw new Error(`prometheus not found at ${PROMETHEUS}`);
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}`);
  const env = stackEnv();
  const work = mkdtempSync(join(tmpdir(), "rlhf-prom-shots-"));
  let cluster: Cluster | undefined;
  let prom: ChildProcess | undefined;
  const stages: Record<string, string> = {};
  const guard = setTimeout(() => {
    log("hard time limit reached; stopping");
    void cleanup().finally(() => process.exit(2));
  }, HARD_LIMIT_MS);
  async function cleanup(): Promise<void> {
    await stopProcess(prom);
    await cluster?.close();
    rmSync(work, { recursive: true, force: true });
  }

  try {
    cluster = await startCluster(env, { logLevel: process.env["LOG_LEVEL"] ?? "warn", reward: { autoTrain: true, autoApprove: true, trainer: { maxEpochs: 3 } } });
    const c = cluster;
    log(`services up: ${c.targets.map((t) => `${t.service}@${t.address}`).join(" ")}`);
    const port = await freePort();
    prom = startPrometheus(c, port, work);
    const promUrl = `http://127.0.0.1:${port}`;
    await until("prometheus ready", 30_000, async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined));
    const start = Date.now() / 1000;

    // Traffic through ingestion for about two and a half minutes; a few refusals for the error panels.
    const config = defaultWorldConfig();
    const world = createWorld({ ...config, traffic: { ...config.traffic, interactionsPerDay: 300 } }, 9);
    const streaming = streamWorld(world, { days: 3, tail: true, ratePerSec: 14, target: c.ingestUrl, apiKey: c.apiKey, maxDurationMs: 150_000 }).then((r) => {
      stages["traffic"] = `HTTP: ${r.sent} events sent, ${r.dropped} dropped, stopped by ${r.stoppedBy}`;
      log(`traffic done: ${stages["traffic"]}`);
    });
    // A second, smaller product on gRPC (another seed, so other ids), for the gRPC panels.
    const grpcWorld = createWorld({ ...config, traffic: { ...config.traffic, interactionsPerDay: 100 } }, 10);
    const grpcStreaming = streamWorld(grpcWorld, { days: 1, ratePerSec: 3, target: `grpc://${c.grpc.ingestion}`, apiKey: c.apiKey, maxDurationMs: 120_000 }).then((r) => {
      stages["grpc traffic"] = `gRPC: ${r.sent} events sent, ${r.dropped} dropped`;
    });
    await refusalsAndBadRecords(c);
    // Two rubric versions: publishing v2 pauses collection under v1.
    for (const version of ["v1", "v2"]) {
      const r = await fetch(`${c.labelingUrl}/v1/rubrics`, {
        method: "POST", headers: { authorization: `Bearer ${c.leadKey}`, "content-type": "application/json" },
        body: JSON.stringify({ version, title: "Support answers", instructions: "Pick the answer a careful support lead would send.", criteria: [{ name: "followed_policy", description: "Followed the policy" }] }),
      });
      stages[`rubric ${version}`] = `HTTP ${r.status}`;
    }

    // A dataset snapshot once pairs exist; reward trains on it (autoTrain) and registers a model.
    await until("labeling pairs", 90_000, async () => (/rlhf_labeling_pairs_total\{[^}]*\} [1-9]/.test(await metricsText(c.targets[1]!.address)) ? true : undefined));
    await sleep(75_000);
    const snap = await fetch(`${c.labelingUrl}/v1/datasets`, { method: "POST", headers: { authorization: `Bearer ${c.leadKey}`, "content-type": "application/json" }, body: JSON.stringify({ name: "observability" }) });
    const snapBody = (await snap.json()) as { manifest?: { datasetId?: string; pairCount?: string } };
    stages["snapshot"] = `HTTP ${snap.status}, dataset ${snapBody.manifest?.datasetId ?? "?"}, ${snapBody.manifest?.pairCount ?? "?"} pairs`;
    log(`snapshot: ${stages["snapshot"]}`);
    const modelId = await until("a reward model", 150_000, async () => /rlhf_reward_heldout_accuracy\{[^}]*model_id="([^"]+)"/.exec(await metricsText(c.targets[2]!.address))?.[1]);
    stages["reward"] = modelId ? `model ${modelId} registered` : "no model within the time bound";
    if (modelId && !/rlhf_reward_serving_model\{[^}]*\} 1/.test(await metricsText(c.targets[2]!.address))) {
      // Its diagnostics flagged a check, so it was not approved: force it (as an operator could),
      // so RL has a served model; RlhfRewardServedModelFlagged then fires, as it should.
      const r = await fetch(`${c.rewardUrl}/v1/models/${modelId}/approve`, { method: "POST", headers: { authorization: `Bearer ${c.rewardKey}`, "content-type": "application/json" }, body: JSON.stringify({ force: true }) });
      stages["reward"] += `; flagged, approved with force (HTTP ${r.status})`;
    }
    log(`reward: ${stages["reward"]}`);

    // A canary set from held-out traffic, then an RL run on the model; its final checkpoint is canaried.
    const set = await fetch(`${c.canaryUrl}/v1/canary-sets`, { method: "POST", headers: { authorization: `Bearer ${c.canaryKey}`, "content-type": "application/json" }, body: JSON.stringify({ tenantId: c.tenantId, fromTraffic: { size: 24, seed: 1, checks: "sim-support" } }) });
    stages["canary set"] = `HTTP ${set.status}: ${(await set.text()).slice(0, 120)}`;
    log(`canary set: ${stages["canary set"]}`);
    if (modelId) {
      const bus = createKafkaBus({ brokers: env.brokers, clientId: `obs-shots-${c.suffix}`, logger: createLogger({ service: "obs-shots", level: "silent" }) });
      try {
        const runId = `obs-run-${c.suffix}`;
        await bus.publish(c.topics.rlRuns, RlRunRequestSchema, [
          { key: runId, message: create(RlRunRequestSchema, { runId, tenantId: c.tenantId, rewardModelId: modelId, datasetId: snapBody.manifest?.datasetId ?? "", config: { steps: 6, promptsPerStep: 8, samplesPerPrompt: 2, beta: 0.05, learningRate: 0.003, seed: 3 } }) },
        ]);
      } finally {
        await bus.close();
      }
      const steps = await until("RL steps", 150_000, async () => {
        const m = /rlhf_rl_checkpoints_total\{[^}]*\} (\d+)/.exec(await metricsText(c.targets[3]!.address));
        return m && Number(m[1]) >= 3 ? m[1] : undefined;
      });
      stages["rl"] = steps ? `${steps} checkpoints stored` : "run not finished within the time bound";
      log(`rl: ${stages["rl"]}`);
      const decision = await until("a canary decision", 120_000, async () => /rlhf_canary_last_decision\{[^}]*\} (-?\d)/.exec(await metricsText(c.targets[4]!.address))?.[1]);
      stages["canary"] = decision !== undefined ? `last decision ${decision}` : "no decision within the time bound";
      log(`canary: ${stages["canary"]}`);
    }
    await Promise.all([streaming, grpcStreaming]);
    await sleep(10_000); // a few more scrapes and rule evaluations

    // Render: dashboards from Prometheus data, and Prometheus's own pages.
    const end = Date.now() / 1000;
    const query = prometheusQuery(promUrl, start, end, Math.max(2, Math.round((end - start) / 300)));
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
    const report: Record<string, PanelResult[]> = {};
    try {
      const gDir = join(ROOT, "infra/grafana/screenshots");
      const pDir = join(ROOT, "infra/prometheus/screenshots");
      mkdirSync(gDir, { recursive: true });
      mkdirSync(pDir, { recursive: true });
      const subtitle = `Drawn by tests/observability/render-dashboard.ts from a real Prometheus 2.42 scraping the five services in-process (simulated product traffic), ${new Date().toISOString().slice(0, 16)}Z. Not a Grafana render: Grafana is not packaged for Debian. Variables = All; $__rate_interval = 20s.`;
      for (const f of readdirSync(join(ROOT, "infra/grafana/dashboards")).filter((x) => x.endsWith(".json")).sort()) {
        const dash = JSON.parse(readFileSync(join(ROOT, "infra/grafana/dashboards", f), "utf8")) as Record<string, unknown>;
        const { html, panels } = await renderDashboard(dash, query, { start, end }, { rateInterval: "20s", subtitle });
        report[f] = panels;
        const page = await browser.newPage({ viewport: { width: 1620, height: 900 } });
        await page.setContent(html);
        await page.screenshot({ path: join(gDir, f.replace(/\.json$/, ".png")), fullPage: true });
        await page.close();
        log(`${f}: ${panels.filter((p) => p.series > 0).length}/${panels.length} panels with data`);
      }
      writeFileSync(join(gDir, "panels.json"), `${JSON.stringify({ stages, dashboards: report }, null, 2)}\n`);
      const shots: [string, string][] = [
        ["targets", "/classic/targets"],
        ["alerts", "/classic/alerts"],
        ["graph-ingestion-events", `/graph?g0.expr=${encodeURIComponent("sum by (kind, result) (rate(rlhf_ingestion_events_total[20s]))")}&g0.tab=0&g0.range_input=5m`],
        ["graph-consumer-lag", `/graph?g0.expr=${encodeURIComponent("service_group_topic:rlhf_bus_consumer_lag:sum")}&g0.tab=0&g0.range_input=5m`],
        ["graph-rl-kl-reward", `/graph?g0.expr=${encodeURIComponent("rlhf_rl_kl")}&g0.tab=0&g0.range_input=5m&g1.expr=${encodeURIComponent("rlhf_rl_reward_mean")}&g1.tab=0&g1.range_input=5m`],
      ];
      for (const [name, path] of shots) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        await page.goto(`${promUrl}${path}`, { waitUntil: "networkidle" });
        await sleep(1_500);
        await page.screenshot({ path: join(pDir, `${name}.png`), fullPage: true });
        await page.close();
      }
      log("screenshots written");
    } finally {
      await browser.close();
    }
  } finally {
    clearTimeout(guard);
    await cleanup();
    log(`stages: ${JSON.stringify(stages)}`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
