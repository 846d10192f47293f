import { ApiKeyAuth, AppError, addService, bindGrpc, checkMigrated, createGrpcClient, createGrpcServer, createHttpServer, dbHealth, listenHttp, stopGrpc, trackConsumerLag } from "@rlhf-loop/kit";
import type { Bus, Lifecycle, Logger, Metrics, Pool, Subscription } from "@rlhf-loop/kit";
import { dlqTopic, Labeling, Reward, type TopicName } from "@rlhf-loop/proto";
import type { FastifyInstance } from "fastify";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { RewardAccess, guardRewardImpl } from "./api/access.js";
import { grpcRewardImpl } from "./api/grpc-handlers.js";
import { registerHttpApi } from "./api/http-routes.js";
import { subscribeDatasets, subscribeEvidence } from "./consume/consumers.js";
import { rewardMetrics, type RewardMetrics } from "./metrics.js";
import { REWARD_MIGRATIONS_DIR, migrateReward, rewardKeys } from "./migrate.js";
import { Registrar } from "./registrar.js";
import { RewardServing } from "./serve/reward-serving.js";
import { ScoringPool } from "./serve/scoring-pool.js";
import { defaultRewardOptions, type RewardOptions } from "./service-options.js";
import { EvidenceStore } from "./store/evidence-store.js";
import { RegistryStore } from "./store/registry-store.js";
import { RunsStore } from "./store/runs-store.js";
import { TrainQueue, type SnapshotReader } from "./train/train-queue.js";

export interface RewardDeps {
  bus: Bus;
  pool: Pool;
  logger: Logger;
  metrics: Metrics;
  options?: Partial<RewardOptions>;
  /** How snapshots are read; default: labeling's gRPC StreamDatasetPairs at options.labelingAddress. */
  readSnapshot?: SnapshotReader;
}

export interface RewardService {
  readonly options: RewardOptions;
  readonly http: FastifyInstance;
  readonly registry: RegistryStore;
  readonly registrar: Registrar;
  readonly serving: RewardServing;
  readonly runs: RunsStore;
  readonly trainQueue: TrainQueue;
  readonly metrics: RewardMetrics;
  /** Migrates, ensures topics, loads the approved model, starts consumers, listens. */
  start(): Promise<{ httpPort: number; grpcPort: number }>;
  /** Unready, intake (bounded grace), consumers, training queue, scoring workers. Bus and pool are the caller's. */
  stop(): Promise<void>;
  registerShutdown(lifecycle: Lifecycle): void;
}

