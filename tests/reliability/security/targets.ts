/**
 * The five services as fuzz and tenancy targets: each started in-process (ports 0) on the shared
 * broker and database with its own schema, topics and consumer group, through the same harnesses
 * the services' own tests use. A target knows its fastify instance (routes are enumerated from it),
 * its gRPC services (from @rlhf-loop/proto), credentials that pass auth, and how to count what it stored.
 */
import { randomBytes } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import { createKafkaBus, createLogger, createMetrics, createPool } from "@rlhf-loop/kit";
import type { Pool } from "@rlhf-loop/kit";
import { Canary, FeedbackIngest, Labeling, Policy, Reward } from "@rlhf-loop/proto";
import { createCanaryService } from "@rlhf-loop/canary";
import { createRlTrainerService } from "@rlhf-loop/rl-trainer";
import type { FastifyInstance } from "fastify";
import { Kafka, logLevel } from "kafkajs";

import { startHarness as startIngestion } from "../../ingestion/harness.js";
import { startHarness as startLabeling } from "../../labeling/harness.js";
import { startHarness as startReward } from "../../reward/harness.js";
import { stackEnv } from "../../support/stack-env.js";

export type ServiceName = "ingestion" | "labeling" | "reward" | "rl-trainer" | "canary";
export const SERVICE_NAMES: readonly ServiceName[] = ["ingestion", "labeling", "reward", "rl-trainer", "canary"];

export interface Target {
  name: ServiceName;
  http: FastifyInstance;
  baseUrl: string;
  grpcAddress: string;
  /** The gRPC services this process serves (every method is fuzzed). */
  grpcServices: readonly DescService[];
  pool: Pool;
  schema: string;
  /** `authorization` values that pass authentication (empty where the service has none). */
  keys: readonly string[];
  /** Rows in every table of the service's schema, plus records on its own topics where it writes any. */
  stored(): Promise<number>;
  close(): Promise<void>;
}

/** Sum of row counts over every table of a schema (one statement). */
export async function rowCount(pool: Pool, schema: string): Promise<number> {
  const tables = await pool.query<{ table_name: string }>(
    "select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' and table_name not like '%migrations%'",
    [schema],
  );
  if (tables.rows.length === 0) return 0;
  const sql = tables.rows.map((t) => `select count(*)::int as n from "${schema}"."${t.table_name}"`).join(" union all ");
  const r = await pool.query<{ n: number }>(sql);
  return r.rows.reduce((s, x) => s + x.n, 0);
}

