import { field, loadConfig, serviceProcessFields, serviceProcessIssues } from "@rlhf-loop/kit";
import type { ConfigOf } from "@rlhf-loop/kit";
import { Topics } from "@rlhf-loop/proto";
import { DEFAULT_SCHEMA } from "./migrate.js";
import { DEFAULT_LIMITS } from "./serve/reward-serving.js";
import type { RewardOptions } from "./service-options.js";

/** Environment variables of the reward process (README lists them). */
export const rewardConfigSpec = {
  databaseUrl: field.url({ env: "DATABASE_URL", protocols: ["postgres", "postgresql"], secret: true, description: "Postgres connection URL" }),
  kafkaBrokers: field.list({ env: "KAFKA_BROKERS", minItems: 1, description: "host:port,..." }),
  ...serviceProcessFields,
  logLevel: field.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const, { env: "LOG_LEVEL", default: "info" }),
  httpHost: field.string({ env: "REWARD_HTTP_HOST", default: "127.0.0.1" }),
  httpPort: field.int({ env: "REWARD_HTTP_PORT", min: 0, max: 65535, default: 8083 }),
  grpcHost: field.string({ env: "REWARD_GRPC_HOST", default: "127.0.0.1" }),
  grpcPort: field.int({ env: "REWARD_GRPC_PORT", min: 0, max: 65535, default: 9093 }),
  labelingAddress: field.string({ env: "REWARD_LABELING_ADDRESS", default: "127.0.0.1:9091", description: "labeling gRPC host:port" }),
  labelingKeys: field.list({ env: "REWARD_LABELING_KEYS", minItems: 0, default: [], secret: true, description: "tenant=key,... labeling service-role keys (tenant * for any)" }),
  dbSchema: field.string({ env: "REWARD_DB_SCHEMA", pattern: /^[a-z_][a-z0-9_]{0,62}$/, default: DEFAULT_SCHEMA }),
  migrate: field.bool({ env: "REWARD_MIGRATE", default: true, description: "apply the schema migrations at start (false: only check the migration Job applied them, so the role needs no DDL rights)" }),
  dbPoolMax: field.int({ env: "REWARD_DB_POOL_MAX", min: 1, max: 200, default: 5 }),
  consumerGroup: field.string({ env: "REWARD_CONSUMER_GROUP", default: "reward" }),
  topicDatasets: field.string({ env: "REWARD_TOPIC_DATASETS", default: Topics.datasets }),
  topicRewardModels: field.string({ env: "REWARD_TOPIC_REWARD_MODELS", default: Topics.rewardModels }),
  topicInteractions: field.string({ env: "REWARD_TOPIC_INTERACTIONS", default: Topics.interactions }),
  topicFeedback: field.string({ env: "REWARD_TOPIC_FEEDBACK", default: Topics.feedback }),
  autoTrain: field.bool({ env: "REWARD_AUTO_TRAIN", default: true, description: "train on every announced snapshot" }),
  autoApprove: field.bool({ env: "REWARD_AUTO_APPROVE", default: true, description: "approve and serve a model whose diagnostics pass" }),
  pointwise: field.bool({ env: "REWARD_POINTWISE", default: true, description: "consume thumbs and outcomes for the pointwise loss" }),
  tenantId: field.string({ env: "REWARD_TENANT_ID", default: "", description: "tenant whose approved model is served by default" }),
  ablation: field.bool({ env: "REWARD_ABLATION", default: false, description: "retrain without each source to report what it adds" }),
  workers: field.int({ env: "REWARD_WORKERS", min: 1, max: 64, default: 2, description: "scoring worker threads" }),
  maxTextChars: field.int({ env: "REWARD_MAX_TEXT_CHARS", min: 1, default: DEFAULT_LIMITS.maxTextChars }),
  maxBatchItems: field.int({ env: "REWARD_MAX_BATCH_ITEMS", min: 1, default: DEFAULT_LIMITS.maxBatchItems }),
  seed: field.int({ env: "REWARD_SEED", min: 0, default: 1 }),
  maxEpochs: field.int({ env: "REWARD_MAX_EPOCHS", min: 1, max: 1000, default: 8 }),
  shutdownGraceMs: field.duration({ env: "REWARD_SHUTDOWN_GRACE", default: 10_000 }),
  byoModelDirs: field.list({ env: "REWARD_BYO_MODEL_DIRS", minItems: 0, default: [], description: "folders with model.onnx + tokenizer.json to register at start" }),
};

export type RewardConfig = ConfigOf<typeof rewardConfigSpec>;

export function loadRewardConfig(env: Record<string, string | undefined> = process.env): RewardConfig {
  return loadConfig(rewardConfigSpec, env, {
    refine: (c) => [
      ...c.labelingKeys.filter((kv) => kv.indexOf("=") < 1).map(() => ({ variable: "REWARD_LABELING_KEYS", reason: "each entry must be tenant=key" })),
      ...serviceProcessIssues(c),
    ],
  });
}

export function optionsFromConfig(c: RewardConfig): Partial<RewardOptions> {
  return {
    dbSchema: c.dbSchema,
    migrate: c.migrate,
    httpHost: c.httpHost,
    httpPort: c.httpPort,
    grpcHost: c.grpcHost,
    grpcPort: c.grpcPort,
    labelingAddress: c.labelingAddress,
    labelingKeys: Object.fromEntries(c.labelingKeys.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])),
    topics: { datasets: c.topicDatasets, rewardModels: c.topicRewardModels, interactions: c.topicInteractions, feedback: c.topicFeedback },
    consumerGroup: c.consumerGroup,
    autoTrain: c.autoTrain,
    autoApprove: c.autoApprove,
    pointwise: c.pointwise,
    ablation: c.ablation,
    tenantId: c.tenantId,
    workers: c.workers,
    limits: { ...DEFAULT_LIMITS, maxTextChars: c.maxTextChars, maxBatchItems: c.maxBatchItems },
    trainer: { seed: c.seed, maxEpochs: c.maxEpochs },
    shutdownGraceMs: c.shutdownGraceMs,
    byoModelDirs: c.byoModelDirs,
  };
}
