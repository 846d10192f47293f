/**
 * Acceptance (issue 12): the real ingestion service rejects a batch all-or-nothing naming
 * events[i]; the client drops exactly those events (onError with the field) and the rest is
 * stored, over HTTP and over the gRPC transport alike.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { FeedbackClient, type FeedbackClientError } from "@rlhf-loop/client";
import { createGrpcFeedbackClient } from "@rlhf-loop/client/grpc";
import { startIngestion, type Ingestion } from "./ingestion-stack.js";

let ing: Ingestion;
before(async () => {
  ing = await startIngestion();
});
after(async () => {
  await ing?.close();
});

/** 50 interactions; every 16th has a model version over the server's 200-byte limit, which the client does not check. */
function send(client: FeedbackClient, prefix: string): { good: Set<string>; bad: Set<string> } {
  const good = new Set<string>();
  const bad = new Set<string>();
  for (let n = 0; n < 50; n++) {
    const invalid = n % 16 === 3;
    const r = client.interaction({
      interactionId: `${prefix}-${n}`,
      prompt: [{ role: "user", content: `q ${n}` }],
      answer: `a ${n}`,
      modelVersion: invalid ? "v".repeat(300) : "policy-v2",
    });
    assert.ok(r.queued);
    (invalid ? bad : good).add(r.idempotencyKey);
  }
  return { good, bad };
}

async function check(client: FeedbackClient, errors: FeedbackClientError[], sent: { good: Set<string>; bad: Set<string> }, status: string) {
  assert.deepEqual(await client.shutdown(), { ok: true, pending: 0 });
  assert.equal(sent.bad.size, 3);
  assert.equal(errors.length, 3, errors.map((e) => e.message).join("\n"));
  for (const e of errors) {
    assert.equal(e.code, "rejected");
    assert.equal(e.status, status);
    assert.ok(sent.bad.has(e.events[0]!.idempotencyKey));
    assert.ok(e.fields.some((f) => f.path.includes("modelVersion")), JSON.stringify(e.fields));
  }
  // The persister is asynchronous: poll until the valid events are in.
  const end = Date.now() + 30_000;
  let now = await ing.storedKeys();
  while (![...sent.good].every((k) => now.has(k)) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 200));
    now = await ing.storedKeys();
  }
  for (const k of sent.good) assert.ok(now.has(k), `valid event ${k} stored`);
  for (const k of sent.bad) assert.ok(!now.has(k), `invalid event ${k} not stored`);
  assert.equal(client.stats().droppedBy.rejected, 3);
  assert.equal(client.stats().delivered, 47);
}

void test("HTTP: a 400 naming events[i] costs only those events", { timeout: 60_000 }, async () => {
  const errors: FeedbackClientError[] = [];
  const client = new FeedbackClient({ url: ing.url, apiKey: ing.apiKey, flushIntervalMs: 60_000, onError: (e) => errors.push(e) });
  await check(client, errors, send(client, "http"), "400");
});

void test("gRPC: INVALID_ARGUMENT naming events[i] costs only those events", { timeout: 60_000 }, async () => {
  const errors: FeedbackClientError[] = [];
  assert.ok(ing.grpcAddress);
  const client = createGrpcFeedbackClient({ address: ing.grpcAddress, apiKey: ing.apiKey, flushIntervalMs: 60_000, onError: (e) => errors.push(e) });
  await check(client, errors, send(client, "grpc"), "INVALID_ARGUMENT");
});
