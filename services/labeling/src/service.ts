import { addService, bindGrpc, checkMigrated, createGrpcServer, createHttpServer, dbHealth, listenHttp, stopGrpc, trackConsumerLag } from "@rlhf-loop/kit";
import type { Bus, Lifecycle, Logger, Metrics, Pool } from "@rlhf-loop/kit";
import { Labeling } from "@rlhf-loop/proto";
import type { FastifyInstance } from "fastify";
import { RaterAuth } from "./api/auth.js";
import { labelingGrpcImpl } from "./api/grpc-handlers.js";
import { registerHttpApi } from "./api/http-routes.js";
import { Auditor } from "./audit/auditor.js";
import { LabelingConsumer } from "./consume/consumer.js";
import { Labeler } from "./consume/labeler.js";
import { PairPublisher } from "./consume/pair-publisher.js";
import { DatasetAnnouncer } from "./datasets/announcer.js";
import type { BuildRequest, ImportRequest } from "./datasets/snapshots.js";
import { buildSnapshot, importSnapshot } from "./datasets/snapshots.js";
import { labelingMetrics } from "./metrics.js";
import { LABELING_MIGRATIONS_DIR, migrateLabeling } from "./migrate.js";
import { ReviewDesk } from "./review/review-desk.js";
import type { LabelingOptions } from "./service-options.js";
import { defaultLabelingOptions } from "./service-options.js";
import { openTaskCount } from "./store/review-store.js";
import { pausedRubrics } from "./store/rubrics-store.js";
import type { DatasetManifest } from "@rlhf-loop/proto";

export interface LabelingDeps {
  /** Kafka bus (cluster mode) or the in-process memory bus (embedded mode). */
  bus: Bus;
  pool: Pool;
  logger: Logger;
  metrics: Metrics;
  options?: Partial<LabelingOptions>;
}

export interface LabelingService {
  readonly options: LabelingOptions;
  readonly http: FastifyInstance;
  readonly desk: ReviewDesk;
  readonly auditor: Auditor;
  /** Migrates (unless options.migrate is false), ensures topics, starts the consumer, listens. */
  start(): Promise<{ httpPort: number; grpcPort: number }>;
  /** Stops in the DESIGN order; the bus and pool belong to the caller. */
  stop(): Promise<void>;
  registerShutdown(lifecycle: Lifecycle): void;
  /** Builds, stores and announces a dataset snapshot (the HTTP endpoint and the embedded mode). */
  snapshot(req: Omit<BuildRequest, "policy"> & { policy?: Partial<BuildRequest["policy"]> }): Promise<DatasetManifest>;
  /** Imports a trainer-format file as a snapshot and announces it. */
  importDataset(req: ImportRequest): Promise<DatasetManifest>;
  /** Publishes every stored, unpublished pair now (also runs after each batch and on a timer). */
  flushPairs(): Promise<number>;
}

