/**
 * Every kind of bad request gets the right 4xx naming the field, and leaves no trace: nothing
 * on the topics, nothing in Postgres. A valid event at the end proves traces would be seen.
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { createApiKey, createTenant, revokeApiKey } from "@rlhf-loop/ingestion";
import { AppError, createGrpcClient } from "@rlhf-loop/kit";
import { FeedbackIngest, FeedbackSchema, FeedbackSource, InteractionSchema, ThumbDirection } from "@rlhf-loop/proto";
import { startHarness, post } from "./harness.js";
import type { Harness } from "./harness.js";
import { malformedCases, valid } from "./malformed-cases.js";

interface ErrorBody {
  error: { code: string; message: string; fields: { path: string; reason: string }[] };
}

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

function expectError(res: { status: number; body: unknown }, status: number, code: string, path?: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const e = (res.body as ErrorBody).error;
  assert.equal(e.code, code);
  if (path !== undefined) assert.ok(e.fields.some((f) => f.path === path), `no field ${JSON.stringify(path)} in ${JSON.stringify(e.fields)}`);
}

describe("ingestion rejects bad requests without a trace", () => {
  it("401 without a key, with a malformed, unknown or revoked key", async () => {
    const body = valid.thumb("auth-1");
    expectError(await post(h.baseUrl, "/v1/feedback", body), 401, "unauthenticated");
    expectError(await post(h.baseUrl, "/v1/feedback", body, { headers: { authorization: `Basic ${h.apiKey}` } }), 401, "unauthenticated");
    expectError(await post(h.baseUrl, "/v1/feedback", body, { apiKey: "not-a-key" }), 401, "unauthenticated");
    expectError(await post(h.baseUrl, "/v1/feedback", body, { apiKey: `rlhf_${h.tenantId}_${"x".repeat(43)}` }), 401, "unauthenticated");
    const revoked = await createApiKey(h.pool, { schema: h.schema, tenantId: h.tenantId });
    assert.ok(await revokeApiKey(h.pool, { schema: h.schema, apiKey: revoked.apiKey }));
    expectError(await post(h.baseUrl, "/v1/feedback", body, { apiKey: revoked.apiKey }), 401, "unauthenticated");
    // Auth comes first: a bad key with a bad body is still a 401.
    expectError(await post(h.baseUrl, "/v1/feedback", null, { raw: "{{{", apiKey: "nope" }), 401, "unauthenticated");
  });

  it("403 when the body names another tenant, single and in a batch", async () => {
    expectError(await post(h.baseUrl, "/v1/feedback", { ...valid.thumb("t-1"), tenantId: h.otherTenantId }, { apiKey: h.apiKey }), 403, "permission_denied", "feedback.tenantId");
    expectError(await post(h.baseUrl, "/v1/interactions", { ...valid.interaction("t-2"), tenantId: h.tenantId }, { apiKey: h.otherApiKey }), 403, "permission_denied", "interaction.tenantId");
    const batch = { events: [{ interaction: valid.interaction("t-3") }, { outcome: { ...valid.outcome("t-3"), tenantId: h.otherTenantId } }] };
    expectError(await post(h.baseUrl, "/v1/events:batch", batch, { apiKey: h.apiKey }), 403, "permission_denied", "events[1].outcome.tenantId");
  });

  it("413 for oversized bodies, gzip bombs and too many events", async () => {
    const big = { ...valid.interaction("big-1"), answer: "a".repeat(1024 * 1024) };
    expectError(await post(h.baseUrl, "/v1/interactions", big, { apiKey: h.apiKey }), 413, "payload_too_large");
    const huge = { events: [{ interaction: { ...valid.interaction("big-2"), answer: "a".repeat(6 * 1024 * 1024) } }] };
    expectError(await post(h.baseUrl, "/v1/events:batch", huge, { apiKey: h.apiKey }), 413, "payload_too_large");
    const bomb = gzipSync(Buffer.from(JSON.stringify({ ...valid.interaction("big-3"), answer: "a".repeat(8 * 1024 * 1024) })));
    assert.ok(bomb.length < 100_000);
    expectError(await post(h.baseUrl, "/v1/interactions", null, { apiKey: h.apiKey, raw: bomb, headers: { "content-encoding": "gzip" } }), 413, "payload_too_large");
    const many = { events: Array.from({ length: 1001 }, (_, i) => ({ feedback: valid.thumb(`many-${i}`) })) };
    expectError(await post(h.baseUrl, "/v1/events:batch", many, { apiKey: h.apiKey }), 413, "payload_too_large", "events");
  });

  it("415 for other content types and encodings", async () => {
    const raw = JSON.stringify(valid.thumb("ct-1"));
    for (const ct of ["text/plain", "application/xml", "application/x-www-form-urlencoded", "application/jsonx", "multipart/form-data; boundary=x"]) {
      expectError(await post(h.baseUrl, "/v1/feedback", null, { apiKey: h.apiKey, raw, contentType: ct }), 415, "unsupported_media_type");
    }
    const res = await fetch(`${h.baseUrl}/v1/feedback`, { method: "POST", headers: { authorization: `Bearer ${h.apiKey}` }, body: Buffer.from(raw) });
    assert.equal(res.status, 415);
    expectError(await post(h.baseUrl, "/v1/feedback", null, { apiKey: h.apiKey, raw, headers: { "content-encoding": "br" } }), 415, "unsupported_media_type");
  });

  it("400 naming the field for each generated malformed payload (at least 200 kinds)", async () => {
    const cases = malformedCases((n) => `mal-${n}`);
    assert.ok(cases.length >= 200, `only ${cases.length} cases`);
    const failures: string[] = [];
    for (const c of cases) {
      const res = await post(h.baseUrl, c.route, c.body, { apiKey: h.apiKey, ...(c.raw ? { raw: c.raw } : {}) });
      const e = (res.body as Partial<ErrorBody>).error;
      const okStatus = res.status === c.status;
      const okPath = e?.fields?.some((f) => f.path === c.path) ?? false;
      if (!okStatus || !okPath) failures.push(`${c.name}: got ${res.status} ${JSON.stringify(e?.fields ?? res.body).slice(0, 300)}; want ${c.status} at ${JSON.stringify(c.path)}`);
    }
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases failed`);
  });

  it("gRPC: UNAUTHENTICATED, PERMISSION_DENIED and INVALID_ARGUMENT with field paths", async () => {
    const client = createGrpcClient(FeedbackIngest, h.grpcAddress);
    const md = { metadata: { authorization: `Bearer ${h.apiKey}` } };
    const fb = (patch: object = {}) => ({
      feedback: { interactionId: "g-1", source: FeedbackSource.END_USER, kind: { case: "thumb" as const, value: { direction: ThumbDirection.UP } }, ...patch },
    });
    const rejects = async (p: Promise<unknown>, code: string, path?: string) => {
      await assert.rejects(p, (err: unknown) => {
        assert.ok(err instanceof AppError, String(err));
        assert.equal(err.code, code, err.message);
        if (path !== undefined) assert.ok(err.fields.some((f) => f.path === path), JSON.stringify(err.fields));
        return true;
      });
    };
    try {
      await rejects(client.recordFeedback(fb()), "unauthenticated");
      await rejects(client.recordFeedback(fb({ tenantId: h.otherTenantId }), md), "permission_denied", "feedback.tenantId");
      await rejects(client.recordFeedback(fb({ source: 77 }), md), "invalid_argument", "feedback.source");
      await rejects(client.recordFeedback(fb({ kind: { case: "thumb", value: { direction: 9 } } }), md), "invalid_argument", "feedback.thumb.direction");
      await rejects(client.recordFeedback({}, md), "invalid_argument", "feedback");
      await rejects(client.recordInteraction({ interaction: { interactionId: "g-2" } }, md), "invalid_argument", "interaction.answer");
      await rejects(client.recordBatch({ events: [{ event: { case: "feedback", value: fb().feedback } }, {}] }, md), "invalid_argument", "events[1].event");
      await rejects(
        client.streamEvents([{ event: { case: "feedback", value: { ...fb().feedback, interactionId: "bad id" } } }], md),
        "invalid_argument",
        "events[0].feedback.interactionId",
      );
    } finally {
      client.close();
    }
  });

  it("left no trace on the topics or in Postgres; a valid event does leave one", async () => {
    // Give a (wrongly) published record time to be persisted before looking.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await h.topicCount(h.topics.interactions), 0);
    assert.equal(await h.topicCount(h.topics.feedback), 0);
    for (const t of ["interactions", "feedback", "parked_feedback", "accepted_events"]) {
      const r = await h.pool.query<{ n: string }>(`select count(*)::text as n from "${h.schema}".${t}`);
      assert.equal(r.rows[0]?.n, "0", t);
    }
    const ok = await post(h.baseUrl, "/v1/interactions", valid.interaction("control-1"), { apiKey: h.apiKey });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
    assert.equal(await h.topicCount(h.topics.interactions), 1);
    await h.eventually(async () => {
      const r = await h.pool.query(`select tenant_id from "${h.schema}".interactions`);
      assert.deepEqual(r.rows, [{ tenant_id: h.tenantId }]);
    });
    assert.equal((await h.readTopic(h.topics.interactions, InteractionSchema))[0]?.message.interactionId, "control-1");
    assert.equal((await h.readTopic(h.topics.feedback, FeedbackSchema)).length, 0);
  });

  it("429 with Retry-After past a tenant's rate limit; only what was accepted reaches the topic", async () => {
    const tenantId = `slow-${h.tenantId.slice("acme-".length)}`;
    await createTenant(h.pool, { schema: h.schema, tenantId, ratePerSec: 1, burst: 3 });
    const { apiKey } = await createApiKey(h.pool, { schema: h.schema, tenantId });
    // Invalid requests are refused before the limiter and spend nothing.
    assert.equal((await post(h.baseUrl, "/v1/events:batch", { events: [{}] }, { apiKey })).status, 400);
    // A batch spends one token per event.
    const batch = { events: [1, 2, 3].map((i) => ({ feedback: valid.thumb(`rl-${i}`) })) };
    assert.equal((await post(h.baseUrl, "/v1/events:batch", batch, { apiKey })).status, 202);
    const res = await post(h.baseUrl, "/v1/feedback", valid.thumb("rl-4"), { apiKey });
    expectError(res, 429, "resource_exhausted");
    assert.equal(res.headers.get("retry-after"), "1");
    // Other tenants are not limited by it.
    assert.equal((await post(h.baseUrl, "/v1/feedback", valid.thumb("rl-5"), { apiKey: h.apiKey })).status, 202);
    assert.equal(await h.topicCount(h.topics.feedback), 4);
  });
});
