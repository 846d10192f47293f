// Builds every part of the canary from its dependencies, in one place (cluster and embedded mode).
import { ApiKeyAuth, addService, bindGrpc, checkMigrated, createGrpcServer, createHttpServer, dbHealth, listenHttp, stopGrpc, trackConsumerLag } from "@rlhf-loop/kit";
import type { Bus, Lifecycle, Logger, Metrics, Pool, Subscription } from "@rlhf-loop/kit";
import { Canary, Topics } from "@rlhf-loop/proto";
import type { FastifyInstance } from "fastify";
import { canaryGrpcImpl } from "./api/grpc.js";
import { registerHttpApi } from "./api/http-routes.js";
import { startConsumers } from "./consume/consumers.js";
import type { ChecksTemplate } from "./domain/checks-template.js";
import { defaultGateConfig, type GateConfig } from "./domain/gate.js";
import { keywordJudge, type CanaryJudge } from "./domain/judge.js";
import { canaryMetrics } from "./metrics.js";
import { CANARY_MIGRATIONS_DIR, canaryKeys, migrateCanary } from "./migrate.js";
import { CanaryRunner } from "./run/canary-runner.js";
import type { AnswerSource, ScoreSource } from "./run/grpc-ports.js";
import { CanarySets } from "./sets/canary-sets.js";
import { CanaryStore } from "./store/canary-store.js";
import { ProductionWatch } from "./watching/production-watch.js";
import { ProductionTracker } from "./run/production-tracker.js";

export interface CanaryOptions {
  readonly dbSchema: string;
  readonly migrate: boolean;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly host: string;
  readonly topics: { readonly interactions: string; readonly feedback: string; readonly policies: string; readonly reports: string };
  readonly groupPrefix: string;
  readonly autoRun: boolean;
  readonly samplesPerTask: number;
  readonly seed: number;
  readonly gate: GateConfig;
  readonly rewardModelOverride: string;
  readonly bootstrapResamples: number;
  readonly template: ChecksTemplate;
  readonly runTimeoutMs: number;
  /** Weekly tracking of the served policy on the canary set (0 = only on request). */
  readonly trackIntervalMs: number;
  /** Milliseconds between refreshes of the production-watch gauges of the tenants folded into (0 = never). */
  readonly watchRefreshMs: number;
  /**
   * "required": every HTTP route and gRPC method but health, readiness and metrics needs a key of
   * `<dbSchema>.api_keys`. "off" only for tests that are not about auth; no variable sets it.
   */
  readonly auth: "required" | "off";
}

export const defaultCanaryOptions: CanaryOptions = {
  dbSchema: "canary",
  migrate: true,
  httpPort: 8085,
  grpcPort: 9095,
  host: "127.0.0.1",
  topics: { interactions: Topics.interactions, feedback: Topics.feedback, policies: Topics.policies, reports: Topics.canaryReports },
  groupPrefix: "canary",
  autoRun: true,
  samplesPerTask: 4,
  seed: 1,
  gate: defaultGateConfig,
  rewardModelOverride: "",
  bootstrapResamples: 2000,
  template: { default: { maxWords: 400 } },
  runTimeoutMs: 600_000,
  trackIntervalMs: 7 * 86_400_000,
  watchRefreshMs: 5_000,
  auth: "required",
};

