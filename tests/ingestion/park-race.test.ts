/**
 * The persister writes partitions concurrently, so a feedback batch can be stored while the
 * insert of its interaction (same fetch, other topic) is still running: the feedback is parked,
 * and its post-park join must wait for that insert instead of leaving the row to the sweep.
 * Made deterministic by holding the interaction's key in an open transaction.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createIngestionService, migrateIngestion } from "@rlhf-loop/ingestion";
import { createKafkaBus, createLogger, createMetrics, createPool } from "@rlhf-loop/kit";
import { FeedbackSchema, FeedbackSource, InteractionSchema, Role, ThumbDirection } from "@rlhf-loop/proto";
import { Kafka, logLevel } from "kafkajs";
import { stackEnv } from "./harness.js";

const logger = createLogger({ service: "ingestion-test", level: "silent" });

async function until(check: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe("persisting consumer, partitions written concurrently", () => {
  it("joins feedback parked while its interaction's insert was still running, without the sweep", { timeout: 90_000 }, async () => {
    const env = stackEnv();
    const suffix = randomBytes(4).toString("hex");
    const schema = `ingestion_r_${suffix}`;
    const topics = { interactions: `test.${suffix}.interactions`, feedback: `test.${suffix}.feedback` };
    const tenantId = `race-${suffix}`;
    const pool = createPool({ url: env.databaseUrl, max: 6, logger });
    const bus = createKafkaBus({ brokers: env.brokers, clientId: `ingestion-test-${suffix}`, logger, sessionTimeoutMs: 6_000 });
    const admin = new Kafka({ clientId: `ingestion-test-cleanup-${suffix}`, brokers: env.brokers, logLevel: logLevel.NOTHING }).admin();
    const service = createIngestionService({
      bus,
      pool,
      logger,
      metrics: createMetrics({ service: "ingestion-test", defaultMetrics: false }),
      // The sweep is an hour away: only the post-park join may move the row.
      options: { httpPort: 0, grpcPort: 0, dbSchema: schema, topics, consumerGroup: `ingestion-test-${suffix}`, parkSweepIntervalMs: 3_600_000, shutdownGraceMs: 2_000 },
    });
    await migrateIngestion(pool, { schema });
    const blocker = await pool.connect();
    try {
      // Both records are on the topics before the persister starts, so its first fetch holds both.
      await bus.ensureTopics([topics.interactions, topics.feedback, `${topics.interactions}.dlq`, `${topics.feedback}.dlq`]);
      await bus.publish(topics.interactions, InteractionSchema, [
        {
          key: "race-1",
          message: create(InteractionSchema, {
            tenantId,
            interactionId: "race-1",
            prompt: [{ role: Role.USER, content: "q" }],
            answer: "a",
            occurredAt: timestampFromDate(new Date("2024-05-01T10:00:00Z")),
          }),
        },
      ]);
      await bus.publish(topics.feedback, FeedbackSchema, [
        {
          key: "race-1",
          message: create(FeedbackSchema, { tenantId, interactionId: "race-1", source: FeedbackSource.END_USER, idempotencyKey: "fb-race-1", kind: { case: "thumb", value: { direction: ThumbDirection.UP } } }),
        },
      ]);
      // Hold the interaction's key in an open transaction: the persister's insert of it waits.
      await blocker.query("begin");
      await blocker.query(
        `insert into "${schema}".interactions (tenant_id, interaction_id, event_id, idempotency_key, prompt, prompt_hash, answer, occurred_at, received_at)
         values ($1, 'race-1', gen_random_uuid(), 'blocker', '[]', '', '', now(), now())`,
        [tenantId],
      );
      await service.start();
      // The feedback, handled beside the waiting insert, cannot see the interaction: parked.
      await until(async () => {
        const r = await pool.query(`select 1 from "${schema}".parked_feedback where interaction_id = 'race-1'`);
        assert.equal(r.rows.length, 1, "the feedback is parked");
      }, 30_000);
      // The interaction's insert may be issued just after the parking (two topics, two fetches):
      // either way it waits on the held key until the rollback below, so it commits after the park.
      await until(async () => {
        const waiting = await pool.query(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%"${schema}".interactions%'`);
        assert.equal(waiting.rows.length, 1, "and the interaction's insert is waiting on the held key");
      }, 30_000);
      // Release the key: the insert goes through after the parking committed, unable to see it.
      await blocker.query("rollback");
      await until(async () => {
        const r = await pool.query<{ f: string; p: string }>(
          `select (select count(*) from "${schema}".feedback where interaction_id = 'race-1')::text as f,
                  (select count(*) from "${schema}".parked_feedback)::text as p`,
        );
        assert.deepEqual(r.rows[0], { f: "1", p: "0" }, "joined by the post-park join");
      }, 5_000);
    } finally {
      await blocker.query("rollback").catch(() => undefined);
      blocker.release();
      await service.stop().catch(() => undefined);
      await bus.close();
      await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
      await pool.end();
      await admin.connect();
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(`test.${suffix}.`));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
