import { addService, bindGrpc, checkMigrated, createGrpcServer, createHttpServer, dbHealth, listenHttp, stopGrpc, trackConsumerLag } from "@rlhf-loop/kit";
import type { Bus, Lifecycle, Logger, Metrics, Pool } from "@rlhf-loop/kit";
import { FeedbackIngest } from "@rlhf-loop/proto";
import type { FastifyInstance } from "fastify";
import { Authenticator } from "./accept/authenticator.js";
import { IdempotencyLedger } from "./accept/ledger.js";
import { IngestPipeline } from "./accept/pipeline.js";
import { EventPublisher } from "./accept/publisher.js";
import { grpcIngestImpl } from "./api/grpc-handlers.js";
import { registerHttpApi } from "./api/http-routes.js";
import { peekRequestInfo } from "./api/request-info.js";
import { Persister } from "./consume/persister.js";
import { openApiDocument } from "./domain/openapi.js";
import { TenantRateLimiter } from "./domain/rate-limiter.js";
import { useFastTextEncoding } from "./domain/text-encoding.js";
import { ingestionMetrics } from "./metrics.js";
import { INGESTION_MIGRATIONS_DIR, migrateIngestion } from "./migrate.js";
import type { IngestionOptions } from "./service-options.js";
import { defaultIngestionOptions } from "./service-options.js";

export interface IngestionDeps {
  /** Kafka bus (cluster mode) or the in-process memory bus (embedded mode). */
  bus: Bus;
  pool: Pool;
  logger: Logger;
  metrics: Metrics;
  options?: Partial<IngestionOptions>;
}

export interface IngestionService {
  readonly options: IngestionOptions;
  readonly http: FastifyInstance;
  /** Migrates (unless options.migrate is false), ensures topics, starts the persister, listens. */
  start(): Promise<{ httpPort: number; grpcPort: number }>;
  /**
   * Stops in the DESIGN order: unready, intake (HTTP and gRPC, bounded grace), the consumer,
   * then pending producer sends and ledger writes. The bus and pool belong to the caller.
   */
  stop(): Promise<void>;
  /** Registers the same steps on a kit lifecycle, by phase (main.ts and the embedded mode). */
  registerShutdown(lifecycle: Lifecycle): void;
  /** Joins parked feedback whose interaction is stored now (also runs periodically). */
  sweepParked(): Promise<number>;
}

