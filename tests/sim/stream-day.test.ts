/**
 * End to end: one simulated day streamed through @rlhf-loop/client into the ingestion service
 * (in-process, real Kafka broker and Postgres), then every event counted in Postgres. The
 * tenant's rate limit sits below the stream's rate, so the run also goes through 429 Retry-After.
 * A second day goes over gRPC. Needs the local stack (bash infra/stack.sh up); reuses the
 * ingestion tests' harness to start the service in-process with its own schema and topics.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createWorld, defaultWorldConfig, streamWorld, type SimEvent } from "@rlhf-loop/sim";
import { startHarness, type Harness } from "../ingestion/harness.js";

let h: Harness;
before(async () => {
  h = await startHarness({ defaultRateLimit: { ratePerSec: 800, burst: 800 } });
});
after(async () => {
  await h?.close();
});

void test("one simulated day streamed into ingestion: every event is stored once in Postgres", async (t) => {
  const world = createWorld(defaultWorldConfig(), 7);
  const day: SimEvent[] = await world.day(0);
  const want = { interaction: new Set<string>(), feedback: new Set<string>(), outcome: new Set<string>() };
  for (const e of day) want[e.event.event.case!].add(e.idempotencyKey);
  assert.ok(day.length > 3000, `a default day has ${day.length} events`);

  const res = await streamWorld(world, { days: 1, ratePerSec: 3000, target: h.baseUrl, apiKey: h.apiKey, maxDurationMs: 120_000 });
  t.diagnostic(`streamed ${res.sent} events in ${(res.elapsedMs / 1000).toFixed(1)} s, ${res.retries} retries (429s)`);
  assert.ok(res.retries >= 1, "the tenant limit (800/s) below the stream rate (3000/s) should have answered 429 at least once");
  assert.equal(res.stoppedBy, "done");
  assert.equal(res.sent, day.length);
  assert.equal(res.dropped, 0, res.errors.join("\n"));
  assert.equal(res.delivered, day.length);
  assert.equal(res.complete, true);

  const keys = async (sql: string) => new Set((await h.pool.query<{ k: string }>(sql)).rows.map((r) => r.k));
  await h.eventually(async () => {
    const n = await h.pool.query<{ i: number; f: number }>(
      `select (select count(*)::int from "${h.schema}".interactions) as i, (select count(*)::int from "${h.schema}".feedback) as f`,
    );
    assert.equal(n.rows[0]!.i, want.interaction.size);
    assert.equal(n.rows[0]!.f, want.feedback.size + want.outcome.size);
  }, 60_000);

  assert.deepEqual(await keys(`select idempotency_key as k from "${h.schema}".interactions`), want.interaction);
  assert.deepEqual(await keys(`select idempotency_key as k from "${h.schema}".feedback where kind <> 'outcome'`), want.feedback);
  assert.deepEqual(await keys(`select idempotency_key as k from "${h.schema}".feedback where kind = 'outcome'`), want.outcome);
  // Stored under the key's tenant, with the simulator's content.
  const first = day.find((e) => e.event.event.case === "interaction")!;
  const row = await h.pool.query<{ tenant_id: string; answer: string; segment: string }>(
    `select tenant_id, answer, segment from "${h.schema}".interactions where interaction_id = $1`,
    [first.idempotencyKey],
  );
  assert.equal(row.rows[0]?.tenant_id, h.tenantId);
  assert.equal(row.rows[0]?.answer, (first.event.event.value as { answer: string }).answer);
  assert.equal(row.rows[0]?.segment, first.interaction!.segment);
});

void test("the same day over gRPC (grpc://host:port) lands in Postgres too", async () => {
  const world = createWorld(defaultWorldConfig(), 8);
  const day = await world.day(0);
  const res = await streamWorld(world, { days: 1, ratePerSec: 3000, target: `grpc://${h.grpcAddress}`, apiKey: h.apiKey, maxDurationMs: 120_000 });
  assert.equal(res.dropped, 0, res.errors.join("\n"));
  assert.equal(res.delivered, day.length);
  const ids = day.filter((e) => e.event.event.case === "interaction").map((e) => e.idempotencyKey);
  const others = day.filter((e) => e.event.event.case !== "interaction").map((e) => e.idempotencyKey);
  await h.eventually(async () => {
    const i = await h.pool.query<{ n: number }>(`select count(*)::int as n from "${h.schema}".interactions where idempotency_key = any($1)`, [ids]);
    const f = await h.pool.query<{ n: number }>(`select count(*)::int as n from "${h.schema}".feedback where idempotency_key = any($1)`, [others]);
    assert.equal(i.rows[0]!.n, ids.length);
    assert.equal(f.rows[0]!.n, others.length);
  }, 60_000);
});
