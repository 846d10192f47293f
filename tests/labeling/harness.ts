/**
 * Starts the labeling service in-process (ports 0 on 127.0.0.1) against the real broker and
 * database, with its own Postgres schema, topic names and consumer group, and removes them all
 * on close.
 */
import { randomBytes } from "node:crypto";
import { create, fromBinary } from "@bufbuild/protobuf";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createKafkaBus, createLogger, createMetrics, createPool } from "@rlhf-loop/kit";
import type { Bus, Metrics, Pool } from "@rlhf-loop/kit";
import { createLabelingService, createRater } from "@rlhf-loop/labeling";
import type { LabelingOptions, LabelingService } from "@rlhf-loop/labeling";
import {
  ChatMessageSchema,
  type ComparisonChoice,
  ComparisonSchema,
  FeedbackSchema,
  FeedbackSource,
  InteractionSchema,
  isCanaryHoldout,
  type OutcomeKind,
  OutcomeSchema,
  Role,
  ThumbDirection,
  ThumbSchema,
} from "@rlhf-loop/proto";
import type { Feedback, Interaction } from "@rlhf-loop/proto";
import { Kafka, logLevel } from "kafkajs";

import { stackEnv } from "../support/stack-env.js";
import { dropTestData } from "../support/teardown.js";

export { stackEnv };

export interface Harness {
  service: LabelingService;
  baseUrl: string;
  grpcAddress: string;
  pool: Pool;
  bus: Bus;
  metrics: Metrics;
  schema: string;
  suffix: string;
  topics: LabelingOptions["topics"];
  tenantId: string;
  leadKey: string;
  /** Creates an expert (or lead/service) of the test tenant; returns its key. */
  rater(raterId: string, role?: "expert" | "lead" | "service"): Promise<string>;
  publishInteractions(list: Interaction[]): Promise<void>;
  publishFeedback(list: Feedback[]): Promise<void>;
  readTopic<D extends DescMessage>(topic: string, schema: D): Promise<MessageShape<D>[]>;
  /** Records on a topic (end minus start offsets). */
  topicCount(topic: string): Promise<number>;
  eventually<T>(check: () => Promise<T>, timeoutMs?: number): Promise<T>;
  /** GET/POST JSON with a key; returns status and body. */
  http(method: string, path: string, key: string | undefined, body?: unknown): Promise<{ status: number; body: Record<string, unknown>; text: string }>;
  close(): Promise<void>;
}

