/**
 * Traffic over HTTP and gRPC against the real broker and Postgres, then proof from both that
 * each event arrived exactly once: retries, concurrent duplicates, a client-streaming batch,
 * feedback that arrives before its interaction.
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createGrpcClient } from "@rlhf-loop/kit";
import type { GrpcClient } from "@rlhf-loop/kit";
import { FeedbackIngest, FeedbackSchema, FeedbackSource, InteractionSchema, OutcomeKind, Role, ThumbDirection, TYPE_HEADER } from "@rlhf-loop/proto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { IngestEventSchema } from "@rlhf-loop/proto";
import { post, startHarness } from "./harness.js";
import type { Harness } from "./harness.js";
import { valid } from "./malformed-cases.js";

interface RecordResponse {
  eventId: string;
  idempotencyKey: string;
  duplicate: boolean;
}

let h: Harness;
let grpc: GrpcClient<typeof FeedbackIngest>;
/** Every event id the API answered with, by kind: what must end up stored once. */
const interactions = new Set<string>();
const feedback = new Set<string>();
const md = () => ({ metadata: { authorization: `Bearer ${h.apiKey}` } });

before(async () => {
  h = await startHarness({ parkSweepIntervalMs: 60_000 });
  grpc = createGrpcClient(FeedbackIngest, h.grpcAddress);
});
after(async () => {
  grpc?.close();
  await h?.close();
});

const send = async (path: string, body: unknown, extra: Parameters<typeof post>[3] = {}) => post(h.baseUrl, path, body, { apiKey: h.apiKey, ...extra });

const grpcInteraction = (id: string) => ({
  interactionId: id,
  prompt: [{ role: Role.USER, content: `question ${id}` }],
  answer: `answer ${id}`,
  occurredAt: timestampFromDate(new Date("2024-05-01T10:00:00Z")),
  idempotencyKey: `gk-${id}`,
});

