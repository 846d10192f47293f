import { Topics } from "@rlhf-loop/proto";
import type { IngestionConfig } from "./config.js";
import { DEFAULT_SCHEMA } from "./store/sql.js";

/** Everything the service needs besides its dependencies; defaults match the env defaults. */
export interface IngestionOptions {
  httpHost: string;
  /** 0 picks a free port. */
  httpPort: number;
  grpcHost: string;
  grpcPort: number;
  dbSchema: string;
  topics: { interactions: string; feedback: string };
  consumerGroup: string;
  /** Run the persisting consumer (false: API only, persisters run elsewhere). */
  persist: boolean;
  /**
   * Where the persisting group starts while it has no committed offset: true (default) reads from
   * the earliest offset, so events accepted before the group's first commit (a first start, or a
   * crash before that commit) are persisted too; false would skip them.
   */
  consumeFromBeginning: boolean;
  maxBodyBytes: number;
  maxBatchBytes: number;
  maxBatchEvents: number;
  streamChunkSize: number;
  defaultRateLimit: { ratePerSec: number; burst: number };
  authCacheTtlMs: number;
  idempotencyCacheSize: number;
  produceMaxInFlight: number;
  produceMaxBatch: number;
  /** Bytes per producer send at most (below the broker's message.max.bytes). */
  produceMaxBatchBytes: number;
  persistMaxAttempts: number;
  persistMaxBatch: number;
  /** Partitions the persister writes at once (kafkajs bus). */
  persistConcurrency: number;
  parkSweepIntervalMs: number;
  shutdownGraceMs: number;
  /** Run the schema migrations on start (default true). */
  migrate: boolean;
  /** Replace e-mail addresses and phone numbers in prompts, answers and comments (INGEST_REDACT_PII). */
  redactPii: boolean;
}

const MiB = 1024 * 1024;

export const defaultIngestionOptions: IngestionOptions = {
  httpHost: "127.0.0.1",
  httpPort: 8080,
  grpcHost: "127.0.0.1",
  grpcPort: 9090,
  dbSchema: DEFAULT_SCHEMA,
  topics: { interactions: Topics.interactions, feedback: Topics.feedback },
  consumerGroup: "ingestion-persister",
  persist: true,
  consumeFromBeginning: true,
  maxBodyBytes: 1 * MiB,
  maxBatchBytes: 5 * MiB,
  maxBatchEvents: 1000,
  streamChunkSize: 500,
  defaultRateLimit: { ratePerSec: 10_000, burst: 20_000 },
  authCacheTtlMs: 30_000,
  idempotencyCacheSize: 200_000,
  produceMaxInFlight: 1,
  produceMaxBatch: 10_000,
  produceMaxBatchBytes: 900_000,
  persistMaxAttempts: 100,
  persistMaxBatch: 1000,
  persistConcurrency: 3,
  parkSweepIntervalMs: 5_000,
  shutdownGraceMs: 10_000,
  migrate: true,
  redactPii: false,
};

export function optionsFromConfig(c: IngestionConfig): IngestionOptions {
  return {
    ...defaultIngestionOptions,
    httpHost: c.httpHost,
    httpPort: c.httpPort,
    grpcHost: c.grpcHost,
    grpcPort: c.grpcPort,
    dbSchema: c.dbSchema,
    migrate: c.migrate,
    topics: { interactions: c.topicInteractions, feedback: c.topicFeedback },
    consumerGroup: c.consumerGroup,
    persist: c.persist,
    maxBodyBytes: c.maxBodyBytes,
    maxBatchBytes: c.maxBatchBytes,
    maxBatchEvents: c.maxBatchEvents,
    streamChunkSize: c.streamChunkSize,
    defaultRateLimit: { ratePerSec: c.ratePerSec, burst: c.rateBurst },
    authCacheTtlMs: c.authCacheTtlMs,
    idempotencyCacheSize: c.idempotencyCacheSize,
    produceMaxInFlight: c.produceMaxInFlight,
    produceMaxBatch: c.produceMaxBatch,
    produceMaxBatchBytes: c.produceMaxBatchBytes,
    persistMaxAttempts: c.persistMaxAttempts,
    persistMaxBatch: c.persistMaxBatch,
    persistConcurrency: c.persistConcurrency,
    parkSweepIntervalMs: c.parkSweepIntervalMs,
    shutdownGraceMs: c.shutdownGraceMs,
    redactPii: c.redactPii,
  };
}
