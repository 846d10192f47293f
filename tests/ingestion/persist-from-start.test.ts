/**
 * The persisting consumer group starts from the earliest offset while it has no committed offset
 * (Kafka's auto.offset.reset=earliest): events on the topics before the service first started (or
 * accepted by a process killed before the group's first commit) are persisted, not skipped. With
 * the service's default options, on the real broker and on the embedded mode's memory bus alike,
 * and in the options main.ts builds from the environment.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createIngestionService, loadIngestionConfig, optionsFromConfig } from "@rlhf-loop/ingestion";
import { createKafkaBus, createLogger, createMemoryBus, createMetrics, createPool } from "@rlhf-loop/kit";
import type { Bus } from "@rlhf-loop/kit";
import { FeedbackSchema, FeedbackSource, InteractionSchema, Role, ThumbDirection } from "@rlhf-loop/proto";
import { Kafka, logLevel } from "kafkajs";
import { stackEnv } from "./harness.js";

const logger = createLogger({ service: "ingestion-test", level: "silent" });

/** Publishes an interaction and a thumb on it, then starts the service (default start position) and waits for both rows. */
async function persistsWhatCameBefore(bus: Bus, suffix: string): Promise<void> {
  const env = stackEnv();
  const schema = `ingestion_s_${suffix}`;
  const topics = { interactions: `test.${suffix}.interactions`, feedback: `test.${suffix}.feedback` };
  const pool = createPool({ url: env.databaseUrl, max: 4, logger });
  const metrics = createMetrics({ service: "ingestion-test", defaultMetrics: false });
  const tenantId = `early-${suffix}`;
  await bus.ensureTopics([topics.interactions, topics.feedback, `${topics.interactions}.dlq`, `${topics.feedback}.dlq`]);
  await bus.publish(topics.interactions, InteractionSchema, [
    {
      key: "early-1",
      message: create(InteractionSchema, {
        tenantId,
        interactionId: "early-1",
        prompt: [{ role: Role.USER, content: "before the service" }],
        answer: "still stored",
        occurredAt: timestampFromDate(new Date("2024-05-01T10:00:00Z")),
      }),
    },
  ]);
  await bus.publish(topics.feedback, FeedbackSchema, [
    {
      key: "early-1",
      message: create(FeedbackSchema, { tenantId, interactionId: "early-1", source: FeedbackSource.END_USER, idempotencyKey: "early-fb-1", kind: { case: "thumb", value: { direction: ThumbDirection.UP } } }),
    },
  ]);
  // No consumeFromBeginning here: the default must not skip what is already on the topics.
  const service = createIngestionService({
    bus,
    pool,
    logger,
    metrics,
    options: { httpPort: 0, grpcPort: 0, dbSchema: schema, topics, consumerGroup: `ingestion-test-${suffix}`, shutdownGraceMs: 2_000 },
  });
  try {
    await service.start();
    const deadline = Date.now() + 20_000;
    let rows: unknown[] = [];
    while (Date.now() < deadline) {
      rows = (await pool.query(`select i.interaction_id, f.idempotency_key from "${schema}".interactions i left join "${schema}".feedback f using (tenant_id, interaction_id)`)).rows;
      if (rows.length > 0 && (rows[0] as { idempotency_key: string | null }).idempotency_key !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(rows, [{ interaction_id: "early-1", idempotency_key: "early-fb-1" }], "events published before the first start are persisted");
  } finally {
    await service.stop().catch(() => undefined);
    await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await pool.end();
  }
}

describe("persisting consumer start position", () => {
  it("persists events that were on the topics before the service first started (kafkajs bus)", { timeout: 60_000 }, async () => {
    const suffix = randomBytes(4).toString("hex");
    const env = stackEnv();
    const bus = createKafkaBus({ brokers: env.brokers, clientId: `ingestion-test-${suffix}`, logger, sessionTimeoutMs: 6_000 });
    const admin = new Kafka({ clientId: `ingestion-test-cleanup-${suffix}`, brokers: env.brokers, logLevel: logLevel.NOTHING }).admin();
    try {
      await persistsWhatCameBefore(bus, suffix);
    } finally {
      await bus.close();
      await admin.connect();
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(`test.${suffix}.`));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it("persists events that were on the topics before the service first started (embedded memory bus)", { timeout: 30_000 }, async () => {
    const bus = createMemoryBus({ logger });
    try {
      await persistsWhatCameBefore(bus, randomBytes(4).toString("hex"));
    } finally {
      await bus.close();
    }
  });

  it("main.ts's options (from the environment) start a new group at the earliest offset", () => {
    const config = loadIngestionConfig({ DATABASE_URL: "postgres://u:p@127.0.0.1:5432/db", KAFKA_BROKERS: "127.0.0.1:9092" });
    assert.equal(optionsFromConfig(config).consumeFromBeginning, true);
  });
});