/** `tenantId` fixes the tenant (seeded sampling draws then repeat exactly); default a fresh one. */
export async function startHarness(overrides: Partial<LabelingOptions> = {}, fixedTenantId?: string): Promise<Harness> {
  const env = stackEnv();
  const suffix = randomBytes(4).toString("hex");
  const schema = `labeling_t_${suffix}`;
  const topics = {
    interactions: `test.${suffix}.interactions`,
    feedback: `test.${suffix}.feedback`,
    pairs: `test.${suffix}.pairs`,
    datasets: `test.${suffix}.datasets`,
  };
  const logger = createLogger({ service: "labeling-test", level: (process.env["LOG_LEVEL"] as "info" | undefined) ?? "silent" });
  const metrics = createMetrics({ service: "labeling-test", defaultMetrics: false });
  const pool = createPool({ url: env.databaseUrl, max: 8, applicationName: "labeling-test", logger });
  const bus = createKafkaBus({ brokers: env.brokers, clientId: `labeling-test-${suffix}`, logger, metrics });
  const service = createLabelingService({
    bus,
    pool,
    logger,
    metrics,
    options: {
      httpPort: 0,
      grpcPort: 0,
      dbSchema: schema,
      topics,
      consumerGroup: `labeling-test-${suffix}`,
      consumeFromBeginning: true,
      shutdownGraceMs: 2_000,
      publishIntervalMs: 500,
      auditIntervalMs: 0,
      ...overrides,
    },
  });
  const kafka = new Kafka({ clientId: `labeling-test-reader-${suffix}`, brokers: env.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  let closed = false;
  const cleanup = async () => {
    if (closed) return;
    closed = true;
    await service.stop().catch(() => undefined);
    await bus.close().catch(() => undefined);
    await dropTestData({ pool, schemas: [schema], admin, topicPrefix: `test.${suffix}.` });
  };
  try {
    await admin.connect();
    const { httpPort, grpcPort } = await service.start();
    const tenantId = fixedTenantId ?? `acme-${suffix}`;
    const lead = await createRater(pool, schema, { tenantId, raterId: "lead-1", role: "lead" });
    const baseUrl = `http://127.0.0.1:${httpPort}`;

    const readTopic = async <D extends DescMessage>(topic: string, desc: D): Promise<MessageShape<D>[]> => {
      const offsets = await admin.fetchTopicOffsets(topic);
      const want = new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
      const out: MessageShape<D>[] = [];
      if (want.size === 0) return out;
      const consumer = kafka.consumer({ groupId: `reader-${suffix}-${randomBytes(3).toString("hex")}` });
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), 20_000);
          consumer
            .run({
              eachMessage: async ({ partition, message }) => {
                out.push(fromBinary(desc, new Uint8Array(message.value ?? Buffer.alloc(0))));
                const end = want.get(partition);
                if (end !== undefined && BigInt(message.offset) + 1n >= end) want.delete(partition);
                if (want.size === 0) {
                  clearTimeout(timer);
                  resolve();
                }
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
      }
      return out;
    };

    return {
      service,
      baseUrl,
      grpcAddress: `127.0.0.1:${grpcPort}`,
      pool,
      bus,
      metrics,
      schema,
      suffix,
      topics,
      tenantId,
      leadKey: lead.key,
      async rater(raterId, role = "expert") {
        return (await createRater(pool, schema, { tenantId, raterId, role })).key;
      },
      publishInteractions: (list) => bus.publish(topics.interactions, InteractionSchema, list.map((m) => ({ key: m.interactionId, message: m }))),
      publishFeedback: (list) => bus.publish(topics.feedback, FeedbackSchema, list.map((m) => ({ key: m.interactionId, message: m }))),
      readTopic,
      async topicCount(topic) {
        const offsets = await admin.fetchTopicOffsets(topic);
        return offsets.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0);
      },
      async eventually(check, timeoutMs = 20_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          try {
            return await check();
          } catch (err) {
            if (Date.now() > deadline) throw err;
            await new Promise((r) => setTimeout(r, 150));
          }
        }
      },
      async http(method, path, key, body) {
        const headers: Record<string, string> = {};
        if (key !== undefined) headers["authorization"] = `Bearer ${key}`;
        if (body !== undefined) headers["content-type"] = "application/json";
        const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
        const text = await res.text();
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // not JSON (the review page, exports)
        }
        return { status: res.status, body: parsed, text };
      },
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * The conversation id `base`, or the first `base~k` on the wanted side of the canary holdout for
 * this tenant (labeling never pairs held-out conversations; test tenants are random, so fixtures
 * pick their side explicitly). The same (tenant, base) always maps to the same id.
 */
export function conversationOn(side: "kept" | "held-out", tenantId: string, base: string): string {
  for (let k = 0; ; k++) {
    const id = k === 0 ? base : `${base}~${k}`;
    if (isCanaryHoldout(tenantId, id) === (side === "held-out")) return id;
  }
}

/** Message builders for tests (tenant set, as ingestion would). Conversations stay out of the
 * canary holdout unless `heldOut` asks for one. */
export function interaction(
  tenantId: string,
  id: string,
  prompt: string,
  answer: string,
  init: Partial<{ segment: string; at: number; conversationId: string; turnIndex: number; regeneratedFrom: string; heldOut: boolean }> = {},
): Interaction {
  return create(InteractionSchema, {
    interactionId: id,
    tenantId,
    conversationId: conversationOn(init.heldOut ? "held-out" : "kept", tenantId, init.conversationId ?? `conv-${id}`),
    turnIndex: init.turnIndex ?? 0,
    prompt: [create(ChatMessageSchema, { role: Role.USER, content: prompt })],
    answer,
    modelVersion: "m1",
    segment: init.segment ?? "consumer",
    occurredAt: timestampFromMs(init.at ?? Date.parse("2025-03-03T10:00:00Z")),
    regeneratedFrom: init.regeneratedFrom ?? "",
  });
}

let fseq = 0;
function feedback(tenantId: string, interactionId: string, kind: Feedback["kind"], init: Partial<{ rater: string; at: number; source: FeedbackSource; rubric: string; id: string }> = {}): Feedback {
  const id = init.id ?? `fb-${++fseq}-${interactionId}`;
  return create(FeedbackSchema, {
    feedbackId: id,
    tenantId,
    interactionId,
    source: init.source ?? FeedbackSource.END_USER,
    raterId: init.rater ?? "",
    rubricVersion: init.rubric ?? "",
    idempotencyKey: id,
    occurredAt: timestampFromMs(init.at ?? Date.parse("2025-03-03T11:00:00Z")),
    kind,
  });
}

export const thumb = (t: string, id: string, up: boolean, init: Parameters<typeof feedback>[3] = {}) =>
  feedback(t, id, { case: "thumb", value: create(ThumbSchema, { direction: up ? ThumbDirection.UP : ThumbDirection.DOWN }) }, init);
export const outcome = (t: string, id: string, kind: OutcomeKind, init: Parameters<typeof feedback>[3] = {}) =>
  feedback(t, id, { case: "outcome", value: create(OutcomeSchema, { kind }) }, { source: FeedbackSource.SYSTEM, ...init });
export const comparison = (t: string, id: string, other: string, choice: ComparisonChoice, init: Parameters<typeof feedback>[3] = {}) =>
  feedback(t, id, { case: "comparison", value: create(ComparisonSchema, { otherInteractionId: other, choice }) }, init);
