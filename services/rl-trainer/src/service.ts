// Builds every part of the RL trainer from its dependencies, in one place (cluster and embedded mode).
import { ApiKeyAuth, AppError, READ_ROLES, canAccess, addService, bindGrpc, checkMigrated, createGrpcServer, createHttpServer, dbHealth, decodeRecord, listenHttp, stopGrpc, trackConsumerLag } from "@rlhf-loop/kit";
import type { Bus, Lifecycle, Logger, Metrics, Pool, Subscription } from "@rlhf-loop/kit";
import { customerText } from "@rlhf-loop/sim";
import { CanaryDecision, CanaryReportAnnouncementSchema, InteractionSchema, Policy, RewardModelAnnouncementSchema, RewardModelStatus, RlRunRequestSchema, Topics, isCanaryHoldout } from "@rlhf-loop/proto";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { FastifyInstance } from "fastify";
import { PolicyAccess, guardPolicyImpl } from "./api/access.js";
import { PolicyCache, policyGrpcImpl } from "./api/grpc.js";
import { RL_TRAINER_MIGRATIONS_DIR, migrateRlTrainer, policyKeys } from "./migrate.js";
import { promotionOf } from "./domain/serving.js";
import { keywordJudge, type AnswerJudge } from "./domain/shape.js";
import { rlMetrics } from "./metrics.js";
import { buildPolicyInference } from "@rlhf-loop/ml";
import { RunExecutor, type ExecutorOptions, type PolicyModelJson } from "./run/executor.js";
import { unpackCheckpoint } from "./store/blob.js";
import { RunRequests } from "./run/requests.js";
import { RlStore } from "./store/store.js";
import type { RewardFn } from "./train/rl.js";

export interface RlTrainerOptions {
  readonly dbSchema: string;
  readonly migrate: boolean;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly host: string;
  readonly topics: { readonly rlRuns: string; readonly rewardModels: string; readonly policies: string; readonly interactions: string; readonly canaryReports: string };
  readonly groupPrefix: string;
  /** Runs need their reward model announced first (off for tests that bring their own reward). */
  readonly requireKnownRewardModel: boolean;
  /** Consume rlhf.rl-runs.v1 (off in a one-shot job that reads one message itself). */
  readonly consumeRuns: boolean;
  readonly executor: ExecutorOptions;
  readonly maxTokens: number;
  /**
   * "required": every HTTP route and gRPC method but health, readiness and metrics needs a key of
   * `<dbSchema>.api_keys`. "off" only for tests that are not about auth; no variable sets it.
   */
  readonly auth: "required" | "off";
}

export const defaultRlTrainerOptions: RlTrainerOptions = {
  dbSchema: "rl_trainer",
  migrate: true,
  httpPort: 8084,
  grpcPort: 9094,
  host: "127.0.0.1",
  topics: { rlRuns: Topics.rlRuns, rewardModels: Topics.rewardModels, policies: Topics.policies, interactions: Topics.interactions, canaryReports: Topics.canaryReports },
  groupPrefix: "rl-trainer",
  requireKnownRewardModel: true,
  consumeRuns: true,
  executor: { checkpointEvery: 5, referenceFit: { epochs: 6, lr: 0.02, temperature: 0.6 }, loggedAnswerLimit: 10_000, probePrompts: 128 },
  maxTokens: 200,
  auth: "required",
};

