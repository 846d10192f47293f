import { field, loadConfig, serviceProcessFields, serviceProcessIssues } from "@rlhf-loop/kit";
import type { ConfigOf } from "@rlhf-loop/kit";
import { Topics } from "@rlhf-loop/proto";
import { DEFAULT_SCHEMA } from "./store/sql.js";

const MiB = 1024 * 1024;

/** Environment variables of the ingestion process (README lists them). */
export const ingestionConfigSpec = {
  databaseUrl: field.url({ env: "DATABASE_URL", protocols: ["postgres", "postgresql"], secret: true, description: "Postgres connection URL" }),
  kafkaBrokers: field.list({ env: "KAFKA_BROKERS", minItems: 1, description: "host:port,..." }),
  ...serviceProcessFields,
  logLevel: field.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const, { env: "LOG_LEVEL", default: "info" }),
  httpHost: field.string({ env: "INGEST_HTTP_HOST", default: "127.0.0.1" }),
  httpPort: field.int({ env: "INGEST_HTTP_PORT", min: 0, max: 65535, default: 8080 }),
  grpcHost: field.string({ env: "INGEST_GRPC_HOST", default: "127.0.0.1" }),
  grpcPort: field.int({ env: "INGEST_GRPC_PORT", min: 0, max: 65535, default: 9090 }),
  dbSchema: field.string({ env: "INGEST_DB_SCHEMA", pattern: /^[a-z_][a-z0-9_]{0,62}$/, default: DEFAULT_SCHEMA }),
  migrate: field.bool({ env: "INGEST_MIGRATE", default: true, description: "apply the schema migrations at start (false: only check the migration Job applied them, so the role needs no DDL rights)" }),
  dbPoolMax: field.int({ env: "INGEST_DB_POOL_MAX", min: 1, max: 200, default: 10 }),
  topicInteractions: field.string({ env: "INGEST_TOPIC_INTERACTIONS", default: Topics.interactions }),
  topicFeedback: field.string({ env: "INGEST_TOPIC_FEEDBACK", default: Topics.feedback }),
  consumerGroup: field.string({ env: "INGEST_CONSUMER_GROUP", default: "ingestion-persister" }),
  persist: field.bool({ env: "INGEST_PERSIST", default: true, description: "run the persisting consumer in this process" }),
  maxBodyBytes: field.int({ env: "INGEST_MAX_BODY_BYTES", min: 1024, default: 1 * MiB }),
  maxBatchBytes: field.int({ env: "INGEST_MAX_BATCH_BYTES", min: 1024, default: 5 * MiB }),
  maxBatchEvents: field.int({ env: "INGEST_MAX_BATCH_EVENTS", min: 1, max: 100_000, default: 1000 }),
  streamChunkSize: field.int({ env: "INGEST_STREAM_CHUNK", min: 1, max: 10_000, default: 500 }),
  ratePerSec: field.int({ env: "INGEST_RATE_PER_SEC", min: 1, default: 10_000, description: "default per-tenant events/s" }),
  rateBurst: field.int({ env: "INGEST_RATE_BURST", min: 1, default: 20_000, description: "default per-tenant burst" }),
  authCacheTtlMs: field.duration({ env: "INGEST_AUTH_CACHE_TTL", default: 30_000 }),
  idempotencyCacheSize: field.int({ env: "INGEST_IDEMPOTENCY_CACHE_SIZE", min: 0, default: 200_000 }),
  produceMaxInFlight: field.int({ env: "INGEST_PRODUCE_MAX_IN_FLIGHT", min: 1, max: 16, default: 1 }),
  produceMaxBatch: field.int({ env: "INGEST_PRODUCE_MAX_BATCH", min: 1, default: 10_000 }),
  produceMaxBatchBytes: field.int({ env: "INGEST_PRODUCE_MAX_BATCH_BYTES", min: 1024, default: 900_000, description: "bytes per producer send, below the broker's message.max.bytes" }),
  persistMaxAttempts: field.int({ env: "INGEST_PERSIST_MAX_ATTEMPTS", min: 1, default: 100 }),
  persistMaxBatch: field.int({ env: "INGEST_PERSIST_MAX_BATCH", min: 1, default: 1000 }),
  persistConcurrency: field.int({ env: "INGEST_PERSIST_CONCURRENCY", min: 1, max: 64, default: 3, description: "partitions persisted at once" }),
  parkSweepIntervalMs: field.duration({ env: "INGEST_PARK_SWEEP_INTERVAL", minMs: 100, default: 5_000 }),
  shutdownGraceMs: field.duration({ env: "INGEST_SHUTDOWN_GRACE", default: 10_000 }),
  redactPii: field.bool({ env: "INGEST_REDACT_PII", default: false, description: "replace e-mail addresses and phone numbers in prompts, answers and comments" }),
};

export type IngestionConfig = ConfigOf<typeof ingestionConfigSpec>;

export function loadIngestionConfig(env: Record<string, string | undefined> = process.env): IngestionConfig {
  return loadConfig(ingestionConfigSpec, env, {
    refine: (c) => [
      ...(c.maxBodyBytes > c.maxBatchBytes ? [{ variable: "INGEST_MAX_BODY_BYTES, INGEST_MAX_BATCH_BYTES", reason: "the single-event limit exceeds the batch limit" }] : []),
      ...serviceProcessIssues(c),
    ],
  });
}
