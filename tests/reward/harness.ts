/**
 * Starts the reward service in-process (ports 0) against the real broker and database, with its
 * own schema, topic names and consumer group; a real gRPC server stands in for labeling's
 * StreamDatasetPairs (the only call reward makes to it), serving the snapshots a test registers.
 */
import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { AppError, addService, bindGrpc, createGrpcServer, createKafkaBus, createLogger, createMetrics, createPool, createTopicsAndWait, stopGrpc } from "@rlhf-loop/kit";
import type { Bus, Pool } from "@rlhf-loop/kit";
import { DatasetPairSchema, Labeling, PairSource, type DatasetPair } from "@rlhf-loop/proto";
import { createRewardService, rewardKeys, type RewardOptions, type RewardService, type TrainPair } from "@rlhf-loop/reward";
import { Kafka, logLevel } from "kafkajs";
import { dropTestData } from "../support/teardown.js";

export { readStackEnv as stackEnv } from "../support/stack-env.js";

const SOURCE: Record<string, PairSource> = { expert: PairSource.EXPERT_REVIEW, thumbs: PairSource.THUMBS, outcomes: PairSource.OUTCOME };

export function toDatasetPairs(pairs: readonly TrainPair[]): DatasetPair[] {
  return pairs.map((p, i) =>
    create(DatasetPairSchema, {
      seq: BigInt(i),
      finalWeight: p.weight,
      pair: {
        pairId: p.id ?? `p${i}`,
        prompt: [{ role: 2, content: p.prompt }],
        chosen: p.chosen,
        rejected: p.rejected,
        source: SOURCE[p.source] ?? PairSource.COMPARISON,
        weight: p.weight,
        contributions: p.segment ? [{ segment: p.segment, weight: p.weight }] : [],
      },
    }),
  );
}

export interface Harness {
  service: RewardService;
  suffix: string;
  schema: string;
  topics: RewardOptions["topics"];
  grpcAddress: string;
  /** The labeling test double's address (StreamDatasetPairs). */
  labelingAddress: string;
  baseUrl: string;
  pool: Pool;
  bus: Bus;
  kafka: Kafka;
  snapshots: Map<string, DatasetPair[]>;
  /** Reward keys made after start: service of every tenant, operator and reader of tenant "t1". */
  keys: { service: string; operator: string; reader: string };
  /** gRPC call options carrying a key (default: the service key). */
  call(key?: string): { metadata: Record<string, string> };
  /** HTTP headers carrying a key (default: the operator key), plus JSON content type. */
  headers(key?: string): Record<string, string>;
  eventually<T>(check: () => Promise<T>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startHarness(env: { brokers: string[]; databaseUrl: string }, overrides: Partial<RewardOptions> = {}): Promise<Harness> {
  const suffix = randomBytes(4).toString("hex");
  const schema = `reward_t_${suffix}`;
  const topics = {
    datasets: `test.${suffix}.datasets`,
    rewardModels: `test.${suffix}.reward-models`,
    interactions: `test.${suffix}.interactions`,
    feedback: `test.${suffix}.feedback`,
  };
  const logger = createLogger({ service: "reward-test", level: (process.env["LOG_LEVEL"] as "info" | undefined) ?? "silent" });
  const metrics = createMetrics({ service: "reward-test", defaultMetrics: false });
  const pool = createPool({ url: env.databaseUrl, max: 8, applicationName: "reward-test", logger });
  const bus = createKafkaBus({ brokers: env.brokers, clientId: `reward-test-${suffix}`, logger, metrics });

  const snapshots = new Map<string, DatasetPair[]>();
  const labeling = createGrpcServer();
  const unimplemented = async (): Promise<never> => {
    throw new AppError("failed_precondition", "not served by this test double");
  };
  addService(labeling, Labeling, {
    nextTask: unimplemented,
    submitJudgment: unimplemented,
    getRubric: unimplemented,
    publishRubric: unimplemented,
    async *streamDatasetPairs(req) {
      const pairs = snapshots.get(req.datasetId);
      if (!pairs) throw new AppError("not_found", `no dataset ${req.datasetId}`);
      yield* pairs;
    },
  });
  const labelingPort = await bindGrpc(labeling, "127.0.0.1:0");

  const service = createRewardService({
    bus,
    pool,
    logger,
    metrics,
    options: {
      httpPort: 0,
      grpcPort: 0,
      dbSchema: schema,
      topics,
      consumerGroup: `reward-test-${suffix}`,
      labelingAddress: `127.0.0.1:${labelingPort}`,
      labelingKeys: { "*": "test-double-accepts-any-key" },
      shutdownGraceMs: 2_000,
      ...overrides,
    },
  });
  const kafka = new Kafka({ clientId: `reward-test-reader-${suffix}`, brokers: env.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await service.stop().catch(() => undefined);
    await stopGrpc(labeling, 1000).catch(() => undefined);
    await bus.close().catch(() => undefined);
    await dropTestData({ pool, schemas: [schema], admin, topicPrefix: `test.${suffix}.` });
  };
  try {
    await admin.connect();
    // Topics exist before the service's consumers join (as in a deployment): a consumer whose
    // metadata predates a topic's partitions may not fetch some of them until its metadata refresh.
    const names = Object.values(topics).flatMap((t) => [t, `${t}.dlq`]);
    await createTopicsAndWait(admin, names.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })));
    const { httpPort, grpcPort } = await service.start();
    const make = async (tenantId: string, role: "service" | "operator" | "reader") => (await rewardKeys.create(pool, { schema, tenantId, role, label: "test" })).key;
    const keys = { service: await make("*", "service"), operator: await make("t1", "operator"), reader: await make("t1", "reader") };
    return {
      keys,
      call: (key = keys.service) => ({ metadata: { authorization: `Bearer ${key}` } }),
      headers: (key = keys.operator) => ({ authorization: `Bearer ${key}`, "content-type": "application/json" }),
      service,
      suffix,
      schema,
      topics,
      grpcAddress: `127.0.0.1:${grpcPort}`,
      labelingAddress: `127.0.0.1:${labelingPort}`,
      baseUrl: `http://127.0.0.1:${httpPort}`,
      pool,
      bus,
      kafka,
      snapshots,
      async eventually(check, timeoutMs = 30_000) {
        const end = Date.now() + timeoutMs;
        for (;;) {
          try {
            return await check();
          } catch (err) {
            if (Date.now() > end) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
