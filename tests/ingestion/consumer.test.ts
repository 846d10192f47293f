/**
 * The persisting consumer against records written straight onto the topics (as a producer
 * bypassing the API may): duplicates are stored once, undecodable or invalid records go to
 * the DLQ with the error, and the rest of their batch is still stored. Also: /readyz fails
 * while Kafka or Postgres is unreachable.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createIngestionService } from "@rlhf-loop/ingestion";
import { DlqHeaders, createKafkaBus, createLogger, createMetrics, createPool } from "@rlhf-loop/kit";
import { FeedbackSchema, FeedbackSource, InteractionSchema, Role, TYPE_HEADER, ThumbDirection } from "@rlhf-loop/proto";
import { startHarness } from "./harness.js";
import type { Harness } from "./harness.js";

let h: Harness;
before(async () => {
  h = await startHarness({ persistMaxAttempts: 2 });
});
after(async () => {
  await h?.close();
});

const interaction = (tenantId: string, id: string) =>
  create(InteractionSchema, {
    tenantId,
    interactionId: id,
    prompt: [{ role: Role.USER, content: `q ${id}` }],
    answer: `a ${id}`,
    occurredAt: timestampFromDate(new Date("2024-05-01T10:00:00Z")),
  });
const thumb = (tenantId: string, id: string, key: string) =>
  create(FeedbackSchema, { tenantId, interactionId: id, source: FeedbackSource.END_USER, idempotencyKey: key, kind: { case: "thumb", value: { direction: ThumbDirection.UP } } });

describe("persisting consumer", () => {
  it("stores records produced twice (redelivery, retried produce) once, deriving missing ids", async () => {
    const ix = interaction(h.tenantId, "direct-1");
    const fb = thumb(h.tenantId, "direct-1", "direct-fb-1");
    // Same partition key, so the copies land in one partition and one handler batch.
    await h.bus.publish(h.topics.interactions, InteractionSchema, [ix, ix, ix].map((message) => ({ key: "direct-1", message })));
    await h.bus.publish(h.topics.feedback, FeedbackSchema, [fb, fb].map((message) => ({ key: "direct-1", message })));
    await h.eventually(async () => {
      const r = await h.pool.query(`select tenant_id, interaction_id, event_id::text as e, idempotency_key, prompt_hash from "${h.schema}".interactions`);
      assert.equal(r.rows.length, 1);
      assert.equal(r.rows[0]?.["idempotency_key"], "ix:direct-1");
      assert.match(String(r.rows[0]?.["e"]), /^[0-9a-f-]{36}$/);
      assert.match(String(r.rows[0]?.["prompt_hash"]), /^[0-9a-f]{64}$/);
      const f = await h.pool.query(`select idempotency_key from "${h.schema}".feedback`);
      assert.deepEqual(f.rows, [{ idempotency_key: "direct-fb-1" }]);
    });
  });

  it("dead-letters undecodable and invalid records with the error, and stores the rest of the batch", async () => {
    const good = interaction(h.tenantId, "direct-2");
    await h.bus.publishRaw(h.topics.interactions, [
      { key: "direct-2", value: new Uint8Array([0xff, 0xff, 0xff, 0xff]), headers: { [TYPE_HEADER]: InteractionSchema.typeName } },
      { key: "direct-2", value: toBinary(InteractionSchema, interaction("", "direct-2-no-tenant")), headers: { [TYPE_HEADER]: InteractionSchema.typeName } },
      { key: "direct-2", value: toBinary(FeedbackSchema, thumb(h.tenantId, "direct-2", "k")), headers: { [TYPE_HEADER]: FeedbackSchema.typeName } },
      { key: "direct-2", value: toBinary(InteractionSchema, good), headers: { [TYPE_HEADER]: InteractionSchema.typeName } },
    ]);
    const dlq = `${h.topics.interactions}.dlq`;
    await h.eventually(async () => assert.equal(await h.topicCount(dlq), 3), 20_000);
    const dead = await h.readRaw(dlq);
    const errors = dead.map((d) => d.headers[DlqHeaders.errorMessage] ?? "").sort();
    assert.match(errors[0] ?? "", /cannot decode rlhf\.v1\.Interaction/);
    assert.match(errors[1] ?? "", /invalid record at offset \d+: tenantId: required on the bus/);
    assert.match(errors[2] ?? "", /record type "rlhf\.v1\.Feedback" is not rlhf\.v1\.Interaction/);
    assert.ok(dead.every((d) => d.headers[DlqHeaders.originalTopic] === h.topics.interactions && d.headers[DlqHeaders.retriable] === "false"));
    assert.deepEqual(Buffer.from(dead.find((d) => d.headers[DlqHeaders.errorMessage]?.includes("cannot decode"))!.value), Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await h.eventually(async () => {
      const r = await h.pool.query(`select interaction_id from "${h.schema}".interactions where interaction_id like 'direct-2%'`);
      assert.deepEqual(r.rows, [{ interaction_id: "direct-2" }]);
    });
    const m = await h.metrics.render();
    assert.match(m, /rlhf_bus_dead_lettered_total\{[^}]*\} 3/);
    assert.match(m, /rlhf_bus_consumer_lag\{/);
  });

  it("never stores feedback of another tenant's interaction: it waits, parked, under its own tenant", async () => {
    await h.bus.publish(h.topics.interactions, InteractionSchema, [{ key: "shared-1", message: interaction(h.tenantId, "shared-1") }]);
    await h.bus.publish(h.topics.feedback, FeedbackSchema, [{ key: "shared-1", message: thumb(h.otherTenantId, "shared-1", "x-1") }]);
    await h.eventually(async () => {
      const p = await h.pool.query(`select tenant_id from "${h.schema}".parked_feedback where interaction_id = 'shared-1'`);
      assert.deepEqual(p.rows, [{ tenant_id: h.otherTenantId }]);
    });
    assert.equal(await h.service.sweepParked(), 0);
    const f = await h.pool.query(`select 1 from "${h.schema}".feedback where interaction_id = 'shared-1'`);
    assert.equal(f.rows.length, 0);
  });
});

describe("readiness", () => {
  it("/readyz answers 503 naming kafka and postgres while they are unreachable, /healthz stays 200", async () => {
    const logger = createLogger({ service: "ingestion-test", level: "silent" });
    const metrics = createMetrics({ service: "ingestion-test", defaultMetrics: false });
    // Ports nothing listens on.
    const pool = createPool({ url: "postgres://postgres:postgres@127.0.0.1:1/rlhf", connectionTimeoutMs: 500, logger });
    const bus = createKafkaBus({ brokers: ["127.0.0.1:1"], clientId: "ingestion-readyz-test", logger, connectionTimeoutMs: 300, healthTimeoutMs: 1000 });
    const service = createIngestionService({ bus, pool, logger, metrics, options: { httpPort: 0, grpcPort: 0 } });
    try {
      const ready = await service.http.inject({ method: "GET", url: "/readyz" });
      assert.equal(ready.statusCode, 503);
      const checks = (ready.json() as { checks: { name: string; ok: boolean }[] }).checks;
      assert.deepEqual(checks.map((c) => [c.name, c.ok]), [["kafka", false], ["postgres", false]]);
      assert.equal((await service.http.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
    } finally {
      await service.http.close();
      await bus.close();
      await pool.end();
    }
    // And the started service is ready.
    const ok = await fetch(`${h.baseUrl}/readyz`);
    assert.equal(ok.status, 200);
  });
});
