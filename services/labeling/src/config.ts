import { field, loadConfig, serviceProcessFields, serviceProcessIssues } from "@rlhf-loop/kit";
import type { ConfigIssue, ConfigOf, Field } from "@rlhf-loop/kit";
import { Topics } from "@rlhf-loop/proto";
import { defaultAuditPolicy } from "./domain/audit.js";
import type { OutcomeName } from "./domain/model.js";
import { STRATA, defaultReviewSamplingPolicy, type Stratum } from "./domain/review-sampling.js";
import { defaultSignalPolicy } from "./domain/signals.js";
import { defaultWeightingPolicy } from "./domain/weighting.js";
import type { LabelingOptions } from "./service-options.js";
import { defaultLabelingOptions } from "./service-options.js";
import { DEFAULT_SCHEMA } from "./store/sql.js";

/**
 * "name=number,name=number". With `names`, only those keys are accepted; values must fall in
 * [min, max].
 */
function numberMap(o: { env: string; names?: readonly string[]; min: number; max: number; description: string }): Field<Record<string, number> | undefined> {
  return {
    kind: "number-map",
    options: { env: o.env, optional: true, description: o.description },
    parse(raw: string) {
      const out: Record<string, number> = {};
      for (const part of raw.split(",").map((s) => s.trim()).filter(Boolean)) {
        const m = /^([A-Za-z0-9_.-]+)\s*=\s*(-?\d+(?:\.\d+)?)$/.exec(part);
        if (!m) throw new Error(`must be name=number pairs separated by commas, got ${JSON.stringify(part)}`);
        const name = m[1] as string;
        const v = Number(m[2]);
        if (o.names && !o.names.includes(name)) throw new Error(`${name} is not one of ${o.names.join(", ")}`);
        if (v < o.min || v > o.max) throw new Error(`${name} must be within [${o.min}, ${o.max}], got ${v}`);
        out[name] = v;
      }
      return out;
    },
  };
}

function fraction(env: string, def: number, description: string) {
  return {
    kind: "fraction",
    options: { env, default: def, description },
    parse(raw: string) {
      const v = Number(raw);
      if (!Number.isFinite(v) || v < 0 || v > 1) throw new Error(`must be a number within [0, 1], got ${JSON.stringify(raw)}`);
      return v;
    },
  } satisfies Field<number>;
}

function positive(env: string, def: number, description: string) {
  return {
    kind: "positive",
    options: { env, default: def, description },
    parse(raw: string) {
      const v = Number(raw);
      if (!Number.isFinite(v) || v < 0) throw new Error(`must be a number >= 0, got ${JSON.stringify(raw)}`);
      return v;
    },
  } satisfies Field<number>;
}

const OUTCOMES: readonly OutcomeName[] = ["escalation", "refund", "reopen", "compliance_flag"];

