/**
 * The five services in one process, wired as `make up` wires them but each with its own bus,
 * pool, logger and metrics registry (as each process has), on the real Kafka and Postgres, with
 * this run's own topic names, schemas and consumer groups (random suffix), all removed on close.
 * Ports are 0; `targets` says where each /metrics is. Used by the exposition test and the
 * Prometheus screenshot script.
 */
import { randomBytes } from "node:crypto";
import { renamedTopics, type TopicKey } from "@rlhf-loop/proto";
import { createKafkaBus, createLogger, createTopicsAndWait, createMetrics, createPool, type Bus, type Metrics, type Pool } from "@rlhf-loop/kit";
import { createApiKey, createIngestionService, createTenant, type IngestionService } from "@rlhf-loop/ingestion";
import { createLabelingService, createRater, type LabelingService } from "@rlhf-loop/labeling";
import { createRewardService, rewardKeys, type RewardOptions, type RewardService } from "@rlhf-loop/reward";
import { createRlTrainerService, grpcReward, policyKeys, type RlTrainerService } from "@rlhf-loop/rl-trainer";
import { canaryKeys, createCanaryService, grpcAnswers, grpcScores, type CanaryService } from "@rlhf-loop/canary";
import { Kafka, logLevel } from "kafkajs";
import type { StackEnv } from "../support/stack-env.js";
import { dropTestData } from "../support/teardown.js";

export const SERVICES = ["ingestion", "labeling", "reward", "rl-trainer", "canary"] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface Target {
  service: ServiceName;
  /** host:port of the HTTP listener that serves /metrics. */
  address: string;
  metrics: Metrics;
}

export interface Cluster {
  suffix: string;
  tenantId: string;
  apiKey: string;
  ingestUrl: string;
  labelingUrl: string;
  rewardUrl: string;
  canaryUrl: string;
  /** Labeling key with the lead role (rubrics, snapshots). */
  leadKey: string;
  /** Operator keys of the tenant for reward (approve), the RL trainer and the canary (sets). */
  rewardKey: string;
  policyKey: string;
  canaryKey: string;
  topics: Record<TopicKey, string>;
  targets: Target[];
  /** host:port of each service's gRPC listener. */
  grpc: Record<ServiceName, string>;
  pool: Pool;
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** Reward service overrides (autoTrain is off unless set: training is minutes of CPU). */
  reward?: Partial<RewardOptions>;
  /** pino level for every service (default silent). */
  logLevel?: string;
}

interface Part {
  name: ServiceName;
  bus: Bus;
  pool: Pool;
  metrics: Metrics;
}