/** Builds every part of the ingestion service from its dependencies, in one place. */
export function createIngestionService(deps: IngestionDeps): IngestionService {
  useFastTextEncoding();
  const options: IngestionOptions = { ...defaultIngestionOptions, ...deps.options };
  const { bus, pool, metrics } = deps;
  const logger = deps.logger.child({ component: "ingestion" });
  const m = ingestionMetrics(metrics);

  const ledger = new IdempotencyLedger(pool, options.dbSchema, logger, {
    cacheSize: options.idempotencyCacheSize,
    onWriteError: m.ledgerWriteError,
    onFlush: m.flush,
  });
  const publisher = new EventPublisher(bus, options.topics, {
    maxInFlight: options.produceMaxInFlight,
    maxBatch: options.produceMaxBatch,
    maxBatchBytes: options.produceMaxBatchBytes,
    onFlush: (n) => m.flush("produce", n),
  });
  const pipeline = new IngestPipeline({ ledger, publisher, limiter: new TenantRateLimiter(), logger, metrics: m, redactPii: options.redactPii });
  const authenticator = new Authenticator(pool, options.dbSchema, options.defaultRateLimit, {
    ttlMs: options.authCacheTtlMs,
    negativeTtlMs: Math.min(options.authCacheTtlMs, 5_000),
  });

  const http = createHttpServer({
    logger,
    metrics,
    bodyLimitBytes: options.maxBatchBytes,
    logRequests: false, // our own line below carries the tenant and event counts
    readiness: [
      { name: "kafka", check: () => bus.health() },
      { name: "postgres", check: () => dbHealth(pool) },
    ],
  });
  // One JSON line per request, with the tenant and how many events it carried.
  http.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    const probe = route === "/healthz" || route === "/readyz" || route === "/metrics";
    if (!logger.isLevelEnabled(probe ? "debug" : "info")) return;
    const info = peekRequestInfo(req);
    const line = {
      reqId: req.id,
      method: req.method,
      route,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      ...(info?.tenantId !== undefined ? { tenant: info.tenantId } : {}),
      ...(info?.events !== undefined ? { events: info.events, duplicates: info.duplicates } : {}),
      ...(info?.errorCode !== undefined ? { error: info.errorCode } : {}),
    };
    if (probe) logger.debug(line, "request");
    else logger.info(line, "request");
  });
  registerHttpApi(http, {
    authenticator,
    pipeline,
    openapi: openApiDocument(options),
    maxBodyBytes: options.maxBodyBytes,
    maxBatchBytes: options.maxBatchBytes,
    maxBatchEvents: options.maxBatchEvents,
  });

  const grpc = createGrpcServer({ maxReceiveMessageBytes: options.maxBatchBytes });
  addService(grpc, FeedbackIngest, grpcIngestImpl({ authenticator, pipeline, maxBatchEvents: options.maxBatchEvents, streamChunkSize: options.streamChunkSize }), {
    logger,
    metrics,
  });

  const persister = options.persist
    ? new Persister(
        bus,
        pool,
        {
          groupId: options.consumerGroup,
          topics: options.topics,
          schema: options.dbSchema,
          maxAttempts: options.persistMaxAttempts,
          maxBatchSize: options.persistMaxBatch,
          partitionConcurrency: options.persistConcurrency,
          sweepIntervalMs: options.parkSweepIntervalMs,
          fromBeginning: options.consumeFromBeginning,
        },
        logger,
        metrics,
      )
    : undefined;
  if (persister) trackConsumerLag(metrics, bus, [{ groupId: options.consumerGroup, topics: [options.topics.interactions, options.topics.feedback] }]);

  let started = false;
  /** Each step runs once, whether stop() or a lifecycle (or both) drive it. */
  const once = (fn: () => Promise<void>) => {
    let run: Promise<void> | undefined;
    return () => (run ??= fn());
  };
  const steps = {
    unready: () => http.readiness.markUnready("shutting down"),
    intake: once(async () => {
      if (started) await Promise.all([http.close(), stopGrpc(grpc, options.shutdownGraceMs)]);
    }),
    consumers: once(async () => persister?.stop()),
    flush: once(async () => {
      await publisher.idle();
      await ledger.flush();
    }),
  };

  return {
    options,
    http,
    async start() {
      if (options.migrate) await migrateIngestion(pool, { schema: options.dbSchema, logger });
      else await checkMigrated(pool, { schema: options.dbSchema, dir: INGESTION_MIGRATIONS_DIR });
      const { interactions, feedback } = options.topics;
      await bus.ensureTopics([interactions, feedback, `${interactions}.dlq`, `${feedback}.dlq`]);
      // Intake first: joining the consumer group can take a session timeout (a restarted process
      // waits for its dead predecessor to be evicted), and accepting events does not need it.
      const httpPort = await listenHttp(http, { host: options.httpHost, port: options.httpPort });
      started = true;
      const grpcPort = await bindGrpc(grpc, `${options.grpcHost}:${options.grpcPort}`);
      await persister?.start();
      logger.info({ httpPort, grpcPort, schema: options.dbSchema, topics: options.topics, persist: options.persist }, "ingestion started");
      return { httpPort, grpcPort };
    },
    async stop() {
      steps.unready();
      await steps.intake();
      await steps.consumers();
      await steps.flush();
    },
    registerShutdown(lifecycle) {
      lifecycle.onShutdown("ingestion: mark unready", steps.unready, { phase: "unready" });
      lifecycle.onShutdown("ingestion: stop http and grpc", steps.intake, { phase: "intake", timeoutMs: options.shutdownGraceMs + 2_000 });
      lifecycle.onShutdown("ingestion: stop persister", steps.consumers, { phase: "consumers" });
      lifecycle.onShutdown("ingestion: flush producer and ledger", steps.flush, { phase: "flush" });
    },
    sweepParked: () => persister?.sweep() ?? Promise.resolve(0),
  };
}