/** Environment variables of the labeling process (README lists them). */
export const labelingConfigSpec = {
  databaseUrl: field.url({ env: "DATABASE_URL", protocols: ["postgres", "postgresql"], secret: true, description: "Postgres connection URL" }),
  kafkaBrokers: field.list({ env: "KAFKA_BROKERS", minItems: 1, description: "host:port,..." }),
  ...serviceProcessFields,
  logLevel: field.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const, { env: "LOG_LEVEL", default: "info" }),
  httpHost: field.string({ env: "LABELING_HTTP_HOST", default: "127.0.0.1" }),
  httpPort: field.int({ env: "LABELING_HTTP_PORT", min: 0, max: 65535, default: defaultLabelingOptions.httpPort }),
  grpcHost: field.string({ env: "LABELING_GRPC_HOST", default: "127.0.0.1" }),
  grpcPort: field.int({ env: "LABELING_GRPC_PORT", min: 0, max: 65535, default: defaultLabelingOptions.grpcPort }),
  dbSchema: field.string({ env: "LABELING_DB_SCHEMA", pattern: /^[a-z_][a-z0-9_]{0,62}$/, default: DEFAULT_SCHEMA }),
  migrate: field.bool({ env: "LABELING_MIGRATE", default: true, description: "apply the schema migrations at start (false: only check the migration Job applied them, so the role needs no DDL rights)" }),
  dbPoolMax: field.int({ env: "LABELING_DB_POOL_MAX", min: 1, max: 200, default: 10 }),
  topicInteractions: field.string({ env: "LABELING_TOPIC_INTERACTIONS", default: Topics.interactions }),
  topicFeedback: field.string({ env: "LABELING_TOPIC_FEEDBACK", default: Topics.feedback }),
  topicPairs: field.string({ env: "LABELING_TOPIC_PAIRS", default: Topics.pairs }),
  topicDatasets: field.string({ env: "LABELING_TOPIC_DATASETS", default: Topics.datasets }),
  consumerGroup: field.string({ env: "LABELING_CONSUMER_GROUP", default: "labeling" }),
  consume: field.bool({ env: "LABELING_CONSUME", default: true, description: "run the consumer in this process" }),
  fromBeginning: field.bool({ env: "LABELING_FROM_BEGINNING", default: true, description: "a new consumer group starts at the earliest offsets" }),
  consumeMaxBatch: field.int({ env: "LABELING_CONSUME_MAX_BATCH", min: 1, max: 10_000, default: 500 }),
  outcomeWeights: numberMap({ env: "LABELING_OUTCOME_WEIGHTS", names: OUTCOMES, min: -100, max: 100, description: "signed weight per outcome kind, e.g. escalation=-2,refund=0" }),
  sourceWeights: numberMap({ env: "LABELING_SOURCE_WEIGHTS", names: ["unspecified", "end_user", "expert", "qa", "support", "system"], min: 0, max: 100, description: "multiplier per feedback source" }),
  thumbWeight: positive("LABELING_THUMB_WEIGHT", defaultSignalPolicy.thumbWeight, "weight of a thumb"),
  comparisonWeight: positive("LABELING_COMPARISON_WEIGHT", defaultSignalPolicy.comparisonWeight, "weight of a comparison"),
  expertReviewWeight: positive("LABELING_EXPERT_REVIEW_WEIGHT", defaultSignalPolicy.expertReviewWeight, "weight of a review-queue judgment"),
  outcomeWindowMs: field.duration({ env: "LABELING_OUTCOME_WINDOW", minMs: 60_000, default: defaultSignalPolicy.outcomeWindowMs }),
  partnersPerVote: field.int({ env: "LABELING_PARTNERS_PER_VOTE", min: 1, max: 100, default: defaultSignalPolicy.partnersPerVote }),
  raterCap: positive("LABELING_RATER_CAP", defaultWeightingPolicy.raterCapPerWindow, "most weight per rater per window in snapshots (0: none)"),
  raterWindowMs: field.duration({ env: "LABELING_RATER_WINDOW", minMs: 60_000, default: defaultWeightingPolicy.raterWindowMs }),
  heavyShareMax: fraction("LABELING_HEAVY_SHARE_MAX", defaultWeightingPolicy.heavyShareMax, "most share of weight for the heaviest raters"),
  heavyFraction: fraction("LABELING_HEAVY_FRACTION", defaultWeightingPolicy.heavyFraction, "which raters count as heaviest (top fraction)"),
  segmentTargets: numberMap({ env: "LABELING_SEGMENT_TARGETS", min: 0, max: 1, description: "target segment mix, e.g. enterprise=0.34,smb=0.33,consumer=0.33" }),
  reviewQueue: field.bool({ env: "LABELING_REVIEW_QUEUE", default: true }),
  reviewInclusion: numberMap({ env: "LABELING_REVIEW_INCLUSION", names: STRATA, min: 0, max: 1, description: "inclusion probability per review stratum" }),
  overlapShare: fraction("LABELING_OVERLAP_SHARE", defaultReviewSamplingPolicy.overlapShare, "share of tasks judged by two or more experts"),
  goldShare: fraction("LABELING_GOLD_SHARE", defaultReviewSamplingPolicy.goldShare, "share of served tasks that are gold items"),
  reviewSeed: field.string({ env: "LABELING_REVIEW_SEED", default: defaultReviewSamplingPolicy.seed }),
  auditIntervalMs: field.duration({ env: "LABELING_AUDIT_INTERVAL", default: defaultLabelingOptions.auditIntervalMs, description: "0 runs audits only on request" }),
  auditWindowMs: field.duration({ env: "LABELING_AUDIT_WINDOW", minMs: 60_000, default: defaultLabelingOptions.auditWindowMs }),
  goldAccuracyMin: fraction("LABELING_GOLD_ACCURACY_MIN", defaultAuditPolicy.goldAccuracyMin, "flag raters below this gold accuracy"),
  kappaMin: positive("LABELING_KAPPA_MIN", defaultAuditPolicy.kappaMin, "flag raters whose mean kappa is below this"),
  flaggedWeight: fraction("LABELING_FLAGGED_WEIGHT", defaultAuditPolicy.downWeight, "weight factor of flagged raters"),
  leaseMs: field.duration({ env: "LABELING_TASK_LEASE", minMs: 10_000, default: defaultLabelingOptions.leaseMs }),
  shutdownGraceMs: field.duration({ env: "LABELING_SHUTDOWN_GRACE", default: 10_000 }),
};

