// Cluster mode: the real Kafka broker and Postgres on loopback, each service its own process, with
// per-run schemas, topics and consumer groups so a run starts from nothing on a shared broker.
import type { ChildProcess } from "node:child_process";
import { migrateIngestion, createApiKey, createTenant } from "@rlhf-loop/ingestion";
import { createKafkaBus, createLogger, createMetrics, createPool, freePort } from "@rlhf-loop/kit";
import { createRater, migrateLabeling } from "@rlhf-loop/labeling";
import { canaryKeys, migrateCanary } from "@rlhf-loop/canary";
import { migrateReward, rewardKeys } from "@rlhf-loop/reward";
import { migrateRlTrainer, policyKeys } from "@rlhf-loop/rl-trainer";
import { allTopicNames, renamedTopics } from "@rlhf-loop/proto";
import type { World } from "@rlhf-loop/sim";
import { ensureInfra, infraEnv, startService, stopChild, stopInfra, waitReady } from "./processes.js";
import type { LoopStack } from "./stack.js";

export async function startClusterStack(_world: World, tenantId: string, say: (line: string) => void): Promise<LoopStack> {
  const startedInfra = ensureInfra(say);
  const infra = infraEnv();
  const id = `demo${Date.now().toString(36)}`;
  const t = (name: string) => `${id}.${name}`;
  const topic = renamedTopics(t);
  const schema = { ingestion: `${id}_ingestion`, labeling: `${id}_labeling`, reward: `${id}_reward`, rl: `${id}_rl`, canary: `${id}_canary` };
  const logger = createLogger({ service: "demo", level: "error" });
  const pool = createPool({ url: infra["DATABASE_URL"]!, max: 8, applicationName: "demo", logger });
  const bus = createKafkaBus({ brokers: infra["KAFKA_BROKERS"]!.split(","), clientId: id, logger, metrics: createMetrics({ service: "demo", defaultMetrics: false }) });
  const children: { name: string; child: ChildProcess }[] = [];
  const stop = async () => {
    for (const c of children.splice(0).reverse()) await stopChild(c.child);
    await bus.close().catch(() => undefined);
    for (const s of Object.values(schema)) await pool.query(`drop schema if exists "${s}" cascade`).catch(() => undefined);
    await pool.end().catch(() => undefined);
    if (startedInfra) stopInfra();
  };
  try {
    // Topics exist before any consumer joins, as in a deployment.
    await bus.ensureTopics(allTopicNames().map((n) => t(n)));
    await migrateIngestion(pool, { schema: schema.ingestion });
    await createTenant(pool, { schema: schema.ingestion, tenantId, name: "Northwind support (simulated)", ratePerSec: 50_000, burst: 100_000 });
    const apiKey = (await createApiKey(pool, { schema: schema.ingestion, tenantId, label: "demo" })).apiKey;
    await migrateLabeling(pool, { schema: schema.labeling });
    const lead = await createRater(pool, schema.labeling, { tenantId, raterId: "demo-lead", role: "lead" });
    const rewardKey = await createRater(pool, schema.labeling, { tenantId, raterId: "reward-service", role: "service" });
    // Reward, the RL trainer and the canary ask every caller for a key: their tables exist before
    // they start, so the keys are made here (service keys of every tenant for the internal callers).
    await migrateReward(pool, { schema: schema.reward });
    await migrateRlTrainer(pool, { schema: schema.rl });
    await migrateCanary(pool, { schema: schema.canary });
    const star = { tenantId: "*", role: "service" } as const;
    const rlRewardKey = (await rewardKeys.create(pool, { ...star, schema: schema.reward, label: "demo rl-trainer" })).key;
    const canaryRewardKey = (await rewardKeys.create(pool, { ...star, schema: schema.reward, label: "demo canary" })).key;
    const canaryPolicyKey = (await policyKeys.create(pool, { ...star, schema: schema.rl, label: "demo canary" })).key;
    const policyKey = (await policyKeys.create(pool, { tenantId, role: "operator", schema: schema.rl, label: "demo" })).key;
    const canaryKey = (await canaryKeys.create(pool, { tenantId, role: "operator", schema: schema.canary, label: "demo" })).key;

    const port = async () => String(await freePort());
    const ports = { ingestion: await port(), labeling: await port(), labelingGrpc: await port(), reward: await port(), rewardGrpc: await port(), rl: await port(), rlGrpc: await port(), canary: await port(), canaryGrpc: await port() };
    const common = { DATABASE_URL: infra["DATABASE_URL"]!, KAFKA_BROKERS: infra["KAFKA_BROKERS"]!, LOG_LEVEL: process.env["LOG_LEVEL"] ?? "warn" };
    const services: { name: string; entry: string; url: string; env: Record<string, string> }[] = [
      { name: "ingestion", entry: "services/ingestion/src/main.ts", url: `http://127.0.0.1:${ports.ingestion}`, env: { INGEST_HTTP_HOST: "127.0.0.1", INGEST_HTTP_PORT: ports.ingestion, INGEST_GRPC_HOST: "127.0.0.1", INGEST_GRPC_PORT: await port(), INGEST_DB_SCHEMA: schema.ingestion, INGEST_TOPIC_INTERACTIONS: topic.interactions, INGEST_TOPIC_FEEDBACK: topic.feedback, INGEST_CONSUMER_GROUP: `${id}-ingestion` } },
      { name: "labeling", entry: "services/labeling/src/main.ts", url: `http://127.0.0.1:${ports.labeling}`, env: { LABELING_HTTP_HOST: "127.0.0.1", LABELING_HTTP_PORT: ports.labeling, LABELING_GRPC_HOST: "127.0.0.1", LABELING_GRPC_PORT: ports.labelingGrpc, LABELING_DB_SCHEMA: schema.labeling, LABELING_TOPIC_INTERACTIONS: topic.interactions, LABELING_TOPIC_FEEDBACK: topic.feedback, LABELING_TOPIC_PAIRS: topic.pairs, LABELING_TOPIC_DATASETS: topic.datasets, LABELING_CONSUMER_GROUP: `${id}-labeling`, LABELING_AUDIT_INTERVAL: "0s" } },
      { name: "reward", entry: "services/reward/src/main.ts", url: `http://127.0.0.1:${ports.reward}`, env: { REWARD_HTTP_HOST: "127.0.0.1", REWARD_HTTP_PORT: ports.reward, REWARD_GRPC_HOST: "127.0.0.1", REWARD_GRPC_PORT: ports.rewardGrpc, REWARD_LABELING_ADDRESS: `127.0.0.1:${ports.labelingGrpc}`, REWARD_LABELING_KEYS: `${tenantId}=${rewardKey.key}`, REWARD_DB_SCHEMA: schema.reward, REWARD_CONSUMER_GROUP: `${id}-reward`, REWARD_TOPIC_DATASETS: topic.datasets, REWARD_TOPIC_REWARD_MODELS: topic.rewardModels, REWARD_TOPIC_INTERACTIONS: topic.interactions, REWARD_TOPIC_FEEDBACK: topic.feedback, REWARD_TENANT_ID: tenantId, REWARD_WORKERS: "1" } },
      { name: "rl-trainer", entry: "services/rl-trainer/src/main.ts", url: `http://127.0.0.1:${ports.rl}`, env: { HOST: "127.0.0.1", PORT: ports.rl, GRPC_PORT: ports.rlGrpc, REWARD_GRPC_ADDRESS: `127.0.0.1:${ports.rewardGrpc}`, RL_REWARD_KEY: rlRewardKey, RL_DB_SCHEMA: schema.rl, RL_TOPIC_RL_RUNS: topic.rlRuns, RL_TOPIC_POLICIES: topic.policies, RL_TOPIC_REWARD_MODELS: topic.rewardModels, RL_TOPIC_INTERACTIONS: topic.interactions, RL_TOPIC_CANARY_REPORTS: topic.canaryReports, RL_GROUP_PREFIX: `${id}-rl`, RL_JUDGE: "sim", RL_THREADS: "1" } },
      { name: "canary", entry: "services/canary/src/main.ts", url: `http://127.0.0.1:${ports.canary}`, env: { HOST: "127.0.0.1", PORT: ports.canary, GRPC_PORT: ports.canaryGrpc, POLICY_GRPC_ADDRESS: `127.0.0.1:${ports.rlGrpc}`, REWARD_GRPC_ADDRESS: `127.0.0.1:${ports.rewardGrpc}`, CANARY_REWARD_KEY: canaryRewardKey, CANARY_POLICY_KEY: canaryPolicyKey, CANARY_DB_SCHEMA: schema.canary, CANARY_JUDGE: "sim", CANARY_CHECKS: "sim-support", CANARY_TOPIC_INTERACTIONS: topic.interactions, CANARY_TOPIC_FEEDBACK: topic.feedback, CANARY_TOPIC_POLICIES: topic.policies, CANARY_TOPIC_REPORTS: topic.canaryReports, CANARY_GROUP_PREFIX: `${id}-canary` } },
    ];
    for (const s of services) {
      const child = startService(s.name, s.entry, { ...common, ...s.env });
      children.push({ name: s.name, child });
      say(`   ${s.name}: pid ${child.pid}, ${s.url}`);
    }
    for (const s of services) await waitReady(s.name, s.url, children.find((c) => c.name === s.name)!.child, 120_000);
    return {
      mode: "cluster",
      tenantId,
      ingestUrl: services[0]!.url,
      apiKey,
      labelingUrl: services[1]!.url,
      labelingLeadKey: lead.key,
      labelingSchema: schema.labeling,
      rewardGrpc: `127.0.0.1:${ports.rewardGrpc}`,
      rlUrl: services[3]!.url,
      rlGrpc: `127.0.0.1:${ports.rlGrpc}`,
      policyKey,
      canaryUrl: services[4]!.url,
      canaryKey,
      databaseUrl: infra["DATABASE_URL"]!,
      pool,
      bus,
      topics: { rewardModels: topic.rewardModels, rlRuns: topic.rlRuns, canaryReports: topic.canaryReports },
      consumers: [
        { groupId: `${id}-labeling`, topics: [topic.interactions, topic.feedback] },
        { groupId: `${id}-canary.interactions`, topics: [topic.interactions] },
        { groupId: `${id}-canary.feedback`, topics: [topic.feedback] },
        { groupId: `${id}-rl.interactions`, topics: [topic.interactions] },
      ],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