async function topicRecords(admin: ReturnType<Kafka["admin"]>, topics: readonly string[]): Promise<number> {
  // A topic auto-created a moment ago may not have a leader yet: retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      return await topicRecordsOnce(admin, topics);
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function topicRecordsOnce(admin: ReturnType<Kafka["admin"]>, topics: readonly string[]): Promise<number> {
  const existing = new Set(await admin.listTopics());
  let n = 0;
  for (const t of topics) {
    if (!existing.has(t)) continue;
    for (const p of await admin.fetchTopicOffsets(t)) n += Number(BigInt(p.high) - BigInt(p.low));
  }
  return n;
}

async function ingestion(): Promise<Target & { tenantId: string; otherTenantId: string; otherKey: string; metricsText(): Promise<string> }> {
  const h = await startIngestion({ persist: true });
  const env = stackEnv();
  const kafka = new Kafka({ clientId: `sec-ing-${randomBytes(3).toString("hex")}`, brokers: env.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  return {
    name: "ingestion",
    http: h.service.http,
    baseUrl: h.baseUrl,
    grpcAddress: h.grpcAddress,
    grpcServices: [FeedbackIngest],
    pool: h.pool,
    schema: h.schema,
    keys: [`Bearer ${h.apiKey}`],
    tenantId: h.tenantId,
    otherTenantId: h.otherTenantId,
    otherKey: h.otherApiKey,
    metricsText: async () => (await fetch(`${h.baseUrl}/metrics`)).text(),
    async stored() {
      return (await rowCount(h.pool, h.schema)) + (await topicRecords(admin, [h.topics.interactions, h.topics.feedback, `${h.topics.interactions}.dlq`, `${h.topics.feedback}.dlq`]));
    },
    async close() {
      await admin.disconnect().catch(() => undefined);
      await h.close();
    },
  };
}

async function labeling(): Promise<Target> {
  const h = await startLabeling();
  const expert = await h.rater("expert-1", "expert");
  const service = await h.rater("svc-1", "service");
  return {
    name: "labeling",
    http: h.service.http,
    baseUrl: h.baseUrl,
    grpcAddress: h.grpcAddress,
    grpcServices: [Labeling],
    pool: h.pool,
    schema: h.schema,
    keys: [`Bearer ${h.leadKey}`, `Bearer ${expert}`, `Bearer ${service}`],
    stored: () => rowCount(h.pool, h.schema),
    close: () => h.close(),
  };
}

async function reward(): Promise<Target> {
  const h = await startReward(stackEnv());
  return {
    name: "reward",
    http: h.service.http,
    baseUrl: h.baseUrl,
    grpcAddress: h.grpcAddress,
    grpcServices: [Reward],
    pool: h.pool,
    schema: h.schema,
    keys: [],
    stored: () => rowCount(h.pool, h.schema),
    close: () => h.close(),
  };
}

/** rl-trainer and canary have no test harness module; built here as their own tests build them. */
async function ownDeps(name: string) {
  const env = stackEnv();
  const suffix = randomBytes(4).toString("hex");
  const logger = createLogger({ service: `${name}-sec`, level: "silent" });
  const metrics = createMetrics({ service: `${name}-sec`, defaultMetrics: false });
  const pool = createPool({ url: env.databaseUrl, max: 4, applicationName: `${name}-sec`, logger });
  const bus = createKafkaBus({ brokers: env.brokers, clientId: `${name}-sec-${suffix}`, logger, metrics });
  const kafka = new Kafka({ clientId: `${name}-sec-admin-${suffix}`, brokers: env.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const cleanup = async (schema: string, stop: () => Promise<void>) => {
    await stop().catch(() => undefined);
    await bus.close().catch(() => undefined);
    await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await pool.end().catch(() => undefined);
    const mine = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(`test.${suffix}.`));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  };
  return { suffix, logger, metrics, pool, bus, admin, cleanup };
}

async function rlTrainer(): Promise<Target> {
  const d = await ownDeps("rl-trainer");
  const schema = `rl_trainer_sec_${d.suffix}`;
  const t = (n: string) => `test.${d.suffix}.${n}`;
  const topics = { rlRuns: t("rl-runs"), rewardModels: t("reward-models"), policies: t("policies"), interactions: t("interactions"), canaryReports: t("canary-reports") };
  // consumeRuns off: a StartRun the fuzzer gets accepted is queued, never trained on this machine.
  const svc = createRlTrainerService({
    bus: d.bus, pool: d.pool, logger: d.logger, metrics: d.metrics,
    rewardFor: async () => async (rows) => rows.map(() => 0),
    options: { dbSchema: schema, topics, groupPrefix: `rl-trainer-sec-${d.suffix}`, httpPort: 0, grpcPort: 0, consumeRuns: false },
  });
  try {
    const ports = await svc.start();
    return {
      name: "rl-trainer",
      http: svc.http,
      baseUrl: `http://127.0.0.1:${ports.httpPort}`,
      grpcAddress: `127.0.0.1:${ports.grpcPort}`,
      grpcServices: [Policy],
      pool: d.pool,
      schema,
      keys: [],
      stored: async () => (await rowCount(d.pool, schema)) + (await topicRecords(d.admin, [topics.rlRuns, topics.policies])),
      close: () => d.cleanup(schema, () => svc.stop()),
    };
  } catch (err) {
    await d.cleanup(schema, () => svc.stop());
    throw err;
  }
}

async function canary(): Promise<Target> {
  const d = await ownDeps("canary");
  const schema = `canary_sec_${d.suffix}`;
  const t = (n: string) => `test.${d.suffix}.${n}`;
  const topics = { interactions: t("interactions"), feedback: t("feedback"), policies: t("policies"), reports: t("canary-reports") };
  // Deterministic stand-ins for Policy and Reward: a run the fuzzer starts finishes quickly.
  const answers = { generate: async (_v: string, prompts: readonly string[], samples: number) => prompts.map(() => Array.from({ length: samples }, () => "ok")), close: () => undefined };
  const scores = { score: async (_m: string, rows: readonly unknown[]) => rows.map(() => 0), close: () => undefined };
  const svc = createCanaryService({
    bus: d.bus, pool: d.pool, logger: d.logger, metrics: d.metrics, answers, scores,
    options: { dbSchema: schema, topics, groupPrefix: `canary-sec-${d.suffix}`, httpPort: 0, grpcPort: 0, samplesPerTask: 1, bootstrapResamples: 50, autoRun: false },
  });
  try {
    const ports = await svc.start();
    return {
      name: "canary",
      http: svc.http,
      baseUrl: `http://127.0.0.1:${ports.httpPort}`,
      grpcAddress: `127.0.0.1:${ports.grpcPort}`,
      grpcServices: [Canary],
      pool: d.pool,
      schema,
      keys: [],
      stored: async () => (await rowCount(d.pool, schema)) + (await topicRecords(d.admin, [topics.reports])),
      close: () => d.cleanup(schema, () => svc.stop()),
    };
  } catch (err) {
    await d.cleanup(schema, () => svc.stop());
    throw err;
  }
}

export const startIngestionTarget = ingestion;

export function startTarget(name: ServiceName): Promise<Target> {
  switch (name) {
    case "ingestion":
      return ingestion();
    case "labeling":
      return labeling();
    case "reward":
      return reward();
    case "rl-trainer":
      return rlTrainer();
    case "canary":
      return canary();
  }
}
