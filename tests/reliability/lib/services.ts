/**
 * The later services (labeling, reward, rl-trainer, canary) as production processes beside an
 * ingestion deployment: their env (own schemas, topics and groups under the deployment's suffix,
 * small settings so a scenario stays within minutes), and the few API calls a scenario makes.
 * Work is triggered through Kafka topics wherever the services allow it; the two calls that have
 * no topic (a labeling snapshot, a canary set) and every API key (`makeKeys`) are in this file.
 */
import { canaryKeys, migrateCanary } from "@rlhf-loop/canary";
import { createRater, migrateLabeling } from "@rlhf-loop/labeling";
import { migrateReward, rewardKeys } from "@rlhf-loop/reward";
import { migrateRlTrainer, policyKeys } from "@rlhf-loop/rl-trainer";
import { createTopicsAndWait, type Pool } from "@rlhf-loop/kit";
import { renamedTopics, type TopicKey } from "@rlhf-loop/proto";
import { Kafka, logLevel } from "kafkajs";
import { freePort, ServiceProcess, type Deployment } from "./procs.js";
import type { StackEndpoints } from "./stack.js";

export type LoopTopics = Record<TopicKey, string>;

export interface LoopNames {
  tenantId: string;
  topics: LoopTopics;
  schemas: { labeling: string; reward: string; rl: string; canary: string };
  groups: { labeling: string; reward: string; rl: string; canary: string };
}

/** Names for the later services under the deployment's suffix (dropped with it: topics `rel.<suffix>.*`). */
export function loopNames(dep: Deployment): LoopNames {
  const s = dep.suffix;
  const t = (n: string) => `rel.${s}.${n}`;
  return {
    tenantId: dep.tenantId,
    topics: { ...renamedTopics(t), interactions: dep.topics.interactions, feedback: dep.topics.feedback },
    schemas: { labeling: `rel_${s}_labeling`, reward: `rel_${s}_reward`, rl: `rel_${s}_rl`, canary: `rel_${s}_canary` },
    groups: { labeling: `rel-${s}-labeling`, reward: `rel-${s}-reward`, rl: `rel-${s}-rl`, canary: `rel-${s}-canary` },
  };
}

