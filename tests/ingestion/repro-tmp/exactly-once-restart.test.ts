/**
 * Acceptance (issue 12): 10,000 events sent through the client while the real ingestion process
 * is SIGKILLed and restarted midway are stored in Postgres exactly once: no event lost, none twice.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { FeedbackClient, type FeedbackClientError, type RetryInfo } from "@rlhf-loop/client";
import { startIngestionProcess, type ChildIngestion } from "./ingestion-stack.js";

const TOTAL = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let ing: ChildIngestion;
before(async () => {
  ing = await startIngestionProcess();
});
after(async () => {
  await ing?.close();
});

void test("10,000 events with the ingestion process killed and restarted midway arrive exactly once", { timeout: 240_000 }, async () => {
  const errors: FeedbackClientError[] = [];
  const retries: RetryInfo[] = [];
  const client = new FeedbackClient({
    url: ing.url,
    apiKey: ing.apiKey,
    maxBatchEvents: 250,
    flushIntervalMs: 50,
    retry: { baseDelayMs: 50, maxDelayMs: 1000 },
    onError: (e) => errors.push(e),
    onRetry: (r) => retries.push(r),
  });
  const sent = new Set<string>();
  const track = (r: { queued: boolean; idempotencyKey: string }) => {
    assert.ok(r.queued, "the queue bound (10,000) holds the whole run");
    sent.add(r.idempotencyKey);
  };

  // Kill the process once 40% is acknowledged, whatever the producer is doing at that moment.
  let deliveredAtKill = 0;
  const restart = (async () => {
    while (client.stats().delivered < TOTAL * 0.4) await sleep(5);
    deliveredAtKill = client.stats().delivered;
    await ing.kill();
    await sleep(1000);
    await ing.restart();
  })();
  // Groups of four: an interaction, then a thumb, a rating and an outcome on it.
  for (let g = 0; g < TOTAL / 4; g++) {
    const id = `ix-${g}`;
    const ix = client.interaction({
      interactionId: id,
      conversationId: `conv-${g % 97}`,
      prompt: [{ role: "system", content: "You are a support assistant." }, { role: "user", content: `Where is my order ${g}?` }],
      answer: `Order ${g} ships tomorrow.`,
      modelVersion: "policy-v1",
      segment: g % 3 === 0 ? "enterprise" : "consumer",
    });
    track(ix);
    track(client.thumb({ interactionId: id, direction: g % 2 ? "up" : "down", raterId: `u-${g % 50}`, ...(g % 2 ? {} : { reasonCodes: ["unhelpful"] }) }));
    track(client.rating({ interactionId: id, score: (g % 5) + 1 }));
    track(client.outcome({ interactionId: id, kind: g % 2 ? "escalation" : "refund", amountMinor: g % 2 ? 0 : 1500, currency: g % 2 ? "" : "USD" }));
    if (g % 25 === 24) await sleep(20); // paced like live traffic
  }
  await restart;
  const flushed = await client.flush({ timeoutMs: 120_000 });
  const stats = client.stats();
  console.log(
    `delivered=${stats.delivered} duplicates=${stats.duplicates} retries=${stats.retries} requests=${stats.requests} ` +
      `dropped=${stats.dropped} deliveredAtKill=${deliveredAtKill} retryStatuses=${[...new Set(retries.map((r) => r.status))].join(",")}`,
  );
  { const m = new Map<string, number>(); for (const r of retries) { const k = `${r.status} ${r.message}`.slice(0, 160); m.set(k, (m.get(k) ?? 0) + 1); } console.log([...m].map(([k, n]) => `  ${n}x ${k}`).join("\n")); }
  if (!flushed.ok) console.log(`last retries:\n${retries.slice(-3).map((r) => `  ${r.status} ${r.message}`).join("\n")}`);
  assert.deepEqual(flushed, { ok: true, pending: 0 });
  assert.deepEqual(errors.map((e) => `${e.code}: ${e.message}`), []);
  assert.equal(stats.dropped, 0);
  assert.equal(stats.delivered, TOTAL);
  assert.ok(deliveredAtKill >= TOTAL * 0.4 && deliveredAtKill < TOTAL, `killed at ${deliveredAtKill} delivered`);
  assert.ok(retries.some((r) => r.status === "network" || r.status === "503"), "the client felt the outage");
  assert.equal(sent.size, TOTAL);

  // The persister is asynchronous: wait for it, then make sure nothing more trickles in.
  await ing.waitFor((c) => c.rows >= TOTAL, 90_000);
  await sleep(2000);
  const counts = await ing.counts();
  console.log(`postgres: ${JSON.stringify(counts)}`);
  assert.equal(counts.rows, TOTAL, "one row per event");
  assert.equal(counts.keys, TOTAL, "no idempotency key stored twice");
  assert.equal(counts.interactions, TOTAL / 4);
  assert.equal(counts.parked, 0, "every feedback found its interaction");
  assert.deepEqual([...(await ing.storedKeys())].sort(), [...sent].sort());
  await client.shutdown();
});
