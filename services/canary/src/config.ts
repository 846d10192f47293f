// Process config, parsed once at start (secrets redacted from logs by the kit).
import { readFileSync } from "node:fs";
import { field, loadConfig, serviceProcessFields, serviceProcessIssues, type ConfigIssue } from "@rlhf-loop/kit";
import { SIM_SUPPORT_CHECKS, validateTemplate, type ChecksTemplate } from "./domain/checks-template.js";
import { parseGateConfig } from "./domain/gate.js";

/** "none" (max length only), "sim-support" (the simulated product's rules) or a JSON file path. */
function loadTemplate(spec: string): { template: ChecksTemplate; issues: string[] } {
  if (spec === "none") return { template: { default: { maxWords: 400 } }, issues: [] };
  if (spec === "sim-support") return { template: SIM_SUPPORT_CHECKS, issues: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(spec, "utf8"));
  } catch (e) {
    return { template: {}, issues: [`cannot read ${spec}: ${(e as Error).message}`] };
  }
  const issues = validateTemplate(raw).map((i) => `${i.path}: ${i.reason}`);
  return { template: raw as ChecksTemplate, issues };
}

export function loadCanaryConfig(env: Record<string, string | undefined> = process.env) {
  const spec = {
    port: field.int({ env: "PORT", default: 8085, min: 0, max: 65535 }),
    grpcPort: field.int({ env: "GRPC_PORT", default: 9095, min: 0, max: 65535 }),
    host: field.string({ env: "HOST", default: "0.0.0.0" }),
    databaseUrl: field.url({ env: "DATABASE_URL", protocols: ["postgres", "postgresql"], secret: true }),
    kafkaBrokers: field.list({ env: "KAFKA_BROKERS", minItems: 1 }),
    ...serviceProcessFields,
    policyAddress: field.string({ env: "POLICY_GRPC_ADDRESS", default: "127.0.0.1:9094" }),
    rewardAddress: field.string({ env: "REWARD_GRPC_ADDRESS", default: "127.0.0.1:9093" }),
    // Keys the canary calls with (role service, tenant * or the one tenant it serves): reward's
    // ScoreBatch and the RL trainer's GenerateBatch refuse calls without one.
    rewardKey: field.string({ env: "CANARY_REWARD_KEY", default: "", secret: true, description: "reward service key (rlhf reward keys create --role service)" }),
    policyKey: field.string({ env: "CANARY_POLICY_KEY", default: "", secret: true, description: "RL trainer key (rlhf policy keys create --role service)" }),
    dbSchema: field.string({ env: "CANARY_DB_SCHEMA", default: "canary", pattern: /^[a-z_][a-z0-9_]*$/ }),
    migrate: field.bool({ env: "CANARY_MIGRATE", default: true, description: "apply the schema migrations at start (false: only check the migration Job applied them, so the role needs no DDL rights)" }),
    samplesPerTask: field.int({ env: "CANARY_SAMPLES_PER_TASK", default: 4, min: 1, max: 16 }),
    seed: field.int({ env: "CANARY_SEED", default: 1, min: 0, max: 2 ** 32 - 1 }),
    autoRun: field.bool({ env: "CANARY_AUTO_RUN", default: true }),
    rewardModel: field.string({ env: "CANARY_REWARD_MODEL", default: "" }),
    judge: field.enum(["keyword", "sim"] as const, { env: "CANARY_JUDGE", default: "keyword" }),
    checks: field.string({ env: "CANARY_CHECKS", default: "none" }),
    gate: field.string({ env: "CANARY_GATE", default: "" }),
    bootstrapResamples: field.int({ env: "CANARY_BOOTSTRAP_RESAMPLES", default: 2000, min: 100, max: 100_000 }),
    runTimeoutMs: field.duration({ env: "CANARY_RUN_TIMEOUT", default: 600_000 }),
    trackIntervalMs: field.duration({ env: "CANARY_TRACK_INTERVAL", default: 7 * 86_400_000 }),
    topicInteractions: field.string({ env: "CANARY_TOPIC_INTERACTIONS", default: "rlhf.interactions.v1" }),
    topicFeedback: field.string({ env: "CANARY_TOPIC_FEEDBACK", default: "rlhf.feedback.v1" }),
    topicPolicies: field.string({ env: "CANARY_TOPIC_POLICIES", default: "rlhf.policies.v1" }),
    topicReports: field.string({ env: "CANARY_TOPIC_REPORTS", default: "rlhf.canary-reports.v1" }),
    groupPrefix: field.string({ env: "CANARY_GROUP_PREFIX", default: "canary" }),
    logLevel: field.enum(["debug", "info", "warn", "error"] as const, { env: "LOG_LEVEL", default: "info" }),
  };
  const c = loadConfig(spec, env, {
    refine: (cfg) => {
      const issues: ConfigIssue[] = [];
      for (const i of parseGateConfig(cfg.gate).issues) issues.push({ variable: "CANARY_GATE", reason: i });
      for (const i of loadTemplate(cfg.checks).issues) issues.push({ variable: "CANARY_CHECKS", reason: i });
      issues.push(...serviceProcessIssues(cfg));
      return issues;
    },
  });
  return {
    ...c,
    gateConfig: parseGateConfig(c.gate).config,
    template: loadTemplate(c.checks).template,
    topics: { interactions: c.topicInteractions, feedback: c.topicFeedback, policies: c.topicPolicies, reports: c.topicReports },
  };
}

export type CanaryConfig = ReturnType<typeof loadCanaryConfig>;
