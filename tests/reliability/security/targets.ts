/**
 * The five services as fuzz and tenancy targets: each started in-process (ports 0) on the shared
 * broker and database with its own schema, topics and consumer group, through the same harnesses
 * the services' own tests use. A target knows its fastify instance (routes are enumerated from it),
 * its gRPC services (from @rlhf-loop/proto), credentials that pass auth, and how to count what it stored.
 */
import { randomBytes } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import { createKafkaBus, createLogger, createMetrics, createPool } from "@rlhf-loop/kit";
import type { KeyRole, Pool, ServiceKeys } from "@rlhf-loop/kit";
import { Canary, FeedbackIngest, Labeling, Policy, Reward } from "@rlhf-loop/proto";
import { canaryKeys, createCanaryService } from "@rlhf-loop/canary";
import { rewardKeys } from "@rlhf-loop/reward";
import { createRlTrainerService, policyKeys } from "@rlhf-loop/rl-trainer";
import type { FastifyInstance } from "fastify";
import { Kafka, logLevel } from "kafkajs";

import { startHarness as startIngestion } from "../../ingestion/harness.js";
import { startHarness as startLabeling } from "../../labeling/harness.js";
import { startHarness as startReward } from "../../reward/harness.js";
import { stackEnv } from "../../support/stack-env.js";
import { dropTestData } from "../../support/teardown.js";

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
  /** `authorization` values that pass authentication (keys of tenant t1 and of every tenant). */
  keys: readonly string[];
  /** Issues a key of this service (reward, rl-trainer, canary: their own api_keys; absent elsewhere). */
  makeKey?: (tenantId: string, role: KeyRole) => Promise<string>;
  /** Rows in every table of the service's schema, plus records on its own topics where it writes any. */
  stored(): Promise<number>;
  /** Valid bodies per route ("POST /v1/x"), mutated one field at a time to reach past validation. */
  samples: Record<string, unknown[]>;
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
    samples: ingestionSamples(),
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
    samples: {
      "POST /v1/rubrics": [{ version: "v1", title: "Support", instructions: "Pick the better answer", criteria: [{ name: "policy", description: "Followed policy" }], changeNote: "first" }],
      "POST /v1/review/judgments": [{ taskId: "t-1", choice: "a", rubricVersion: "v1", criteria: [{ criterion: "policy", aMet: true, bMet: false }], comment: "ok" }],
      "POST /v1/review/gold": [{ interactionA: "i-1", interactionB: "i-2", gold: "a" }],
      "POST /v1/raters": [{ raterId: "r-new", role: "expert", name: "New" }],
      "POST /v1/datasets": [{ name: "ds", from: "2024-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z", sources: ["expert"], policy: { raterCapPerWindow: 10, raterWindowSeconds: 3600, heavyShareMax: 0.5, segmentTargets: { smb: 0.5 } } }],
      "POST /v1/audits": [{ from: "2024-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }],
    },
    stored: () => rowCount(h.pool, h.schema),
    close: () => h.close(),
  };
}

/** A key maker over a service's api_keys table (the schema's migrations have run). */
function keyMaker(keys: ServiceKeys, pool: Pool, schema: string): (tenantId: string, role: KeyRole) => Promise<string> {
  return async (tenantId, role) => (await keys.create(pool, { schema, tenantId, role, label: "security-suite" })).key;
}

/** The keys the fuzzer sends: an operator of tenant t1 (the samples' tenant) and a service key of every tenant. */
async function fuzzKeys(make: (tenantId: string, role: KeyRole) => Promise<string>): Promise<string[]> {
  return [`Bearer ${await make("t1", "operator")}`, `Bearer ${await make("*", "service")}`];
}