export type LabelingConfig = ConfigOf<typeof labelingConfigSpec>;

export function loadLabelingConfig(env: Record<string, string | undefined> = process.env): LabelingConfig {
  return loadConfig(labelingConfigSpec, env, {
    refine: (c) => {
      const issues: ConfigIssue[] = [];
      const sum = Object.values(c.segmentTargets ?? {}).reduce((s, x) => s + x, 0);
      if (sum > 1 + 1e-9) issues.push({ variable: "LABELING_SEGMENT_TARGETS", reason: `shares sum to ${Math.round(sum * 1e6) / 1e6}, more than 1` });
      if (c.heavyShareMax < c.heavyFraction) issues.push({ variable: "LABELING_HEAVY_SHARE_MAX, LABELING_HEAVY_FRACTION", reason: "the heaviest raters' share cannot be held below their head count share" });
      issues.push(...serviceProcessIssues(c));
      return issues;
    },
  });
}

export function optionsFromConfig(c: LabelingConfig): LabelingOptions {
  const d = defaultLabelingOptions;
  return {
    ...d,
    httpHost: c.httpHost,
    httpPort: c.httpPort,
    grpcHost: c.grpcHost,
    grpcPort: c.grpcPort,
    dbSchema: c.dbSchema,
    migrate: c.migrate,
    topics: { interactions: c.topicInteractions, feedback: c.topicFeedback, pairs: c.topicPairs, datasets: c.topicDatasets },
    consumerGroup: c.consumerGroup,
    consume: c.consume,
    consumeFromBeginning: c.fromBeginning,
    consumeMaxBatch: c.consumeMaxBatch,
    signals: {
      ...d.signals,
      sourceWeights: { ...d.signals.sourceWeights, ...(c.sourceWeights ?? {}) },
      outcomeWeights: { ...d.signals.outcomeWeights, ...(c.outcomeWeights ?? {}) },
      thumbWeight: c.thumbWeight,
      comparisonWeight: c.comparisonWeight,
      expertReviewWeight: c.expertReviewWeight,
      outcomeWindowMs: c.outcomeWindowMs,
      partnersPerVote: c.partnersPerVote,
    },
    weighting: {
      ...d.weighting,
      raterCapPerWindow: c.raterCap,
      raterWindowMs: c.raterWindowMs,
      heavyShareMax: c.heavyShareMax,
      heavyFraction: c.heavyFraction,
      segmentTargets: c.segmentTargets ?? {},
    },
    reviewQueue: c.reviewQueue,
    review: {
      ...d.review,
      inclusion: { ...d.review.inclusion, ...((c.reviewInclusion ?? {}) as Partial<Record<Stratum, number>>) },
      overlapShare: c.overlapShare,
      goldShare: c.goldShare,
      seed: c.reviewSeed,
    },
    audit: { ...d.audit, goldAccuracyMin: c.goldAccuracyMin, kappaMin: c.kappaMin, downWeight: c.flaggedWeight },
    auditIntervalMs: c.auditIntervalMs,
    auditWindowMs: c.auditWindowMs,
    leaseMs: c.leaseMs,
    shutdownGraceMs: c.shutdownGraceMs,
  };
}