/** Builds every part of the labeling service from its dependencies, in one place. */
export function createLabelingService(deps: LabelingDeps): LabelingService {
  const options: LabelingOptions = { ...defaultLabelingOptions, ...deps.options };
  const { bus, pool, metrics } = deps;
  const schema = options.dbSchema;
  const logger = deps.logger.child({ component: "labeling" });
  const m = labelingMetrics(metrics);

  metrics.gauge({
    name: "rlhf_labeling_collection_paused",
    help: "1 while collection under a rubric version is paused because a newer version was published",
    labelNames: ["tenant", "rubric_version"] as const,
    collect: async (g) => {
      try {
        const paused = await pausedRubrics(pool, schema);
        g.reset();
        for (const p of paused) g.set({ tenant: p.tenantId, rubric_version: p.version }, 1);
      } catch {
        // Keep the last values while Postgres is unreachable.
      }
    },
  });
  metrics.gauge({
    name: "rlhf_labeling_review_tasks_open",
    help: "Review tasks (not gold) still waiting for judgments",
    collect: async (g) => {
      try {
        g.set(await openTaskCount(pool, schema));
      } catch {
        // as above
      }
    },
  });

  const publisher = new PairPublisher(bus, pool, { schema, topic: options.topics.pairs, batch: options.publishBatch, intervalMs: options.publishIntervalMs }, logger, m);
  const announcer = new DatasetAnnouncer(bus, pool, { schema, topic: options.topics.datasets, intervalMs: options.publishIntervalMs }, logger);
  const labeler = new Labeler({ schema, signals: options.signals, review: options.review, reviewQueue: options.reviewQueue }, m);
  const desk = new ReviewDesk(pool, { schema, review: options.review, leaseMs: options.leaseMs, expertReviewWeight: options.signals.expertReviewWeight }, m, logger, () => void publisher.flush().catch(() => undefined));
  const auditor = new Auditor(pool, { schema, policy: options.audit, windowMs: options.auditWindowMs, intervalMs: options.auditIntervalMs }, m, logger);
  const auth = new RaterAuth(pool, schema);

  const http = createHttpServer({
    logger,
    metrics,
    readiness: [
      { name: "kafka", check: () => bus.health() },
      { name: "postgres", check: () => dbHealth(pool) },
    ],
  });
  const snapshot = async (req: BuildRequest): Promise<DatasetManifest> => {
    const manifest = await buildSnapshot(pool, schema, req, (n) => m.holdoutSkipped("snapshot", n));
    m.snapshot("feedback", Number(manifest.pairCount));
    await announcer.flush().catch(() => undefined);
    return manifest;
  };
  registerHttpApi(http, { auth, desk, auditor, snapshot, pool, schema, defaultPolicy: options.weighting, auditWindowMs: options.auditWindowMs });

  const grpc = createGrpcServer();
  addService(grpc, Labeling, labelingGrpcImpl({ auth, desk, pool, schema }), { logger, metrics });

  const consumer = options.consume
    ? new LabelingConsumer(
        bus,
        pool,
        labeler,
        publisher,
        { groupId: options.consumerGroup, topics: options.topics, fromBeginning: options.consumeFromBeginning, maxAttempts: options.consumeMaxAttempts, maxBatchSize: options.consumeMaxBatch },
        logger,
      )
    : undefined;
  if (consumer) trackConsumerLag(metrics, bus, [{ groupId: options.consumerGroup, topics: [options.topics.interactions, options.topics.feedback] }]);

  let started = false;
  const steps = {
    unready: () => http.readiness.markUnready("shutting down"),
    intake: async () => {
      if (!started) return;
      await Promise.all([http.close(), stopGrpc(grpc, options.shutdownGraceMs)]);
    },
    consumers: async () => {
      auditor.stop();
      await consumer?.stop();
    },
    flush: async () => {
      publisher.stop();
      announcer.stop();
      await publisher.flush().catch(() => undefined);
      await announcer.flush().catch(() => undefined);
      await publisher.idle();
      await announcer.idle();
    },
  };

  return {
    options,
    http,
    desk,
    auditor,
    async start() {
      if (options.migrate) await migrateLabeling(pool, { schema, logger });
      else await checkMigrated(pool, { schema, dir: LABELING_MIGRATIONS_DIR });
      const t = options.topics;
      await bus.ensureTopics([t.interactions, t.feedback, t.pairs, t.datasets, ...[t.interactions, t.feedback, t.pairs, t.datasets].map((x) => `${x}.dlq`)]);
      await consumer?.start();
      publisher.start();
      announcer.start();
      auditor.start();
      const httpPort = await listenHttp(http, { host: options.httpHost, port: options.httpPort });
      const grpcPort = await bindGrpc(grpc, `${options.grpcHost}:${options.grpcPort}`);
      started = true;
      logger.info({ httpPort, grpcPort, schema, topics: t, consume: options.consume }, "labeling started");
      return { httpPort, grpcPort };
    },
    async stop() {
      steps.unready();
      await steps.intake();
      await steps.consumers();
      await steps.flush();
      started = false;
    },
    registerShutdown(lifecycle) {
      lifecycle.onShutdown("labeling: mark unready", steps.unready, { phase: "unready" });
      lifecycle.onShutdown("labeling: stop http and grpc", steps.intake, { phase: "intake", timeoutMs: options.shutdownGraceMs + 2_000 });
      lifecycle.onShutdown("labeling: stop consumer and audits", steps.consumers, { phase: "consumers" });
      lifecycle.onShutdown("labeling: flush pair and dataset outboxes", steps.flush, { phase: "flush" });
    },
    snapshot: (req) => snapshot({ ...req, policy: { ...options.weighting, ...req.policy } }),
    async importDataset(req) {
      const manifest = await importSnapshot(pool, schema, req);
      m.snapshot(manifest.origin, Number(manifest.pairCount));
      await announcer.flush().catch(() => undefined);
      return manifest;
    },
    flushPairs: () => publisher.flush(),
  };
}
