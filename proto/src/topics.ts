import type { DescMessage } from "@bufbuild/protobuf";
import { FeedbackSchema } from "./gen/rlhf/v1/feedback_pb.js";
import { InteractionSchema } from "./gen/rlhf/v1/interaction_pb.js";
import { DatasetAnnouncementSchema, PreferencePairSchema } from "./gen/rlhf/v1/labeling_pb.js";
import { RewardModelAnnouncementSchema } from "./gen/rlhf/v1/reward_pb.js";
import { PolicyAnnouncementSchema, RlRunRequestSchema } from "./gen/rlhf/v1/policy_pb.js";
import { CanaryReportAnnouncementSchema } from "./gen/rlhf/v1/canary_pb.js";

/** Every Kafka topic of the system; each has a `.dlq` twin (see {@link dlqTopic}). */
export const Topics = {
  interactions: "rlhf.interactions.v1",
  feedback: "rlhf.feedback.v1",
  pairs: "rlhf.pairs.v1",
  datasets: "rlhf.datasets.v1",
  rewardModels: "rlhf.reward-models.v1",
  rlRuns: "rlhf.rl-runs.v1",
  policies: "rlhf.policies.v1",
  canaryReports: "rlhf.canary-reports.v1",
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

/** The dead-letter twin of a topic. */
export function dlqTopic(topic: TopicName): `${TopicName}.dlq` {
  return `${topic}.dlq`;
}

export type TopicKey = keyof typeof Topics;

/** Every topic under other names (a test's or a demo's own copies); `rename` gets the real name. */
export function renamedTopics(rename: (name: TopicName) => string): Record<TopicKey, string> {
  return Object.fromEntries(Object.entries(Topics).map(([key, name]) => [key, rename(name)])) as Record<TopicKey, string>;
}

/** All topics and their DLQ twins, for provisioning scripts. */
export function allTopicNames(): string[] {
  return Object.values(Topics).flatMap((t) => [t, dlqTopic(t)]);
}

/**
 * The message each topic carries, as a protobuf-es schema. The `type` header of every
 * record names the message (`typeName`). Topics whose producers have not landed yet are absent,
 * so a producer cannot publish an undeclared shape.
 */
export const TopicMessages = {
  [Topics.interactions]: InteractionSchema,
  [Topics.feedback]: FeedbackSchema,
  [Topics.pairs]: PreferencePairSchema,
  [Topics.datasets]: DatasetAnnouncementSchema,
  [Topics.rewardModels]: RewardModelAnnouncementSchema,
  [Topics.rlRuns]: RlRunRequestSchema,
  [Topics.policies]: PolicyAnnouncementSchema,
  [Topics.canaryReports]: CanaryReportAnnouncementSchema,
} as const satisfies Partial<Record<TopicName, DescMessage>>;

/** Kafka message key field per topic (documentation and a check for producers). */
export const TopicKeys: Partial<Record<TopicName, string>> = {
  [Topics.interactions]: "interaction_id",
  [Topics.feedback]: "interaction_id",
  [Topics.pairs]: "prompt_hash",
  [Topics.datasets]: "dataset_id",
  [Topics.rewardModels]: "model_id",
  [Topics.rlRuns]: "run_id",
  [Topics.policies]: "policy_version",
  [Topics.canaryReports]: "candidate_version",
};

/** Name of the record header that carries the message's full protobuf type name. */
export const TYPE_HEADER = "type";
