import type { DescMessage, MessageShape } from "@bufbuild/protobuf";

/** Record headers as UTF-8 strings. */
export type BusHeaders = Record<string, string>;

/** One record handed to a consumer. */
export interface BusRecord {
  topic: string;
  partition: number;
  /** Kafka offsets are int64; kept as a decimal string. */
  offset: string;
  key: string | null;
  value: Uint8Array;
  headers: BusHeaders;
  /** Milliseconds since the epoch (broker or producer time). */
  timestamp: number;
}

/** A protobuf-es message to publish; the `type` header is set from the schema's typeName. */
export interface PublishMessage<Desc extends DescMessage> {
  key: string | null;
  message: MessageShape<Desc>;
  headers?: BusHeaders;
}

/** Already-encoded bytes to publish (DLQ replays, benchmarks). Headers are sent as given. */
export interface RawMessage {
  key: string | null;
  value: Uint8Array;
  headers?: BusHeaders;
}

/** Bounded exponential backoff between handler attempts. */
export interface Backoff {
  /** Delay before the second attempt (default 100 ms). */
  initialMs?: number;
  /** Upper bound on one delay (default 5 s). */
  maxMs?: number;
  /** Growth factor per attempt (default 2). */
  multiplier?: number;
}

export interface BatchContext {
  /** 1 for the first try of this batch. */
  attempt: number;
  /** Aborted when the consumer is stopping; long handlers may give up early (no commit then). */
  signal: AbortSignal;
  groupId: string;
}

export interface SubscribeOptions {
  groupId: string;
  topics: readonly string[];
  /** Where a group with no committed offset starts (default false: only new records). */
  fromBeginning?: boolean;
  /**
   * Handles one batch (records of one partition, in offset order). Must be idempotent: a batch
   * may be delivered again after a crash. Resolving commits the batch; throwing retries it.
   */
  handleBatch(records: readonly BusRecord[], ctx: BatchContext): Promise<void>;
  /** Attempts per batch, and per record once isolated (default 5). */
  maxAttempts?: number;
  backoff?: Backoff;
  /** Upper bound on records per handler call (default 500). */
  maxBatchSize?: number;
  /**
   * Partitions handled at once, each still in offset order (default 1). Raise it when the
   * handler waits on I/O (a database) so partitions overlap. kafkajs honours it; the memory
   * and @platformatic/kafka buses handle one batch at a time.
   */
  partitionConcurrency?: number;
  /**
   * Fetch tuning (Kafka buses): the broker answers a fetch once it has this many bytes (default
   * 1) or `fetchMaxWaitMs` passed (default 5 s, @platformatic/kafka 500 ms). A larger minimum
   * makes batches bigger, so fewer handler calls and commits, for at most the wait in latency.
   */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  /**
   * Dead-letter topic for a record of `topic` (default `${topic}.dlq`). The DLQ topic must
   * exist (see ensureTopics).
   */
  dlqTopicOf?: (topic: string) => string;
}

/** A running consumer. */
export interface Subscription {
  readonly groupId: string;
  /** Stops after the in-flight batch (committing it if it succeeded). Idempotent. */
  stop(): Promise<void>;
}

export interface HealthStatus {
  ok: boolean;
  /** Why not ok (or a short description when ok). */
  detail?: string;
}

/** Lag of one partition for one consumer group. */
export interface PartitionLag {
  groupId: string;
  topic: string;
  partition: number;
  /** Next offset the group will read; -1 when it has committed nothing yet. */
  committedOffset: string;
  /** Offset the next published record will get. */
  endOffset: string;
  /** endOffset - committed (or endOffset - start offset when nothing is committed). */
  lag: number;
}

export interface EnsureTopicsOptions {
  /** Default 3. */
  partitions?: number;
  /** Default 1 (single local broker). */
  replicationFactor?: number;
}

/** The one bus interface services code against; Kafka, in-memory and @platformatic/kafka behind it. */
export interface Bus {
  readonly kind: "kafka" | "memory" | "platformatic";
  /**
   * Encodes and publishes messages; resolves only once the broker acknowledged every one.
   * Sets the `type` header to `schema.typeName`.
   */
  publish<Desc extends DescMessage>(
    topic: string,
    schema: Desc,
    messages: readonly PublishMessage<Desc>[],
  ): Promise<void>;
  /** Publishes bytes as they are; same acknowledgement guarantee. */
  publishRaw(topic: string, messages: readonly RawMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Creates missing topics (existing ones are left as they are). */
  ensureTopics(names: readonly string[], options?: EnsureTopicsOptions): Promise<void>;
  /** Whether the broker answers (bounded in time). */
  health(): Promise<HealthStatus>;
  /** Lag per partition of `topics` for `groupId`. */
  lag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]>;
  /** Stops every consumer after its in-flight batch, commits, flushes the producer, disconnects. */
  close(): Promise<void>;
}

/** Header names written on every dead-lettered record (besides the original headers). */
export const DlqHeaders = {
  errorMessage: "dlq.error.message",
  errorClass: "dlq.error.class",
  errorCode: "dlq.error.code",
  retriable: "dlq.error.retriable",
  originalTopic: "dlq.original.topic",
  originalPartition: "dlq.original.partition",
  originalOffset: "dlq.original.offset",
  originalTimestamp: "dlq.original.timestamp",
  attempts: "dlq.attempts",
  consumerGroup: "dlq.consumer.group",
} as const;
