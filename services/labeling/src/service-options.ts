import { Topics } from "@rlhf-loop/proto";
import type { AuditPolicy } from "./domain/audit.js";
import { defaultAuditPolicy } from "./domain/audit.js";
import type { ReviewSamplingPolicy } from "./domain/review-sampling.js";
import { defaultReviewSamplingPolicy } from "./domain/review-sampling.js";
import type { SignalPolicy } from "./domain/signals.js";
import { defaultSignalPolicy } from "./domain/signals.js";
import type { WeightingPolicy } from "./domain/weighting.js";
import { defaultWeightingPolicy } from "./domain/weighting.js";
import { DEFAULT_SCHEMA } from "./store/sql.js";

export interface LabelingTopics {
  interactions: string;
  feedback: string;
  pairs: string;
  datasets: string;
}

/** Everything the service needs besides its dependencies; defaults match the env defaults. */
export interface LabelingOptions {
  httpHost: string;
  /** 0 picks a free port. */
  httpPort: number;
  grpcHost: string;
  grpcPort: number;
  dbSchema: string;
  topics: LabelingTopics;
  consumerGroup: string;
  /** Run the consumer in this process (false: API only). */
  consume: boolean;
  /** Start a new consumer group at the earliest offsets (tests, first start of a new deployment). */
  consumeFromBeginning: boolean;
  consumeMaxAttempts: number;
  consumeMaxBatch: number;
  /** How feedback kinds and sources are weighted into pairs. */
  signals: SignalPolicy;
  /** Default weighting of dataset snapshots (a request may override fields). */
  weighting: WeightingPolicy;
  /** Build the expert review queue from the stream. */
  reviewQueue: boolean;
  review: ReviewSamplingPolicy;
  audit: AuditPolicy;
  /** Window of the scheduled audit, and how often it runs (0: only on request). */
  auditWindowMs: number;
  auditIntervalMs: number;
  /** How long a served task stays reserved for its expert. */
  leaseMs: number;
  /** Outbox safety-net flush period (pairs and dataset announcements). */
  publishIntervalMs: number;
  publishBatch: number;
  shutdownGraceMs: number;
  /** Run the schema migrations on start (default true). */
  migrate: boolean;
}

export const defaultLabelingOptions: LabelingOptions = {
  httpHost: "127.0.0.1",
  httpPort: 8081,
  grpcHost: "127.0.0.1",
  grpcPort: 9091,
  dbSchema: DEFAULT_SCHEMA,
  topics: { interactions: Topics.interactions, feedback: Topics.feedback, pairs: Topics.pairs, datasets: Topics.datasets },
  consumerGroup: "labeling",
  consume: true,
  consumeFromBeginning: true, // a new group must not skip events produced before it first joined
  consumeMaxAttempts: 20,
  consumeMaxBatch: 500,
  signals: defaultSignalPolicy,
  weighting: defaultWeightingPolicy,
  reviewQueue: true,
  review: defaultReviewSamplingPolicy,
  audit: defaultAuditPolicy,
  auditWindowMs: 7 * 86_400_000,
  auditIntervalMs: 7 * 86_400_000,
  leaseMs: 15 * 60_000,
  publishIntervalMs: 5_000,
  publishBatch: 500,
  shutdownGraceMs: 10_000,
  migrate: true,
};