describe("each event arrives exactly once", () => {
  it("HTTP: a retried request returns the first answer (200, duplicate, same id); other content under the key is 409", async () => {
    const body = valid.interaction("http-1");
    const first = await send("/v1/interactions", body);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    const r1 = first.body as RecordResponse;
    assert.equal(r1.duplicate, false);
    assert.equal(r1.idempotencyKey, "k-http-1");
    const again = await send("/v1/interactions", body);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { ...r1, duplicate: true });
    const reused = await send("/v1/interactions", { ...body, answer: "something else" });
    assert.equal(reused.status, 409);
    assert.equal((reused.body as { error: { code: string } }).error.code, "failed_precondition");
    // The same interaction id under a new key is refused too: an interaction is stored once.
    const otherKey = await send("/v1/interactions", { ...body, idempotencyKey: "k-other" });
    assert.equal(otherKey.status, 409);
    interactions.add(r1.eventId);
  });

  it("HTTP: gzip bodies and derived keys (feedback without a key is deduplicated by content)", async () => {
    const fb = { interactionId: "http-1", source: "FEEDBACK_SOURCE_END_USER", thumb: { direction: "THUMB_DIRECTION_DOWN" }, raterId: "u-9" };
    const a = await send("/v1/feedback", null, { raw: gzipSync(Buffer.from(JSON.stringify(fb))), headers: { "content-encoding": "gzip" } });
    assert.equal(a.status, 202, JSON.stringify(a.body));
    const ra = a.body as RecordResponse;
    assert.match(ra.idempotencyKey, /^fb:[0-9a-f]{64}$/);
    const b = await send("/v1/feedback", fb);
    assert.equal(b.status, 200);
    assert.equal((b.body as RecordResponse).eventId, ra.eventId);
    feedback.add(ra.eventId);
  });

  it("HTTP: concurrent copies of one request publish once", async () => {
    const body = valid.thumb("http-1");
    const all = await Promise.all(Array.from({ length: 20 }, () => send("/v1/feedback", body)));
    const statuses = all.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array(19).fill(200), 202].sort());
    const ids = new Set(all.map((r) => (r.body as RecordResponse).eventId));
    assert.equal(ids.size, 1);
    feedback.add([...ids][0]!);
  });

  it("HTTP: feedback before its interaction is parked, then joined when the interaction arrives", async () => {
    // Earlier feedback may have been parked too (the two topics are consumed independently), so
    // the counters are compared with their values before this event.
    const counter = (text: string, name: string) => Number(new RegExp(`${name}\\{[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
    await h.eventually(async () => {
      const r = await h.pool.query(`select count(*)::int as n from "${h.schema}".parked_feedback`);
      assert.equal(r.rows[0]?.["n"], 0);
    });
    const start = await h.metrics.render();
    const parkedBefore = counter(start, "rlhf_ingestion_feedback_parked_total");
    const joinedBefore = counter(start, "rlhf_ingestion_feedback_joined_total");
    const fb = await send("/v1/feedback", valid.rating("late-1"));
    assert.equal(fb.status, 202);
    const fbId = (fb.body as RecordResponse).eventId;
    await h.eventually(async () => {
      const r = await h.pool.query(`select feedback_id::text as id from "${h.schema}".parked_feedback`);
      assert.deepEqual(r.rows, [{ id: fbId }]);
    });
    const metricsBefore = await h.metrics.render();
    assert.match(metricsBefore, /rlhf_ingestion_parked_feedback\{[^}]*\} 1/);
    const ix = await send("/v1/interactions", valid.interaction("late-1"));
    assert.equal(ix.status, 202);
    await h.eventually(async () => {
      const r = await h.pool.query(`select interaction_id, parked_at is not null as was_parked from "${h.schema}".feedback where feedback_id = $1`, [fbId]);
      assert.deepEqual(r.rows, [{ interaction_id: "late-1", was_parked: true }]);
    });
    const parked = await h.pool.query(`select count(*)::int as n from "${h.schema}".parked_feedback`);
    assert.equal(parked.rows[0]?.["n"], 0);
    const m = await h.metrics.render();
    assert.equal(counter(m, "rlhf_ingestion_feedback_parked_total"), parkedBefore + 1);
    assert.equal(counter(m, "rlhf_ingestion_feedback_joined_total"), joinedBefore + 1);
    assert.match(m, /rlhf_ingestion_parked_feedback\{[^}]*\} 0/);
    interactions.add((ix.body as RecordResponse).eventId);
    feedback.add(fbId);
  });

  it("HTTP: a batch is accepted in order, and its retry is all duplicates", async () => {
    const events = [];
    for (let i = 0; i < 40; i++) {
      events.push({ interaction: valid.interaction(`b-${i}`) });
      events.push({ feedback: valid.thumb(`b-${i}`) });
      if (i % 4 === 0) events.push({ outcome: { ...valid.outcome(`b-${i}`), idempotencyKey: `oc-b-${i}` } });
    }
    const res = await send("/v1/events:batch", { events });
    assert.equal(res.status, 202, JSON.stringify(res.body).slice(0, 500));
    const body = res.body as { results: RecordResponse[]; accepted: number; duplicates: number };
    assert.equal(body.results.length, events.length);
    assert.equal(body.accepted, events.length);
    assert.equal(body.results[1]?.idempotencyKey, "t-b-0", "results are in request order");
    const again = await send("/v1/events:batch", { events });
    assert.equal(again.status, 200);
    const body2 = again.body as typeof body;
    assert.equal(body2.duplicates, events.length);
    assert.deepEqual(body2.results.map((r) => r.eventId), body.results.map((r) => r.eventId));
    events.forEach((e, i) => ("interaction" in e ? interactions : feedback).add(body.results[i]!.eventId));
  });

  it("gRPC: unary calls with a retry, and a batch", async () => {
    const a = await grpc.recordInteraction({ interaction: grpcInteraction("g-1") }, md());
    assert.equal(a.duplicate, false);
    const a2 = await grpc.recordInteraction({ interaction: grpcInteraction("g-1") }, md());
    assert.deepEqual({ ...a2, $typeName: undefined }, { ...a, duplicate: true, $typeName: undefined });
    interactions.add(a.eventId);
    const f = await grpc.recordFeedback(
      { feedback: { interactionId: "g-1", source: FeedbackSource.EXPERT, kind: { case: "thumb", value: { direction: ThumbDirection.UP } }, idempotencyKey: "gf-1" } },
      md(),
    );
    feedback.add(f.eventId);
    const o = await grpc.recordOutcome({ outcome: { interactionId: "g-1", outcome: { kind: OutcomeKind.REOPEN }, idempotencyKey: "go-1" } }, md());
    feedback.add(o.eventId);
    const batch = await grpc.recordBatch(
      { events: [{ event: { case: "interaction", value: grpcInteraction("g-2") } }, { event: { case: "outcome", value: { interactionId: "g-2", outcome: { kind: OutcomeKind.ESCALATION }, idempotencyKey: "go-2" } } }] },
      md(),
    );
    assert.equal(batch.accepted, 2);
    interactions.add(batch.results[0]!.eventId);
    feedback.add(batch.results[1]!.eventId);
  });

  it("gRPC: a client-streaming batch (several chunks, a repeated event) and its full retry", async () => {
    type Init = MessageInitShape<typeof IngestEventSchema>;
    const events: Init[] = [];
    for (let i = 0; i < 600; i++) {
      events.push({ event: { case: "interaction", value: grpcInteraction(`s-${i}`) } });
      events.push({ event: { case: "feedback", value: { interactionId: `s-${i}`, source: FeedbackSource.END_USER, kind: { case: "thumb", value: { direction: ThumbDirection.DOWN } }, idempotencyKey: `sf-${i}` } } });
    }
    events.push(events[5]!); // the same feedback again inside the stream
    async function* stream(): AsyncIterable<Init> {
      for (const e of events) yield e;
    }
    const res = await grpc.streamEvents(stream(), md());
    assert.equal(res.results.length, events.length);
    assert.equal(res.accepted, 1200);
    assert.equal(res.duplicates, 1);
    assert.equal(res.results[1200]!.eventId, res.results[5]!.eventId);
    const retry = await grpc.streamEvents(events, md());
    assert.equal(retry.duplicates, events.length);
    res.results.slice(0, 1200).forEach((r, i) => (i % 2 === 0 ? interactions : feedback).add(r.eventId));
  });

  it("Postgres and the topics hold each accepted event exactly once, with its tenant", async () => {
    const q = async (sql: string) => (await h.pool.query<{ id: string; tenant_id: string }>(sql)).rows;
    await h.eventually(async () => {
      const ix = await q(`select event_id::text as id, tenant_id from "${h.schema}".interactions`);
      const fb = await q(`select feedback_id::text as id, tenant_id from "${h.schema}".feedback`);
      assert.equal(ix.length, interactions.size);
      assert.equal(fb.length, feedback.size);
    }, 30_000);
    const ix = await q(`select event_id::text as id, tenant_id from "${h.schema}".interactions`);
    const fb = await q(`select feedback_id::text as id, tenant_id from "${h.schema}".feedback`);
    assert.deepEqual(new Set(ix.map((r) => r.id)), interactions);
    assert.deepEqual(new Set(fb.map((r) => r.id)), feedback);
    assert.ok([...ix, ...fb].every((r) => r.tenant_id === h.tenantId));
    const ledger = await h.pool.query<{ n: number }>(`select count(*)::int as n from "${h.schema}".accepted_events`);
    assert.equal(ledger.rows[0]?.n, interactions.size + feedback.size);

    // On the topics: one record per accepted event, keyed by interaction id, typed.
    const ixRecords = await h.readTopic(h.topics.interactions, InteractionSchema);
    const fbRecords = await h.readTopic(h.topics.feedback, FeedbackSchema);
    assert.equal(ixRecords.length, interactions.size);
    assert.equal(fbRecords.length, feedback.size);
    assert.deepEqual(new Set(ixRecords.map((r) => r.message.eventId)), interactions);
    assert.deepEqual(new Set(fbRecords.map((r) => r.message.feedbackId)), feedback);
    for (const r of ixRecords) {
      assert.equal(r.key, r.message.interactionId);
      assert.equal(r.headers[TYPE_HEADER], "rlhf.v1.Interaction");
      assert.equal(r.message.tenantId, h.tenantId);
      assert.match(r.message.promptHash, /^[0-9a-f]{64}$/);
    }
    for (const r of fbRecords) {
      assert.equal(r.key, r.message.interactionId);
      assert.equal(r.headers[TYPE_HEADER], "rlhf.v1.Feedback");
    }
    const outcomes = fbRecords.filter((r) => r.message.kind.case === "outcome");
    assert.ok(outcomes.length >= 12 && outcomes.every((r) => r.message.source === FeedbackSource.SYSTEM));
    assert.equal(fbRecords.filter((r) => r.message.kind.case === "outcome").length, (await q(`select feedback_id::text as id, tenant_id from "${h.schema}".feedback where kind = 'outcome'`)).length);

    const m = await h.metrics.render();
    assert.match(m, /rlhf_ingestion_events_total\{[^}]*kind="interaction"[^}]*result="accepted"[^}]*\} \d+/);
    assert.match(m, /rlhf_http_requests_total\{[^}]*route="\/v1\/events::batch"[^}]*status="202"/);
  });
});