async function reward(): Promise<Target> {
  const h = await startReward(stackEnv());
  const makeKey = keyMaker(rewardKeys, h.pool, h.schema);
  return {
    name: "reward",
    http: h.service.http,
    baseUrl: h.baseUrl,
    grpcAddress: h.grpcAddress,
    grpcServices: [Reward],
    pool: h.pool,
    schema: h.schema,
    keys: await fuzzKeys(makeKey),
    makeKey,
    samples: {
      "POST /get_reward": [{ query: ["Q: where is my refund? A: within 5 days"], prompts: ["where is my refund?"], model_id: "" }],
      "POST /v1/models/:id/approve": [{ force: true }, {}],
    },
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
    await dropTestData({ pool, schemas: [schema], admin, topicPrefix: `test.${suffix}.` });
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
    const makeKey = keyMaker(policyKeys, d.pool, schema);
    return {
      name: "rl-trainer",
      http: svc.http,
      baseUrl: `http://127.0.0.1:${ports.httpPort}`,
      grpcAddress: `127.0.0.1:${ports.grpcPort}`,
      grpcServices: [Policy],
      pool: d.pool,
      schema,
      keys: await fuzzKeys(makeKey),
      makeKey,
      samples: {},
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
  // Reward models named "<tenant>-rm" belong to that tenant; any other id is unknown.
  const scores = {
    score: async (_m: string, rows: readonly unknown[]) => rows.map(() => 0),
    modelTenant: async (modelId: string) => (modelId.endsWith("-rm") ? modelId.slice(0, -3) : undefined),
    close: () => undefined,
  };
  const svc = createCanaryService({
    bus: d.bus, pool: d.pool, logger: d.logger, metrics: d.metrics, answers, scores,
    options: { dbSchema: schema, topics, groupPrefix: `canary-sec-${d.suffix}`, httpPort: 0, grpcPort: 0, samplesPerTask: 1, bootstrapResamples: 50, autoRun: false },
  });
  try {
    const ports = await svc.start();
    const makeKey = keyMaker(canaryKeys, d.pool, schema);
    return {
      name: "canary",
      http: svc.http,
      baseUrl: `http://127.0.0.1:${ports.httpPort}`,
      grpcAddress: `127.0.0.1:${ports.grpcPort}`,
      grpcServices: [Canary],
      pool: d.pool,
      schema,
      keys: await fuzzKeys(makeKey),
      makeKey,
      samples: {
        "POST /v1/canary-sets": [
          { tenantId: "t1", jsonl: `${JSON.stringify({ prompt: "Where is my refund?", intent: "refund" })}\n${JSON.stringify({ prompt: "Reset my password" })}` },
          { tenantId: "t1", fromTraffic: { size: 10, seed: 1, sinceDays: 7, checks: "sim-support" } },
        ],
        "POST /v1/canary-runs": [{ tenantId: "t1", candidateVersion: "v1", canarySetId: "", rewardModelId: "" }],
        "POST /v1/tenants/:tenant/track": [{ at: "2025-03-03T00:00:00Z" }],
      },
      stored: async () => (await rowCount(d.pool, schema)) + (await topicRecords(d.admin, [topics.reports])),
      close: () => d.cleanup(schema, () => svc.stop()),
    };
  } catch (err) {
    await d.cleanup(schema, () => svc.stop());
    throw err;
  }
}

export const startIngestionTarget = ingestion;

/** Valid ingestion bodies (the proto3 JSON of rlhf.v1), as the SDK sends them. */
function ingestionSamples(): Record<string, unknown[]> {
  const ix = { interactionId: "s-1", conversationId: "c-1", turnIndex: 1, prompt: [{ role: "ROLE_USER", content: "Where is my refund?" }], answer: "Within 5 days.", modelVersion: "m1", segment: "smb", occurredAt: "2024-05-01T10:00:00Z", metadata: { channel: "web" } };
  const thumb = { interactionId: "s-1", source: "FEEDBACK_SOURCE_END_USER", thumb: { direction: "THUMB_DIRECTION_UP" }, raterId: "u1", comment: "thanks" };
  const rating = { interactionId: "s-1", source: "FEEDBACK_SOURCE_EXPERT", rating: { score: 4, scaleMin: 1, scaleMax: 5 }, reasonCodes: ["ok"] };
  const comparison = { interactionId: "s-1", source: "FEEDBACK_SOURCE_QA", comparison: { otherInteractionId: "s-2", choice: "COMPARISON_CHOICE_THIS" } };
  const outcome = { interactionId: "s-1", outcome: { kind: "OUTCOME_KIND_REFUND", amountMinor: "500", currency: "EUR" }, occurredAt: "2024-05-01T11:00:00Z" };
  return {
    "POST /v1/interactions": [ix],
    "POST /v1/feedback": [thumb, rating, comparison],
    "POST /v1/outcomes": [outcome],
    "POST /v1/events:batch": [{ events: [{ interaction: ix }, { feedback: thumb }, { outcome }] }],
  };
}

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