export async function startCluster(env: StackEnv, opts: ClusterOptions = {}): Promise<Cluster> {
  const suffix = randomBytes(4).toString("hex");
  const t = (name: string) => `test.${suffix}.${name}`;
  const topics = renamedTopics(t);
  const schemas: Record<ServiceName, string> = {
    ingestion: `obs_ing_${suffix}`,
    labeling: `obs_lab_${suffix}`,
    reward: `obs_rew_${suffix}`,
    "rl-trainer": `obs_rl_${suffix}`,
    canary: `obs_can_${suffix}`,
  };
  const level = (opts.logLevel ?? process.env["LOG_LEVEL"] ?? "silent") as "silent";
  const parts: Part[] = [];
  const part = (name: ServiceName): Part & { logger: ReturnType<typeof createLogger> } => {
    const logger = createLogger({ service: name, level });
    // The service label and default process metrics exactly as runServiceProcess makes them.
    const metrics = createMetrics({ service: name });
    const pool = createPool({ url: env.databaseUrl, max: 4, applicationName: `obs-${name}`, logger });
    const bus = createKafkaBus({ brokers: env.brokers, clientId: `obs-${name}-${suffix}`, logger, metrics });
    const p = { name, bus, pool, metrics };
    parts.push(p);
    return { ...p, logger };
  };

  const kafka = new Kafka({ clientId: `obs-admin-${suffix}`, brokers: env.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const stops: (() => Promise<void>)[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    for (const p of parts) await p.bus.close().catch(() => undefined);
    // One pool drops every schema; the others only end.
    for (const p of parts.slice(1)) await p.pool.end().catch(() => undefined);
    await dropTestData({ pool: parts[0]?.pool, schemas: Object.values(schemas), admin, topicPrefix: `test.${suffix}.` });
  };

  try {
    await admin.connect();
    // Topics first (as in a deployment), so no consumer joins before its partitions exist.
    const names = Object.values(topics).flatMap((x) => [x, `${x}.dlq`]);
    await createTopicsAndWait(admin, names.map((topic) => ({ topic, numPartitions: 2, replicationFactor: 1 })));

    const ingP = part("ingestion");
    const ing: IngestionService = createIngestionService({
      ...ingP,
      options: { httpPort: 0, grpcPort: 0, dbSchema: schemas.ingestion, topics: { interactions: topics.interactions, feedback: topics.feedback }, consumerGroup: `obs-ing-${suffix}`, consumeFromBeginning: true, shutdownGraceMs: 1_000 },
    });
    const ingPorts = await ing.start();
    stops.push(() => ing.stop());
    const tenantId = `obs-${suffix}`;
    await createTenant(ingP.pool, { schema: schemas.ingestion, tenantId, name: "Observability" });
    const { apiKey } = await createApiKey(ingP.pool, { schema: schemas.ingestion, tenantId });

    const labP = part("labeling");
    const lab: LabelingService = createLabelingService({
      ...labP,
      options: {
        httpPort: 0, grpcPort: 0, dbSchema: schemas.labeling, consumerGroup: `obs-lab-${suffix}`, consumeFromBeginning: true, shutdownGraceMs: 1_000, publishIntervalMs: 500, auditIntervalMs: 0,
        topics: { interactions: topics.interactions, feedback: topics.feedback, pairs: topics.pairs, datasets: topics.datasets },
      },
    });
    const labPorts = await lab.start();
    stops.push(() => lab.stop());
    const serviceKey = await createRater(labP.pool, schemas.labeling, { tenantId, raterId: "reward-service", role: "service" });
    const lead = await createRater(labP.pool, schemas.labeling, { tenantId, raterId: "lead-1", role: "lead" });

    const rewP = part("reward");
    const rew: RewardService = createRewardService({
      ...rewP,
      options: {
        httpPort: 0, grpcPort: 0, dbSchema: schemas.reward, consumerGroup: `obs-rew-${suffix}`, shutdownGraceMs: 1_000, workers: 1, autoTrain: false, tenantId,
        labelingAddress: `127.0.0.1:${labPorts.grpcPort}`, labelingKeys: { "*": serviceKey.key },
        topics: { datasets: topics.datasets, rewardModels: topics.rewardModels, interactions: topics.interactions, feedback: topics.feedback },
        ...opts.reward,
      },
    });
    const rewPorts = await rew.start();
    stops.push(() => rew.stop());
    // Internal callers carry service keys of every tenant; the test drives the APIs as the tenant's operator.
    const star = { tenantId: "*", role: "service" } as const;
    const rewardKey = (await rewardKeys.create(rewP.pool, { schema: schemas.reward, tenantId, role: "operator" })).key;

    const rlP = part("rl-trainer");
    const reward = grpcReward(`127.0.0.1:${rewPorts.grpcPort}`, { key: (await rewardKeys.create(rewP.pool, { ...star, schema: schemas.reward, label: "rl-trainer" })).key });
    const rl: RlTrainerService = createRlTrainerService({
      ...rlP,
      rewardFor: reward.rewardFor,
      options: {
        httpPort: 0, grpcPort: 0, dbSchema: schemas["rl-trainer"], groupPrefix: `obs-rl-${suffix}`,
        topics: { rlRuns: topics.rlRuns, rewardModels: topics.rewardModels, policies: topics.policies, interactions: topics.interactions, canaryReports: topics.canaryReports },
        executor: { checkpointEvery: 2, referenceFit: { epochs: 2, lr: 0.02, temperature: 0.6 }, loggedAnswerLimit: 800, probePrompts: 16, threads: 1 },
      },
    });
    const rlPorts = await rl.start();
    stops.push(async () => {
      await rl.stop();
      reward.close();
    });

    const policyKey = (await policyKeys.create(rlP.pool, { schema: schemas["rl-trainer"], tenantId, role: "operator" })).key;

    const canP = part("canary");
    const answers = grpcAnswers(`127.0.0.1:${rlPorts.grpcPort}`, { key: (await policyKeys.create(rlP.pool, { ...star, schema: schemas["rl-trainer"], label: "canary" })).key });
    const scores = grpcScores(`127.0.0.1:${rewPorts.grpcPort}`, { key: (await rewardKeys.create(rewP.pool, { ...star, schema: schemas.reward, label: "canary" })).key });
    const can: CanaryService = createCanaryService({
      ...canP,
      answers,
      scores,
      options: {
        httpPort: 0, grpcPort: 0, dbSchema: schemas.canary, groupPrefix: `obs-can-${suffix}`, samplesPerTask: 1, bootstrapResamples: 200,
        topics: { interactions: topics.interactions, feedback: topics.feedback, policies: topics.policies, reports: topics.canaryReports },
      },
    });
    const canPorts = await can.start();
    stops.push(async () => {
      await can.stop();
      answers.close();
      scores.close();
    });
    const canaryKey = (await canaryKeys.create(canP.pool, { schema: schemas.canary, tenantId, role: "operator" })).key;

    const at = (port: number) => `127.0.0.1:${port}`;
    const byName = new Map(parts.map((p) => [p.name, p.metrics]));
    const ports: Record<ServiceName, number> = { ingestion: ingPorts.httpPort, labeling: labPorts.httpPort, reward: rewPorts.httpPort, "rl-trainer": rlPorts.httpPort, canary: canPorts.httpPort };
    return {
      suffix,
      tenantId,
      apiKey,
      leadKey: lead.key,
      rewardKey,
      policyKey,
      canaryKey,
      ingestUrl: `http://${at(ingPorts.httpPort)}`,
      labelingUrl: `http://${at(labPorts.httpPort)}`,
      rewardUrl: `http://${at(rewPorts.httpPort)}`,
      canaryUrl: `http://${at(canPorts.httpPort)}`,
      topics,
      targets: SERVICES.map((service) => ({ service, address: at(ports[service]), metrics: byName.get(service)! })),
      grpc: { ingestion: at(ingPorts.grpcPort), labeling: at(labPorts.grpcPort), reward: at(rewPorts.grpcPort), "rl-trainer": at(rlPorts.grpcPort), canary: at(canPorts.grpcPort) },
      pool: ingP.pool,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** GET http://address/metrics as text, failing on a non-200 answer. */
export async function scrape(address: string): Promise<{ contentType: string; text: string }> {
  const res = await fetch(`http://${address}/metrics`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${address}/metrics answered ${res.status}: ${text.slice(0, 200)}`);
  return { contentType: res.headers.get("content-type") ?? "", text };
}
