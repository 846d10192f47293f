/**
 * @rlhf-loop/kit: what every service stands on. Each capability lives in its own folder;
 * this is the package's only entry point.
 */

// errors
export { AppError, ErrorCodes, defaultRetriable, isAppError, isRetriable } from "./errors/app-error.js";
export type { AppErrorOptions, ErrorCode, FieldViolation } from "./errors/app-error.js";
export { GrpcCode, codeOfGrpcStatus, errorBody, grpcStatusOf, httpStatusOf } from "./errors/status.js";

// config
export { field, parseDuration } from "./config/schema.js";
export type { ConfigOf, ConfigSpec, Field, FieldOptions } from "./config/schema.js";
export { ConfigError, REDACTED, loadConfig, redactConfig } from "./config/load.js";
export type { ConfigIssue, LoadConfigOptions } from "./config/load.js";

// log
export { REDACT_PATHS, createLogger } from "./log/logger.js";
export type { LogLevel, Logger, LoggerOptions } from "./log/logger.js";

// metrics
export { LATENCY_BUCKETS, createMetrics } from "./metrics/metrics.js";
export type { CounterOptions, GaugeOptions, HistogramOptions, Metrics, MetricsOptions } from "./metrics/metrics.js";

// bus
export { DlqHeaders } from "./bus/types.js";
export type {
  Backoff,
  BatchContext,
  Bus,
  BusHeaders,
  BusRecord,
  EnsureTopicsOptions,
  HealthStatus,
  PartitionLag,
  PublishMessage,
  RawMessage,
  SubscribeOptions,
  Subscription,
} from "./bus/types.js";
export { decodeRecord } from "./bus/decode.js";
export { backoffDelay } from "./bus/backoff.js";
export { trackConsumerLag } from "./bus/bus-metrics.js";
export type { LagTarget } from "./bus/bus-metrics.js";
export { createKafkaBus } from "./bus/kafka-bus.js";
export type { KafkaBusOptions } from "./bus/kafka-bus.js";
export { createTopicsAndWait } from "./bus/kafka-topics.js";
export type { KafkaSecurity, SaslMechanism } from "./bus/kafka-security.js";
export type { TopicWaitOptions } from "./bus/kafka-topics.js";
export { createMemoryBus } from "./bus/memory-bus.js";
export type { MemoryBusOptions } from "./bus/memory-bus.js";
export { createPlatformaticBus } from "./bus/platformatic-bus.js";
export type { PlatformaticBusOptions } from "./bus/platformatic-bus.js";

// db
export { createPool, dbHealth, withTransaction } from "./db/pool.js";
export type { Pool, PoolClient, PoolOptions } from "./db/pool.js";
export { checkMigrated, runMigrations } from "./db/migrations.js";
export { checkSchemaName } from "./db/schema-name.js";
export type { MigrationOptions, MigrationResult } from "./db/migrations.js";

// rpc
export { addService, bindGrpc, createGrpcServer, stopGrpc, toGrpcStatus } from "./rpc/server.js";
export type { AddServiceOptions, GrpcServerOptions } from "./rpc/server.js";
export { appErrorFromGrpc, createGrpcClient } from "./rpc/client.js";
export { rewardScoresClient, type RewardScores } from "./rpc/reward-scores.js";
export { FIELDS_TRAILER } from "./rpc/types.js";
export type { CallContext, CallOptions, ClientMethod, GrpcClient, MethodImpl, ServiceImpl } from "./rpc/types.js";

// http
export { createHttpServer, listenHttp, toAppError } from "./http/server.js";
export type { HttpServerOptions } from "./http/server.js";
export type { CheckResult, Readiness, ReadinessCheck } from "./http/readiness.js";

// auth (API keys of callers)
export {
  ANY_TENANT, CALL_ROLES, KEY_PREFIX_PATTERN, KEY_ROLES, KEY_TENANT_PATTERN, READ_ROLES, WRITE_ROLES,
  bearerToken, hashApiKey, hashesEqual, isApiKeyOf, keyIdOf, newApiKey,
} from "./auth/keys.js";
export type { KeyRole } from "./auth/keys.js";
export { ApiKeyAuth, assertTenant, canAccess } from "./auth/api-key-auth.js";
export type { ApiKeyAuthOptions, Caller, CallerAuth, KeyQueryable } from "./auth/api-key-auth.js";
export { keyScopeViolations, serviceKeys } from "./auth/key-store.js";
export type { IssueKeyInput, IssuedKey, KeyInfo, ServiceKeys } from "./auth/key-store.js";
export { OwnerCache } from "./auth/owner-cache.js";

// net
export { freePort } from "./net/free-port.js";

// lifecycle
export { ShutdownPhases, createLifecycle } from "./lifecycle/lifecycle.js";
export { createProcessDeps, runServiceProcess, serviceProcessFields, serviceProcessIssues } from "./lifecycle/service-process.js";
export type { RunnableService, ServiceProcessConfig, ServiceProcessDeps } from "./lifecycle/service-process.js";
export type { Lifecycle, LifecycleOptions, ShutdownPhase, ShutdownReport, ShutdownStepOptions } from "./lifecycle/lifecycle.js";
