/**
 * Starts the ingestion service in-process (ports 0 on 127.0.0.1) against the real broker and
 * database, with its own Postgres schema, topic names and consumer group, and cleans them up.
 */
import { randomBytes } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { createKafkaBus, createLogger, createMetrics, createPool } from "@rlhf-loop/kit";
import type { Bus, Metrics, Pool } from "@rlhf-loop/kit";
import { createApiKey, createIngestionService, createTenant } from "@rlhf-loop/ingestion";
import type { IngestionOptions, IngestionService } from "@rlhf-loop/ingestion";
import { Kafka, logLevel } from "kafkajs";

import { stackEnv } from "../support/stack-env.js";
import { dropTestData } from "../support/teardown.js";

export { stackEnv };

export interface RawRecord {
  key: string | null;
  headers: Record<string, string>;
  value: Uint8Array;
}

export interface Harness {
  service: IngestionService;
  options: IngestionOptions;
  baseUrl: string;
  grpcAddress: string;
  pool: Pool;
  bus: Bus;
  metrics: Metrics;
  schema: string;
  topics: { interactions: string; feedback: string };
  tenantId: string;
  apiKey: string;
  /** Another tenant with its own key (403 tests). */
  otherTenantId: string;
  otherApiKey: string;
  /** Records on a topic, decoded (reads from the beginning to the current end). */
  readTopic<D extends DescMessage>(topic: string, schema: D): Promise<{ key: string | null; headers: Record<string, string>; message: MessageShape<D> }[]>;
  /** Records on a topic as bytes (DLQ topics). */
  readRaw(topic: string): Promise<RawRecord[]>;
  /** Raw record count of a topic (end offsets minus start offsets). */
  topicCount(topic: string): Promise<number>;
  /** Polls until `check` passes or `timeoutMs` passes (then rethrows its last failure). */
  eventually<T>(check: () => Promise<T>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startHarness(overrides: Partial<IngestionOptions> = {}): Promise<Harness> {
  const env = stackEnv();
  const suffix = randomBytes(4).toString("hex");
  const schema = `ingestion_t_${suffix}`;
  const topics = { interactions: `test.${suffix}.interactions`, feedback: `test.${suffix}.feedback` };
  const logger = createLogger({ service: "ingestion-test", level: (process.env["LOG_LEVEL"] as "info" | undefined) ?? "silent" });
  const metrics = createMetrics({ service: "ingestion-test", defaultMetrics: false });
  const pool = createPool({ url: env.databaseUrl, max: 8, applicationName: "ingestion-test", logger });
  const bus = createKafkaBus({ brokers: env.brokers, clientId: `ingestion-test-${suffix}`, logger, metrics });
  const service = createIngestionService({
    bus,
    pool,
    logger,
    metrics,
    options: {
      httpPort: 0,
      grpcPort: 0,
      dbSchema: schema,
      topics,
      consumerGroup: `ingestion-test-${suffix}`,
      consumeFromBeginning: true,
      shutdownGraceMs: 2_000,
      ...overrides,
    },
  });
  const kafka = new Kafka({ clientId: `ingestion-test-reader-${suffix}`, brokers: env.brokers, logLevel: logLevel.NOTHING });
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
    await createTenant(pool, { schema, tenantId: `acme-${suffix}`, name: "Acme" });
    await createTenant(pool, { schema, tenantId: `other-${suffix}`, name: "Other" });
    const key = await createApiKey(pool, { schema, tenantId: `acme-${suffix}` });
    const otherKey = await createApiKey(pool, { schema, tenantId: `other-${suffix}` });

    const topicCount = async (topic: string) => {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0);
    };

    const readRaw = async (topic: string) => {
      const offsets = await admin.fetchTopicOffsets(topic);
      const want = new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
      const out: RawRecord[] = [];
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
                const headers: Record<string, string> = {};
                for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = (Array.isArray(v) ? v[0] : v)?.toString() ?? "";
                out.push({ key: message.key?.toString() ?? null, headers, value: new Uint8Array(message.value ?? Buffer.alloc(0)) });
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
      options: service.options,
      baseUrl: `http://127.0.0.1:${httpPort}`,
      grpcAddress: `127.0.0.1:${grpcPort}`,
      pool,
      bus,
      metrics,
      schema,
      topics,
      tenantId: `acme-${suffix}`,
      apiKey: key.apiKey,
      otherTenantId: `other-${suffix}`,
      otherApiKey: otherKey.apiKey,
      topicCount,
      async readTopic(topic, desc) {
        return (await readRaw(topic)).map((r) => ({ key: r.key, headers: r.headers, message: fromBinary(desc, r.value) }));
      },
      readRaw,
      async eventually(check, timeoutMs = 15_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          try {
            return await check();
          } catch (err) {
            if (Date.now() > deadline) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      },
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** POSTs JSON (or raw bytes) with the given key; returns status, headers and parsed body. */
export async function post(
  baseUrl: string,
  path: string,
  body: unknown,
  o: { apiKey?: string; contentType?: string; raw?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const headers: Record<string, string> = { "content-type": o.contentType ?? "application/json", ...o.headers };
  if (o.apiKey !== undefined) headers["authorization"] = `Bearer ${o.apiKey}`;
  const payload = o.raw === undefined ? JSON.stringify(body) : typeof o.raw === "string" ? o.raw : new Uint8Array(o.raw);
  const res = await fetch(`${baseUrl}${path}`, { method: "POST", headers, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
