/**
 * Acceptance (issue 12): against the real ingestion service with a tenant limited to 400
 * events/s, a burst of 3,000 events (the client's queue bound) meets a storm of 429s and is
 * delivered without loss, each wait honouring Retry-After; one event beyond the bound is
 * refused and counted, as the drop policy says.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { FeedbackClient, type FeedbackClientError, type RetryInfo } from "@rlhf-loop/client";
import { startIngestion, type Ingestion } from "./ingestion-stack.js";

const BOUND = 3000;
let ing: Ingestion;
before(async () => {
  ing = await startIngestion({ ratePerSec: 400, burst: 400 });
});
after(async () => {
  await ing?.close();
});

void test("a 429 storm is ridden out without loss within the queue bound", { timeout: 120_000 }, async () => {
  const errors: FeedbackClientError[] = [];
  const retries: RetryInfo[] = [];
  const client = new FeedbackClient({
    url: ing.url,
    apiKey: ing.apiKey,
    maxBatchEvents: 200,
    flushIntervalMs: 20,
    concurrency: 2,
    maxQueueEvents: BOUND,
    onError: (e) => errors.push(e),
    onRetry: (r) => retries.push(r),
  });
  const sent = new Set<string>();
  for (let n = 0; n < BOUND; n++) {
    const r = client.interaction({
      interactionId: `storm-${n}`,
      prompt: [{ role: "user", content: `How do I reset my password? (${n})` }],
      answer: "Use the 'Forgot password' link on the sign-in page.",
    });
    assert.ok(r.queued);
    sent.add(r.idempotencyKey);
  }
  const over = client.thumb({ interactionId: "storm-0", direction: "up" });
  assert.equal(over.queued, false, "the bound is enforced");
  assert.equal(client.stats().droppedBy.queue_full, 1);

  const t0 = Date.now();
  const flushed = await client.flush({ timeoutMs: 90_000 });
  const took = Date.now() - t0;
  const stats = client.stats();
  const storm = retries.filter((r) => r.status === "429");
  console.log(`delivered=${stats.delivered} in ${took} ms, 429s=${storm.length}, requests=${stats.requests}, dropped=${JSON.stringify(stats.droppedBy)}`);
  assert.deepEqual(flushed, { ok: true, pending: 0 });
  assert.ok(storm.length >= 3, `a storm of 429s (${storm.length})`);
  assert.ok(storm.every((r) => r.delayMs >= 1000), "every wait honours Retry-After (whole seconds, at least 1)");
  assert.equal(stats.delivered, BOUND);
  assert.equal(stats.dropped, 1, "only the event beyond the bound");
  assert.deepEqual(errors.map((e) => e.code), ["queue_full"]);
  // 3,000 events at 400/s after a 400 burst cannot take less than ~6.5 s: the limit was real.
  assert.ok(took >= 6000, `took ${took} ms`);

  const counts = await ing.waitFor((c) => c.rows >= BOUND, 60_000);
  assert.equal(counts.interactions, BOUND);
  assert.equal(counts.keys, BOUND);
  assert.deepEqual([...(await ing.storedKeys())].sort(), [...sent].sort());
  await client.shutdown();
});