/** Builds every part of the reward service from its dependencies, in one place. */
export function createRewardService(deps: RewardDeps): RewardService {
  const options: RewardOptions = { ...defaultRewardOptions, ...deps.options, topics: { ...defaultRewardOptions.topics, ...deps.options?.topics } };
  const { bus, pool } = deps;
  const logger = deps.logger.child({ component: "reward" });
  const m = rewardMetrics(deps.metrics);
  const registry = new RegistryStore(pool, options.dbSchema);
  const runs = new RunsStore(pool, options.dbSchema);
  const evidence = new EvidenceStore(pool, options.dbSchema);
  const scoringPool = ScoringPool.create({ size: options.workers });
  const serving = new RewardServing(scoringPool, registry, options.limits, options.tenantId);
  const registrar = new Registrar(registry, bus, options.topics.rewardModels, serving, m, logger);

  let labelingClient: ReturnType<typeof createGrpcClient<typeof Labeling>> | undefined;
  const readSnapshot: SnapshotReader =
    deps.readSnapshot ??
    ((datasetId, tenantId) => {
      labelingClient ??= createGrpcClient(Labeling, options.labelingAddress);
      // Labeling keys are tenant-scoped (role service): one per tenant, or one for a single-tenant install.
      const key = options.labelingKeys[tenantId] ?? options.labelingKeys["*"];
      if (!key) throw new AppError("failed_precondition", `no labeling service key for tenant ${tenantId} (set REWARD_LABELING_KEYS=${tenantId}=KEY)`, { retriable: false });
      return labelingClient.streamDatasetPairs({ datasetId }, { metadata: { authorization: `Bearer ${key}` } });
    });
  const trainQueue = new TrainQueue(runs, readSnapshot, evidence, registrar, m, logger, {
    trainer: options.trainer,
    ...(options.thresholds ? { thresholds: options.thresholds } : {}),
    autoApprove: options.autoApprove,
    pointwise: options.pointwise,
    ablation: options.ablation,
  });

  const auth = options.auth === "off" ? ApiKeyAuth.off() : new ApiKeyAuth(pool, options.dbSchema, { prefix: rewardKeys.prefix });
  const access = new RewardAccess(auth, registry, options.tenantId);
  const http = createHttpServer({
    logger,
    metrics: deps.metrics,
    bodyLimitBytes: 16 * 1024 * 1024,
    readiness: [
      { name: "kafka", check: () => bus.health() },
      { name: "postgres", check: () => dbHealth(pool) },
    ],
  });
  registerHttpApi(
    http,
    serving,
    registry,
    (n) => m.rows.inc({ api: "http" }, n),
    (id, force) => registrar.approve(id, { force }),
    access,
  );
  const grpc = createGrpcServer({ maxReceiveMessageBytes: 32 * 1024 * 1024 });
  addService(grpc, Reward, guardRewardImpl(grpcRewardImpl(serving, registry, (n) => m.rows.inc({ api: "grpc" }, n)), access), { logger, metrics: deps.metrics });

  const subs: Subscription[] = [];
  const loopTimer = setInterval(() => m.sampleLoopDelay(), 10_000);
  loopTimer.unref();
  let started = false;
  const once = (fn: () => Promise<void>) => {
    let run: Promise<void> | undefined;
    return () => (run ??= fn());
  };
  const steps = {
    unready: () => http.readiness.markUnready("shutting down"),
    intake: once(async () => {
      if (started) await Promise.all([http.close(), stopGrpc(grpc, options.shutdownGraceMs)]);
    }),
    consumers: once(async () => {
      await Promise.all(subs.map((s) => s.stop()));
      await trainQueue.stop();
    }),
    flush: once(async () => {
      clearInterval(loopTimer);
      m.stopLoopMonitor();
      labelingClient?.close();
      await scoringPool.close();
    }),
  };

  return {
    options,
    http,
    registry,
    registrar,
    serving,
    runs,
    trainQueue,
    metrics: m,
    async start() {
      if (options.migrate) await migrateReward(pool, { schema: options.dbSchema, logger });
      else await checkMigrated(pool, { schema: options.dbSchema, dir: REWARD_MIGRATIONS_DIR });
      const topics = [options.topics.datasets, options.topics.rewardModels, options.topics.interactions, options.topics.feedback];
      await bus.ensureTopics([...topics, ...topics.map((t) => dlqTopic(t as TopicName))]);
      for (const dir of options.byoModelDirs) {
        const onnx = new Uint8Array(await readFile(join(dir, "model.onnx")));
        const tokenizer = await readFile(join(dir, "tokenizer.json"), "utf8");
        const byo = await registrar.registerHf(onnx, tokenizer, { name: basename(dir), tenantId: options.tenantId });
        logger.info({ modelId: byo.modelId, dir }, "brought HF reward model registered");
      }
      const served = await serving.refreshApproved();
      if (served) m.setServing(undefined, served);
      await runs.requeueStale();
      if (options.autoTrain) {
        subs.push(await subscribeDatasets(bus, { groupId: `${options.consumerGroup}-datasets`, topic: options.topics.datasets, fromBeginning: options.consumeFromBeginning }, runs, () => trainQueue.kick()));
        trainQueue.kick();
      }
      if (options.pointwise) {
        subs.push(
          await subscribeEvidence(
            bus,
            { groupId: `${options.consumerGroup}-evidence`, interactionsTopic: options.topics.interactions, feedbackTopic: options.topics.feedback, fromBeginning: options.consumeFromBeginning },
            evidence,
          ),
        );
        trainConsumerLag();
      }
      const grpcPort = await bindGrpc(grpc, `${options.grpcHost}:${options.grpcPort}`);
      const httpPort = await listenHttp(http, { host: options.httpHost, port: options.httpPort });
      started = true;
      logger.info({ httpPort, grpcPort, serving: served ?? null }, "reward service started");
      return { httpPort, grpcPort };
    },
    async stop() {
      steps.unready();
      await steps.intake();
      await steps.consumers();
      await steps.flush();
    },
    registerShutdown(lifecycle) {
      lifecycle.onShutdown("reward unready", async () => steps.unready(), { phase: "unready" });
      lifecycle.onShutdown("reward intake", steps.intake, { phase: "intake" });
      lifecycle.onShutdown("reward consumers", steps.consumers, { phase: "consumers" });
      lifecycle.onShutdown("reward scoring workers", steps.flush, { phase: "flush" });
    },
  };

  function trainConsumerLag(): void {
    trackConsumerLag(deps.metrics, bus, [
      { groupId: `${options.consumerGroup}-evidence`, topics: [options.topics.interactions, options.topics.feedback] },
      ...(options.autoTrain ? [{ groupId: `${options.consumerGroup}-datasets`, topics: [options.topics.datasets] }] : []),
    ]);
  }
}