export interface RlTrainerDeps {
  readonly bus: Bus;
  readonly pool: Pool;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Scores answers with a reward model id (the reward service's ScoreBatch in production). */
  readonly rewardFor: (modelId: string) => Promise<RewardFn>;
  /** Shape traits and (simulated product) gold; defaults to the keyword judge. */
  readonly judge?: AnswerJudge;
  readonly options?: Partial<RlTrainerOptions>;
}

export interface RlTrainerService {
  readonly options: RlTrainerOptions;
  readonly http: FastifyInstance;
  readonly store: RlStore;
  readonly requests: RunRequests;
  readonly executor: RunExecutor;
  /** Migrates, starts consumers, resumes unfinished runs, listens. */
  start(): Promise<{ httpPort: number; grpcPort: number }>;
  stop(): Promise<void>;
  registerShutdown(lifecycle: Lifecycle): void;
}

export function createRlTrainerService(deps: RlTrainerDeps): RlTrainerService {
  const options: RlTrainerOptions = { ...defaultRlTrainerOptions, ...deps.options };
  const { bus, pool, metrics } = deps;
  const logger = deps.logger.child({ component: "rl-trainer" });
  const m = rlMetrics(metrics);
  const store = new RlStore(pool, options.dbSchema);
  const executor = new RunExecutor({ store, bus, logger, metrics: m, rewardFor: deps.rewardFor, judge: deps.judge ?? keywordJudge, options: options.executor, topics: { policies: options.topics.policies } });
  const requests = new RunRequests(store, executor, logger, { requireKnownRewardModel: options.requireKnownRewardModel });
  const cache = new PolicyCache(store, 4, options.executor.threads);
  const auth = options.auth === "off" ? ApiKeyAuth.off() : new ApiKeyAuth(pool, options.dbSchema, { prefix: policyKeys.prefix });
  const access = new PolicyAccess(auth, store);
  const http = createHttpServer({ logger, metrics, readiness: [{ name: "kafka", check: () => bus.health() }, { name: "postgres", check: () => dbHealth(pool) }] });
  http.get("/v1/runs/:id", async (req) => {
    const caller = await access.caller(req.headers.authorization, READ_ROLES);
    const row = await store.getRun((req.params as { id: string }).id);
    if (!row || !canAccess(caller, row.tenantId)) throw new AppError("not_found", "run not found");
    return { run: row, steps: await store.stats(row.runId) };
  });
  // The policy's sampling step as a self-contained ONNX file (weights inside; config and vocabulary
  // in metadata rlhf.config / rlhf.vocab), for any ONNX runtime.
  http.get("/v1/policies/:version/model.onnx", async (req, reply) => {
    const version = (req.params as { version: string }).version;
    await access.checkPolicy(await access.caller(req.headers.authorization, READ_ROLES), version);
    const row = await store.checkpoint(version);
    if (!row) throw new AppError("not_found", `policy version ${version} not found`);
    const ck = unpackCheckpoint(row.checkpoint);
    const model = ck.model as unknown as PolicyModelJson;
    const onnx = buildPolicyInference(model.config, ck.state.params, { "rlhf.vocab": JSON.stringify(model.vocab), "rlhf.policy_version": version });
    return reply.header("content-type", "application/octet-stream").send(Buffer.from(onnx.bytes));
  });
  const grpc = createGrpcServer();
  addService(grpc, Policy, guardPolicyImpl(policyGrpcImpl({ store, cache, requests, metrics: m, maxTokens: options.maxTokens }), access), { logger, metrics });
  const subs: Subscription[] = [];
  let grpcPort = 0;

  async function start(): Promise<{ httpPort: number; grpcPort: number }> {
    if (options.migrate) await migrateRlTrainer(pool, { schema: options.dbSchema, logger });
    else await checkMigrated(pool, { schema: options.dbSchema, dir: RL_TRAINER_MIGRATIONS_DIR });
    const t = options.topics;
    await bus.ensureTopics([t.rlRuns, `${t.rlRuns}.dlq`, t.policies, `${t.policies}.dlq`, t.rewardModels, `${t.rewardModels}.dlq`, t.interactions, `${t.interactions}.dlq`, t.canaryReports, `${t.canaryReports}.dlq`]);
    subs.push(
      await bus.subscribe({
        groupId: `${options.groupPrefix}.reward-models`, topics: [t.rewardModels], fromBeginning: true, maxAttempts: 5,
        handleBatch: async (records) => {
          for (const r of records) {
            const a = decodeRecord(r, RewardModelAnnouncementSchema);
            if (a.model) await store.upsertRewardModel({ modelId: a.model.modelId, tenantId: a.model.tenantId, status: RewardModelStatus[a.model.status] ?? "UNSPECIFIED" });
          }
        },
      }),
      await bus.subscribe({
        groupId: `${options.groupPrefix}.interactions`, topics: [t.interactions], fromBeginning: true, maxAttempts: 5,
        handleBatch: async (records) => {
          const rows = records.map((r) => decodeRecord(r, InteractionSchema)).filter((i) => i.answer && i.prompt.length > 0 && !i.regeneratedFrom);
          await store.insertLoggedAnswers(
            rows.map((i) => ({
              interactionId: `${i.tenantId}/${i.interactionId}`,
              tenantId: i.tenantId,
              prompt: customerText(i.prompt.map((x) => ({ role: x.role, content: x.content }))),
              answer: i.answer,
              // The canary set, and the conversations held out for it, never train the policy.
              canary: i.metadata["purpose"] === "canary" || i.metadata["canary"] === "true" || isCanaryHoldout(i.tenantId, i.conversationId, i.interactionId),
              occurredAt: i.occurredAt ? timestampDate(i.occurredAt) : null,
            })),
          );
        },
      }),
      // The canary's PROMOTE makes a checkpoint the tenant's served policy (Generate with a tenant
      // and no version). Replayed from the beginning: the newest report per tenant wins.
      await bus.subscribe({
        groupId: `${options.groupPrefix}.canary-reports`, topics: [t.canaryReports], fromBeginning: true, maxAttempts: 5,
        handleBatch: async (records) => {
          for (const r of records) {
            const report = decodeRecord(r, CanaryReportAnnouncementSchema).report;
            if (!report) throw new AppError("invalid_argument", "canary report announcement without a report");
            m.canaryReports.inc({ decision: CanaryDecision[report.decision] ?? "UNSPECIFIED" });
            const p = promotionOf({
              reportId: report.reportId, tenantId: report.tenantId, candidateVersion: report.candidateVersion,
              promote: report.decision === CanaryDecision.PROMOTE, createdAt: report.createdAt ? timestampDate(report.createdAt) : undefined,
            });
            if (!p) continue;
            if (!(await store.recordPromotion(p))) continue;
            m.promotions.inc({ tenant: p.tenantId });
            const stored = (await store.checkpoint(p.policyVersion)) !== undefined;
            logger[stored ? "info" : "warn"]({ tenant: p.tenantId, policyVersion: p.policyVersion, reportId: p.reportId, stored }, stored ? "policy promoted" : "policy promoted but its checkpoint is not stored here");
          }
        },
      }),
    );
    if (options.consumeRuns) {
      subs.push(
        await bus.subscribe({
          groupId: `${options.groupPrefix}.rl-runs`, topics: [t.rlRuns], fromBeginning: true, maxAttempts: 3,
          handleBatch: async (records) => {
            for (const r of records) await requests.accept(decodeRecord(r, RlRunRequestSchema));
          },
        }),
      );
      trackConsumerLag(metrics, bus, [{ groupId: `${options.groupPrefix}.rl-runs`, topics: [t.rlRuns] }]);
    }
    // Only a process that takes runs resumes them; a Generate-only process leaves them to the job.
    if (options.consumeRuns) for (const id of await store.unfinishedRuns()) requests.enqueue(id);
    const httpPort = await listenHttp(http, { host: options.host, port: options.httpPort });
    grpcPort = await bindGrpc(grpc, `${options.host}:${options.grpcPort}`);
    logger.info({ httpPort, grpcPort }, "rl-trainer listening");
    return { httpPort, grpcPort };
  }

  async function stopIntake(): Promise<void> {
    await Promise.all([http.close(), stopGrpc(grpc, 5_000)]);
  }
  async function stopConsumers(): Promise<void> {
    for (const s of subs.splice(0)) await s.stop();
    await requests.stop();
  }

  return {
    options, http, store, requests, executor, start,
    async stop() {
      http.readiness.markUnready();
      await stopIntake();
      await stopConsumers();
      await cache.close();
    },
    registerShutdown(lifecycle) {
      lifecycle.onShutdown("mark unready", () => http.readiness.markUnready(), { phase: "unready" });
      lifecycle.onShutdown("stop http and grpc", stopIntake, { phase: "intake" });
      lifecycle.onShutdown("stop consumers and runs", stopConsumers, { phase: "consumers" });
      lifecycle.onShutdown("release policies", () => cache.close(), { phase: "flush" });
    },
  };
}
