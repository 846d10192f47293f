// Process config, parsed once at start (secrets redacted from logs by the kit).
import { field, loadConfig, serviceProcessFields, serviceProcessIssues } from "@rlhf-loop/kit";

export function loadRlTrainerConfig(env: Record<string, string | undefined> = process.env) {
  const c = loadConfig(
    {
      port: field.int({ env: "PORT", default: 8084, min: 0, max: 65535 }),
      grpcPort: field.int({ env: "GRPC_PORT", default: 9094, min: 0, max: 65535 }),
      host: field.string({ env: "HOST", default: "0.0.0.0" }),
      databaseUrl: field.url({ env: "DATABASE_URL", protocols: ["postgres", "postgresql"], secret: true }),
      kafkaBrokers: field.list({ env: "KAFKA_BROKERS", minItems: 1 }),
      ...serviceProcessFields,
      rewardAddress: field.string({ env: "REWARD_GRPC_ADDRESS", default: "127.0.0.1:9093" }),
      // The reward service refuses ScoreBatch without a key (role service; tenant * or the one tenant trained here).
      rewardKey: field.string({ env: "RL_REWARD_KEY", default: "", secret: true, description: "reward service key (rlhf reward keys create --role service)" }),
      dbSchema: field.string({ env: "RL_DB_SCHEMA", default: "rl_trainer", pattern: /^[a-z_][a-z0-9_]*$/ }),
      migrate: field.bool({ env: "RL_MIGRATE", default: true, description: "apply the schema migrations at start (false: only check the migration Job applied them, so the role needs no DDL rights)" }),
      checkpointEvery: field.int({ env: "RL_CHECKPOINT_EVERY", default: 5, min: 1, max: 10_000 }),
      threads: field.int({ env: "RL_THREADS", default: 2, min: 1, max: 256 }),
      // Topic and consumer-group names (tests and side-by-side deployments use their own).
      topicRlRuns: field.string({ env: "RL_TOPIC_RL_RUNS", default: "rlhf.rl-runs.v1" }),
      topicPolicies: field.string({ env: "RL_TOPIC_POLICIES", default: "rlhf.policies.v1" }),
      topicRewardModels: field.string({ env: "RL_TOPIC_REWARD_MODELS", default: "rlhf.reward-models.v1" }),
      topicInteractions: field.string({ env: "RL_TOPIC_INTERACTIONS", default: "rlhf.interactions.v1" }),
      topicCanaryReports: field.string({ env: "RL_TOPIC_CANARY_REPORTS", default: "rlhf.canary-reports.v1" }),
      groupPrefix: field.string({ env: "RL_GROUP_PREFIX", default: "rl-trainer" }),
      // "sim": step statistics include the simulated product's gold utility (demos and evaluation).
      judge: field.enum(["keyword", "sim"] as const, { env: "RL_JUDGE", default: "keyword" }),
      // false: this process serves Generate only; runs go to the GPU job (job.ts), never to both.
      consumeRuns: field.bool({ env: "RL_CONSUME_RUNS", default: true }),
      logLevel: field.enum(["debug", "info", "warn", "error"] as const, { env: "LOG_LEVEL", default: "info" }),
    },
    env,
    { refine: (cfg) => serviceProcessIssues(cfg) },
  );
  return { ...c, topics: { rlRuns: c.topicRlRuns, policies: c.topicPolicies, rewardModels: c.topicRewardModels, interactions: c.topicInteractions, canaryReports: c.topicCanaryReports } };
}

export type RlTrainerConfig = ReturnType<typeof loadRlTrainerConfig>;