/** Every topic (and DLQ twin) exists before a consumer joins, as in a deployment. */
export async function ensureLoopTopics(brokers: string, topics: LoopTopics): Promise<void> {
  const admin = new Kafka({ clientId: "reliability-topics", brokers: brokers.split(","), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const have = new Set(await admin.listTopics());
    const want = Object.values(topics).flatMap((t) => [t, `${t}.dlq`]).filter((t) => !have.has(t));
    await createTopicsAndWait(admin, want.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Every API key the processes and this suite need, made as an operator would (`rlhf <service>
 * keys create`) straight in each service's schema, migrated first: labeling's lead (snapshots) and
 * service key (reward reads snapshots), reward keys for the RL trainer and the canary, a Policy key
 * for the canary, and a canary operator key (canary sets). The only place the suite deals in keys.
 */
async function makeKeys(pool: Pool, names: LoopNames) {
  const { schemas, tenantId } = names;
  await migrateLabeling(pool, { schema: schemas.labeling });
  await migrateReward(pool, { schema: schemas.reward });
  await migrateRlTrainer(pool, { schema: schemas.rl });
  await migrateCanary(pool, { schema: schemas.canary });
  const lead = await createRater(pool, schemas.labeling, { tenantId, raterId: "reliability-lead", role: "lead" });
  const labelingService = await createRater(pool, schemas.labeling, { tenantId, raterId: "reward-service", role: "service" });
  const every = { tenantId: "*", role: "service" } as const;
  return {
    labelingLead: lead.key,
    env: {
      reward: { REWARD_LABELING_KEYS: `${tenantId}=${labelingService.key}` },
      rl: { RL_REWARD_KEY: (await rewardKeys.create(pool, { ...every, schema: schemas.reward, label: "reliability rl-trainer" })).key },
      canary: {
        CANARY_REWARD_KEY: (await rewardKeys.create(pool, { ...every, schema: schemas.reward, label: "reliability canary" })).key,
        CANARY_POLICY_KEY: (await policyKeys.create(pool, { ...every, schema: schemas.rl, label: "reliability canary" })).key,
      },
    },
    canaryOperator: (await canaryKeys.create(pool, { tenantId, role: "operator", schema: schemas.canary, label: "reliability" })).key,
  };
}

const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

export interface LoopProcesses {
  labeling: ServiceProcess;
  reward: ServiceProcess;
  rl: ServiceProcess;
  canary: ServiceProcess;
  /** Labeling lead key (snapshots). */
  labelingLeadKey: string;
  /** Canary operator key of the tenant (canary sets). */
  canaryKey: string;
  grpc: { labeling: string; reward: string; rl: string };
}

export interface LoopSettings {
  /** Labeling pairs each vote with up to this many opposite votes (max 100): large, so the pairs do not depend on arrival order. */
  partnersPerVote: number;
  rewardMaxEpochs: number;
  rlCheckpointEvery: number;
  canarySamplesPerTask: number;
  canaryBootstrapResamples: number;
}

export const DEFAULT_LOOP_SETTINGS: LoopSettings = { partnersPerVote: 100, rewardMaxEpochs: 6, rlCheckpointEvery: 2, canarySamplesPerTask: 2, canaryBootstrapResamples: 200 };

/**
 * Migrates the four schemas and makes the keys (`makeKeys`), then defines the four processes;
 * none is started. gRPC ports are fixed so a restarted process keeps
 * the address its callers have.
 */
export async function defineLoopProcesses(o: { endpoints: StackEndpoints; pool: Pool; names: LoopNames; logDir: string; settings?: Partial<LoopSettings> }): Promise<LoopProcesses> {
  const { names } = o;
  const set = { ...DEFAULT_LOOP_SETTINGS, ...o.settings };
  const keys = await makeKeys(o.pool, names);
  const grpc = { labeling: `127.0.0.1:${await freePort()}`, reward: `127.0.0.1:${await freePort()}`, rl: `127.0.0.1:${await freePort()}`, canary: `127.0.0.1:${await freePort()}` };
  const port = (a: string) => a.split(":")[1]!;
  const common: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: o.endpoints.databaseUrl,
    KAFKA_BROKERS: o.endpoints.brokers,
    LOG_LEVEL: process.env["RELIABILITY_LOG_LEVEL"] ?? "warn",
  };
  const t = names.topics;
  const proc = async (name: string, entry: string, portEnv: string, env: Record<string, string>) =>
    new ServiceProcess(name, await freePort(), { ...common, ...env }, `${o.logDir}/consumers-${name}.log`, entry, portEnv);
  return {
    labelingLeadKey: keys.labelingLead,
    canaryKey: keys.canaryOperator,
    grpc,
    labeling: await proc("labeling", "services/labeling/src/main.ts", "LABELING_HTTP_PORT", {
      LABELING_HTTP_HOST: "127.0.0.1", LABELING_GRPC_HOST: "127.0.0.1", LABELING_GRPC_PORT: port(grpc.labeling),
      LABELING_DB_SCHEMA: names.schemas.labeling, LABELING_DB_POOL_MAX: "4", LABELING_CONSUMER_GROUP: names.groups.labeling,
      LABELING_TOPIC_INTERACTIONS: t.interactions, LABELING_TOPIC_FEEDBACK: t.feedback, LABELING_TOPIC_PAIRS: t.pairs, LABELING_TOPIC_DATASETS: t.datasets,
      LABELING_AUDIT_INTERVAL: "0s", LABELING_SHUTDOWN_GRACE: "2s", LABELING_PARTNERS_PER_VOTE: String(set.partnersPerVote),
    }),
    reward: await proc("reward", "services/reward/src/main.ts", "REWARD_HTTP_PORT", {
      REWARD_HTTP_HOST: "127.0.0.1", REWARD_GRPC_HOST: "127.0.0.1", REWARD_GRPC_PORT: port(grpc.reward),
      REWARD_LABELING_ADDRESS: grpc.labeling, ...keys.env.reward,
      REWARD_DB_SCHEMA: names.schemas.reward, REWARD_DB_POOL_MAX: "4", REWARD_CONSUMER_GROUP: names.groups.reward,
      REWARD_TOPIC_DATASETS: t.datasets, REWARD_TOPIC_REWARD_MODELS: t.rewardModels, REWARD_TOPIC_INTERACTIONS: t.interactions, REWARD_TOPIC_FEEDBACK: t.feedback,
      // info: the scenario waits for the "training reward model" line to kill during the fit.
      LOG_LEVEL: "info", REWARD_TENANT_ID: names.tenantId, REWARD_WORKERS: "1", REWARD_MAX_EPOCHS: String(set.rewardMaxEpochs), REWARD_SHUTDOWN_GRACE: "2s",
    }),
    rl: await proc("rl-trainer", "services/rl-trainer/src/main.ts", "PORT", {
      HOST: "127.0.0.1", GRPC_PORT: port(grpc.rl), REWARD_GRPC_ADDRESS: grpc.reward, ...keys.env.rl,
      RL_DB_SCHEMA: names.schemas.rl, RL_GROUP_PREFIX: names.groups.rl,
      RL_TOPIC_RL_RUNS: t.rlRuns, RL_TOPIC_POLICIES: t.policies, RL_TOPIC_REWARD_MODELS: t.rewardModels, RL_TOPIC_INTERACTIONS: t.interactions, RL_TOPIC_CANARY_REPORTS: t.canaryReports,
      // One onnxruntime thread: a run then repeats bit for bit, so a resumed run can be compared with a clean one.
      // info: "resuming from checkpoint" is the evidence of a resume.
      LOG_LEVEL: "info", RL_THREADS: "1", RL_CHECKPOINT_EVERY: String(set.rlCheckpointEvery), RL_JUDGE: "keyword",
    }),
    canary: await proc("canary", "services/canary/src/main.ts", "PORT", {
      HOST: "127.0.0.1", GRPC_PORT: port(grpc.canary), POLICY_GRPC_ADDRESS: grpc.rl, REWARD_GRPC_ADDRESS: grpc.reward, ...keys.env.canary,
      CANARY_DB_SCHEMA: names.schemas.canary, CANARY_GROUP_PREFIX: names.groups.canary,
      CANARY_TOPIC_INTERACTIONS: t.interactions, CANARY_TOPIC_FEEDBACK: t.feedback, CANARY_TOPIC_POLICIES: t.policies, CANARY_TOPIC_REPORTS: t.canaryReports,
      CANARY_SAMPLES_PER_TASK: String(set.canarySamplesPerTask), CANARY_BOOTSTRAP_RESAMPLES: String(set.canaryBootstrapResamples),
      CANARY_TRACK_INTERVAL: "0s", CANARY_CHECKS: "none", CANARY_JUDGE: "keyword", LOG_LEVEL: "info",
    }),
  };
}

async function postJson<T>(url: string, body: unknown, headers: Record<string, string>): Promise<T> {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  const text = await r.text();
  if (!r.ok) throw new Error(`POST ${url}: ${r.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Labeling snapshot of every pair so far (labeling announces it on the datasets topic). */
export async function createSnapshot(p: LoopProcesses, name: string): Promise<{ datasetId: string; pairs: number }> {
  const r = await postJson<{ manifest?: { datasetId?: string; pairCount?: number | string } }>(`${p.labeling.url}/v1/datasets`, { name }, bearer(p.labelingLeadKey));
  const id = r.manifest?.datasetId;
  if (!id) throw new Error(`labeling answered no dataset id: ${JSON.stringify(r).slice(0, 300)}`);
  return { datasetId: id, pairs: Number(r.manifest?.pairCount ?? 0) };
}

/** A canary set sampled from the held-out traffic the canary consumed (no topic triggers this). */
export async function createCanarySet(p: LoopProcesses, tenantId: string, size: number): Promise<{ setId: string; tasks: number; pool: number }> {
  return postJson(`${p.canary.url}/v1/canary-sets`, { tenantId, fromTraffic: { size, seed: 1 } }, bearer(p.canaryKey));
}