export interface CanaryDeps {
  readonly bus: Bus;
  readonly pool: Pool;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Policy answers (the RL trainer's GenerateBatch in production). */
  readonly answers: AnswerSource;
  /**
   * Reward-model scores (the reward service's ScoreBatch in production) and, from `grpcScores`, the
   * owner of a reward model a caller names (GetModel).
   */
  readonly scores: ScoreSource;
  /** Shape, and on the simulated product its truth; defaults to the keyword judge. */
  readonly judge?: CanaryJudge;
  readonly options?: Partial<CanaryOptions>;
}

export interface CanaryService {
  readonly options: CanaryOptions;
  readonly http: FastifyInstance;
  readonly store: CanaryStore;
  readonly runner: CanaryRunner;
  readonly sets: CanarySets;
  readonly watch: ProductionWatch;
  readonly tracker: ProductionTracker;
  start(): Promise<{ httpPort: number; grpcPort: number }>;
  stop(): Promise<void>;
  registerShutdown(lifecycle: Lifecycle): void;
}

export function createCanaryService(deps: CanaryDeps): CanaryService {
  const options: CanaryOptions = { ...defaultCanaryOptions, ...deps.options };
  const { bus, pool, metrics } = deps;
  const logger = deps.logger.child({ component: "canary" });
  const m = canaryMetrics(metrics);
  const store = new CanaryStore(pool, options.dbSchema);
  const runner = new CanaryRunner({
    store, bus, logger, metrics: m, answers: deps.answers, scores: deps.scores, judge: deps.judge ?? keywordJudge,
    options: { samplesPerTask: options.samplesPerTask, seed: options.seed, gate: options.gate, rewardModelOverride: options.rewardModelOverride, bootstrapResamples: options.bootstrapResamples, topic: options.topics.reports },
  });
  const sets = new CanarySets(store, m);
  const tracker = new ProductionTracker({
    store, answers: deps.answers, scores: deps.scores, judge: deps.judge ?? keywordJudge, metrics: m, logger,
    options: { samplesPerTask: options.samplesPerTask, seed: options.seed, rewardModelOverride: options.rewardModelOverride, intervalMs: options.trackIntervalMs },
  });
  const watch = new ProductionWatch(store, m, logger, { refreshMs: options.watchRefreshMs });
  const auth = options.auth === "off" ? ApiKeyAuth.off() : new ApiKeyAuth(pool, options.dbSchema, { prefix: canaryKeys.prefix });
  const http = createHttpServer({ logger, metrics, readiness: [{ name: "kafka", check: () => bus.health() }, { name: "postgres", check: () => dbHealth(pool) }] });
  registerHttpApi(http, { auth, store, sets, runner, defaultTemplate: options.template, watch: (tenant) => watch.summary(tenant), track: (tenant, at) => tracker.track(tenant, at) });
  const grpc = createGrpcServer();
  addService(grpc, Canary, canaryGrpcImpl({ auth, store, runner, runTimeoutMs: options.runTimeoutMs }), { logger, metrics });
  const subs: Subscription[] = [];

  async function start(): Promise<{ httpPort: number; grpcPort: number }> {
    if (options.migrate) await migrateCanary(pool, { schema: options.dbSchema, logger });
    else await checkMigrated(pool, { schema: options.dbSchema, dir: CANARY_MIGRATIONS_DIR });
    await bus.ensureTopics([options.topics.reports, `${options.topics.reports}.dlq`]);
    subs.push(...(await startConsumers({ bus, store, runner, metrics: m, logger, watch: watch.sink, topics: options.topics, groupPrefix: options.groupPrefix, autoRun: options.autoRun })));
    const t = options.topics;
    trackConsumerLag(metrics, bus, [
      { groupId: `${options.groupPrefix}.interactions`, topics: [t.interactions] },
      { groupId: `${options.groupPrefix}.feedback`, topics: [t.feedback] },
      { groupId: `${options.groupPrefix}.policies`, topics: [t.policies] },
    ]);
    for (const id of await store.unfinishedReports()) runner.enqueue(id);
    tracker.start();
    watch.start();
    const httpPort = await listenHttp(http, { host: options.host, port: options.httpPort });
    const grpcPort = await bindGrpc(grpc, `${options.host}:${options.grpcPort}`);
    logger.info({ httpPort, grpcPort }, "canary listening");
    return { httpPort, grpcPort };
  }

  async function stopIntake(): Promise<void> {
    await Promise.all([http.close(), stopGrpc(grpc, 5_000)]);
  }
  // All at once: each consumer's disconnect waits for its batch in flight, and the runner and the
  // tracker only need their interrupt (a queued or running report resumes at the next start).
  async function stopConsumers(): Promise<void> {
    await Promise.all([...subs.splice(0).map((s) => s.stop()), tracker.stop(), runner.stop(), watch.stop()]);
  }

  return {
    options, http, store, runner, sets, watch, tracker, start,
    async stop() {
      http.readiness.markUnready();
      await stopIntake();
      await stopConsumers();
    },
    registerShutdown(lifecycle) {
      lifecycle.onShutdown("mark unready", () => http.readiness.markUnready(), { phase: "unready" });
      lifecycle.onShutdown("stop http and grpc", stopIntake, { phase: "intake" });
      lifecycle.onShutdown("stop consumers and runs", stopConsumers, { phase: "consumers" });
    },
  };
}
