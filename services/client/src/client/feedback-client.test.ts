import { test } from "node:test";
import assert from "node:assert/strict";
import { ThumbDirection } from "@rlhf-loop/proto";
import { FeedbackClient, type FeedbackClientOptions } from "./feedback-client.js";
import type { FeedbackClientError, RetryInfo } from "../index.js";
import { startSink, type Sink, type SinkOptions } from "../testing/sink.js";

const KEY = "rlhf_test_secret";
const fast = { baseDelayMs: 5, maxDelayMs: 40 };

async function setup(sinkOpts: SinkOptions = {}, clientOpts: Partial<FeedbackClientOptions> = {}) {
  const sink = await startSink({ apiKey: KEY, ...sinkOpts });
  const errors: FeedbackClientError[] = [];
  const retries: RetryInfo[] = [];
  const client = new FeedbackClient({
    url: sink.url,
    apiKey: KEY,
    flushIntervalMs: 20,
    retry: fast,
    onError: (e) => errors.push(e),
    onRetry: (r) => retries.push(r),
    ...clientOpts,
  });
  return { sink, client, errors, retries };
}

function interaction(client: FeedbackClient, id: string) {
  return client.interaction({
    interactionId: id,
    prompt: [{ role: "user", content: `question ${id}` }],
    answer: `answer ${id}`,
    modelVersion: "m1",
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(5);
  }
}

async function teardown(sink: Sink, client: FeedbackClient) {
  await client.shutdown({ timeoutMs: 1000 });
  await sink.close();
}

void test("events are encoded in the proto3 JSON mapping the server accepts", async () => {
  const { sink, client, errors } = await setup();
  const i = client.interaction({ prompt: [{ role: "user", content: "hi" }], answer: "hello", metadata: { plan: "pro" } });
  client.thumb({ interactionId: i.interactionId, direction: "down", reasonCodes: ["too_long"] });
  client.thumb({ interactionId: i.interactionId, direction: ThumbDirection.UP });
  client.rating({ interactionId: i.interactionId, score: 4 });
  client.outcome({ interactionId: i.interactionId, kind: "refund", amountMinor: 1250n, currency: "EUR" });
  assert.match(i.interactionId, /^[0-9a-f-]{36}$/);
  assert.deepEqual(await client.flush(), { ok: true, pending: 0 });
  assert.equal(sink.stored.size, 5);
  assert.equal(errors.length, 0);
  const kinds = sink.order.map((k) => sink.stored.get(k)!.event.case);
  assert.deepEqual(kinds, ["interaction", "feedback", "feedback", "feedback", "outcome"]);
  const down = sink.stored.get(sink.order[1]!)!;
  assert.ok(down.event.case === "feedback" && down.event.value.kind.case === "thumb");
  assert.equal(down.event.value.kind.value.direction, ThumbDirection.DOWN);
  assert.deepEqual(down.event.value.reasonCodes, ["too_long"]);
  assert.equal(down.event.value.interactionId, i.interactionId);
  assert.ok(down.event.value.occurredAt, "occurredAt is filled in");
  await teardown(sink, client);
});

void test("batches flush by count, and the remainder waits for the timer or flush()", async () => {
  const { sink, client } = await setup({}, { maxBatchEvents: 10, flushIntervalMs: 60_000 });
  for (let n = 0; n < 25; n++) interaction(client, `c-${n}`);
  await until(() => sink.stored.size === 20);
  await sleep(50);
  assert.equal(sink.counters.requests, 2, "two full batches, the partial one waits");
  assert.equal(client.stats().queued, 5);
  await client.flush();
  assert.equal(sink.counters.requests, 3);
  assert.equal(sink.stored.size, 25);
  await teardown(sink, client);
});

void test("a partial batch is sent once its oldest event waited flushIntervalMs", async () => {
  const { sink, client } = await setup({}, { maxBatchEvents: 100, flushIntervalMs: 80 });
  const t0 = Date.now();
  for (let n = 0; n < 3; n++) interaction(client, `t-${n}`);
  await until(() => sink.stored.size === 3);
  const took = Date.now() - t0;
  assert.ok(took >= 70, `sent after ${took} ms, not before the interval`);
  assert.equal(sink.counters.requests, 1);
  await teardown(sink, client);
});

void test("batches flush by bytes and never exceed maxBatchBytes", async () => {
  const { sink, client } = await setup({}, { maxBatchEvents: 1000, maxBatchBytes: 2000, flushIntervalMs: 60_000, gzip: false });
  const long = "x".repeat(400);
  for (let n = 0; n < 12; n++)
    client.interaction({ interactionId: `b-${n}`, prompt: [{ role: "user", content: long }], answer: "a" });
  await client.flush();
  assert.equal(sink.stored.size, 12);
  assert.ok(sink.counters.requests >= 3, `split into ${sink.counters.requests} requests`);
  for (const h of sink.headers) assert.ok(Number(h["content-length"]) <= 2000 + 64, `body ${h["content-length"]} bytes`);
  await teardown(sink, client);
});

void test("bodies above gzipMinBytes are gzipped; gzip:false sends plain JSON", async () => {
  const a = await setup();
  for (let n = 0; n < 20; n++) interaction(a.client, `g-${n}`);
  await a.client.flush();
  assert.equal(a.sink.counters.gzipped, 1);
  assert.equal(a.sink.headers[0]!["content-encoding"], "gzip");
  await teardown(a.sink, a.client);
  const b = await setup({}, { gzip: false });
  for (let n = 0; n < 20; n++) interaction(b.client, `g-${n}`);
  await b.client.flush();
  assert.equal(b.sink.counters.gzipped, 0);
  assert.equal(b.sink.stored.size, 20);
  await teardown(b.sink, b.client);
});

void test("a 429 storm is ridden out: every event arrives once, nothing dropped", async () => {
  const { sink, client, retries } = await setup(
    { fault: ({ requestNo }) => (requestNo <= 30 ? { status: 429, retryAfter: 0 } : undefined) },
    { maxBatchEvents: 50, maxQueueEvents: 1000 },
  );
  for (let n = 0; n < 1000; n++) interaction(client, `s-${n}`);
  const r = await client.flush({ timeoutMs: 10_000 });
  assert.deepEqual(r, { ok: true, pending: 0 });
  assert.equal(sink.stored.size, 1000);
  assert.equal(sink.counters.duplicates, 0);
  assert.equal(client.dropped, 0);
  assert.equal(retries.length, 30);
  assert.ok(retries.every((x) => x.status === "429"));
  await teardown(sink, client);
});

void test("429 Retry-After is a floor for the next attempt", async () => {
  const times: number[] = [];
  const { sink, client } = await setup({
    fault: ({ requestNo }) => {
      times.push(Date.now());
      return requestNo === 1 ? { status: 429, retryAfter: 1 } : undefined;
    },
  });
  interaction(client, "ra-1");
  await client.flush();
  assert.equal(times.length, 2);
  const gap = times[1]! - times[0]!;
  assert.ok(gap >= 1000 && gap < 2000, `waited ${gap} ms for Retry-After: 1 (+ up to 20% jitter)`);
  await teardown(sink, client);
});

void test("503 with a lost acknowledgement: the retry carries the same keys and is stored once", async () => {
  const { sink, client, errors } = await setup({
    fault: ({ requestNo }) => (requestNo <= 2 ? { status: 503, commitFirst: true } : undefined),
  });
  const keys = Array.from({ length: 40 }, (_, n) => interaction(client, `d-${n}`).idempotencyKey);
  await client.flush();
  assert.equal(new Set(keys).size, 40, "one key per event");
  assert.deepEqual([...sink.stored.keys()].sort(), [...keys].sort());
  assert.equal(sink.counters.duplicates, 80, "both retries re-sent the already stored events");
  assert.equal(client.stats().duplicates, 40, "the final acknowledgement reports them as duplicates");
  assert.equal(errors.length, 0);
  await teardown(sink, client);
});

void test("server restart: events sent while it is down arrive exactly once after it is back", async () => {
  const { sink, client } = await setup({}, { maxBatchEvents: 100, retry: { baseDelayMs: 20, maxDelayMs: 100 } });
  for (let n = 0; n < 150; n++) interaction(client, `r-${n}`);
  await until(() => sink.stored.size >= 100);
  await sink.stop();
  for (let n = 150; n < 300; n++) interaction(client, `r-${n}`);
  await sleep(300);
  assert.ok(client.stats().retries > 0, "it retried while the server was down");
  await sink.start();
  const r = await client.flush({ timeoutMs: 5000 });
  assert.equal(r.ok, true);
  assert.equal(sink.stored.size, 300);
  assert.equal(client.dropped, 0);
  await teardown(sink, client);
});

void test("a connection cut mid-request is retried (unknown outcome, same keys)", async () => {
  const { sink, client } = await setup({
    fault: ({ requestNo }) => (requestNo === 1 ? { destroy: true } : undefined),
  });
  for (let n = 0; n < 5; n++) interaction(client, `x-${n}`);
  await client.flush();
  assert.equal(sink.stored.size, 5);
  assert.equal(sink.counters.requests, 2);
  await teardown(sink, client);
});

void test("a 400 naming events[i] drops only those events and resends the rest", async () => {
  const { sink, client, errors } = await setup(
    { validate: (e) => (e.event.value?.interactionId.startsWith("poison") ? [{ path: "interaction.interactionId", reason: "poisoned" }] : []) },
    { maxBatchEvents: 100, flushIntervalMs: 60_000 },
  );
  const poisoned = new Set<string>();
  for (let n = 0; n < 10; n++) {
    const id = n % 4 === 1 ? `poison-${n}` : `ok-${n}`;
    const r = interaction(client, id);
    if (id.startsWith("poison")) poisoned.add(r.idempotencyKey);
  }
  await client.flush();
  assert.equal(sink.stored.size, 10 - poisoned.size);
  for (const k of poisoned) assert.ok(!sink.stored.has(k));
  assert.equal(errors.length, poisoned.size, "one onError per invalid event");
  for (const e of errors) {
    assert.equal(e.code, "rejected");
    assert.equal(e.status, "400");
    assert.deepEqual(e.fields, [{ path: "interaction.interactionId", reason: "poisoned" }]);
    assert.ok(poisoned.has(e.events[0]!.idempotencyKey));
  }
  assert.equal(client.stats().droppedBy.rejected, poisoned.size);
  assert.equal(sink.counters.requests, 2, "one rejected request, one resend of the valid rest");
  await teardown(sink, client);
});

void test("401 is not retried: the batch is dropped and reported once", async () => {
  const { sink, client, errors } = await setup({}, { apiKey: "rlhf_test_wrong" });
  for (let n = 0; n < 4; n++) interaction(client, `u-${n}`);
  await client.flush();
  assert.equal(sink.counters.requests, 1);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.code, "rejected");
  assert.equal(errors[0]!.status, "401");
  assert.equal(errors[0]!.events.length, 4);
  assert.equal(client.stats().droppedBy.rejected, 4);
  await teardown(sink, client);
});

void test("413 splits the batch until it fits", async () => {
  const { sink, client, errors } = await setup({ maxEvents: 4 }, { maxBatchEvents: 10, flushIntervalMs: 60_000 });
  for (let n = 0; n < 10; n++) interaction(client, `l-${n}`);
  await client.flush();
  assert.equal(sink.stored.size, 10);
  assert.equal(errors.length, 0);
  await teardown(sink, client);
});

void test("persistent 500s give up after maxAttempts with retries_exhausted", async () => {
  const { sink, client, errors } = await setup({ fault: () => ({ status: 500 }) }, { retry: { ...fast, maxAttempts: 3 } });
  for (let n = 0; n < 3; n++) interaction(client, `f-${n}`);
  await client.flush();
  assert.equal(sink.counters.requests, 3);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.code, "retries_exhausted");
  assert.equal(client.stats().droppedBy.retries_exhausted, 3);
  await teardown(sink, client);
});

void test("drop-newest: a full buffer refuses new events, counts them, keeps the old ones", async () => {
  const { sink, client, errors } = await setup({}, { maxQueueEvents: 5, flushIntervalMs: 60_000 });
  const results = Array.from({ length: 8 }, (_, n) => interaction(client, `q-${n}`));
  assert.deepEqual(results.map((r) => r.queued), [true, true, true, true, true, false, false, false]);
  assert.equal(client.stats().droppedBy.queue_full, 3);
  assert.equal(errors.filter((e) => e.code === "queue_full").length, 3);
  await client.flush();
  assert.deepEqual([...sink.stored.values()].map((e) => e.event.value?.interactionId), ["q-0", "q-1", "q-2", "q-3", "q-4"]);
  await teardown(sink, client);
});

void test("drop-oldest: a full buffer evicts the oldest waiting events", async () => {
  const { sink, client } = await setup({}, { maxQueueEvents: 5, flushIntervalMs: 60_000, dropPolicy: "drop-oldest" });
  const results = Array.from({ length: 8 }, (_, n) => interaction(client, `o-${n}`));
  assert.ok(results.every((r) => r.queued));
  assert.equal(client.dropped, 3);
  await client.flush();
  assert.deepEqual([...sink.stored.values()].map((e) => e.event.value?.interactionId), ["o-3", "o-4", "o-5", "o-6", "o-7"]);
  await teardown(sink, client);
});

void test("the byte bound applies too", async () => {
  const { sink, client } = await setup({}, { maxQueueBytes: 1500, flushIntervalMs: 60_000 });
  const text = "y".repeat(300);
  const queued = Array.from({ length: 10 }, (_, n) =>
    client.interaction({ interactionId: `y-${n}`, prompt: [{ role: "user", content: text }], answer: "a" }).queued,
  ).filter(Boolean).length;
  assert.ok(queued >= 2 && queued <= 4, `${queued} events of ~400 bytes fit in 1500 bytes`);
  assert.ok(client.stats().queuedBytes <= 1500);
  assert.equal(client.stats().droppedBy.queue_full, 10 - queued);
  await teardown(sink, client);
});

void test("never throws: bad input and a throwing onError hook stay out of the caller's path", async () => {
  const sink = await startSink({ apiKey: KEY });
  let calls = 0;
  const client = new FeedbackClient({
    url: sink.url,
    apiKey: KEY,
    onError: () => {
      calls++;
      throw new Error("hook exploded");
    },
  });
  const bad = { interactionId: "has spaces", direction: "sideways" } as unknown as Parameters<FeedbackClient["thumb"]>[0];
  assert.equal(client.thumb(bad).queued, false);
  assert.equal(client.thumb(null as unknown as Parameters<FeedbackClient["thumb"]>[0]).queued, false);
  assert.equal(client.rating({ interactionId: "i-1", score: 9 }).queued, false);
  assert.equal(client.comparison({ interactionId: "i-1", otherInteractionId: "i-1", choice: "this" }).queued, false);
  assert.equal(client.interaction({ prompt: [], answer: "" }).queued, false);
  assert.equal(calls, 5);
  const s = client.stats();
  assert.equal(s.droppedBy.invalid + s.droppedBy.internal, 5);
  assert.equal(s.enqueued, 0);
  await client.shutdown();
  await sink.close();
});

void test("client-side validation names the field", async () => {
  const { sink, client, errors } = await setup();
  client.rating({ interactionId: "i-1", score: 0, scaleMin: 1, scaleMax: 10 });
  assert.equal(errors[0]!.code, "invalid");
  assert.deepEqual(errors[0]!.fields.map((f) => f.path), ["feedback.rating.score"]);
  await teardown(sink, client);
});

void test("shutdown delivers what it can, then drops the rest with reason shutdown", async () => {
  const { sink, client, errors } = await setup({ fault: () => ({ status: 503, retryAfter: 1 }) });
  for (let n = 0; n < 7; n++) interaction(client, `z-${n}`);
  const t0 = Date.now();
  const r = await client.shutdown({ timeoutMs: 300 });
  assert.ok(Date.now() - t0 < 2500, "the deadline is respected");
  assert.deepEqual(r, { ok: false, pending: 7 });
  assert.equal(client.stats().droppedBy.shutdown, 7);
  assert.equal(errors.filter((e) => e.code === "shutdown").reduce((a, e) => a + e.events.length, 0), 7);
  assert.equal(interaction(client, "late").queued, false);
  assert.equal(client.stats().droppedBy.closed, 1);
  await sink.close();
});

void test("shutdown with a healthy server delivers everything", async () => {
  const { sink, client } = await setup({}, { flushIntervalMs: 60_000 });
  for (let n = 0; n < 30; n++) interaction(client, `h-${n}`);
  const r = await client.shutdown();
  assert.deepEqual(r, { ok: true, pending: 0 });
  assert.equal(sink.stored.size, 30);
  await sink.close();
});

void test("with concurrency 2, a 429 pauses every sender", async () => {
  const times: number[] = [];
  const { sink, client } = await setup(
    {
      fault: ({ requestNo }) => {
        times.push(Date.now());
        return requestNo === 1 ? { status: 429, retryAfter: 1 } : undefined;
      },
    },
    { concurrency: 2, maxBatchEvents: 5, flushIntervalMs: 60_000 },
  );
  for (let n = 0; n < 20; n++) interaction(client, `p-${n}`);
  await client.flush();
  assert.equal(sink.stored.size, 20);
  // Request 2 may already be in flight when the 429 lands; everything after waits out Retry-After.
  const late = times.slice(2).map((t) => t - times[0]!);
  assert.ok(late.every((d) => d >= 1000), `later requests at ${late.join(", ")} ms`);
  await teardown(sink, client);
});

void test("a flush() pending on a backoff keeps the Node process alive until delivery", async () => {
  // Spawned so that an unref'd timer would let the child exit early with the event undelivered.
  const { spawn } = await import("node:child_process");
  const sink = await startSink({ apiKey: KEY, fault: ({ requestNo }) => (requestNo === 1 ? { status: 503, retryAfter: 1 } : undefined) });
  const script = `
    import { FeedbackClient } from "@rlhf-loop/client";
    const c = new FeedbackClient({ url: ${JSON.stringify(sink.url)}, apiKey: ${JSON.stringify(KEY)}, flushIntervalMs: 50, onError: () => {} });
    c.thumb({ interactionId: "alive-1", direction: "up" });
    // Let the first attempt fail, so flush() starts while the backoff timer (unref'd) is pending.
    await new Promise((r) => setTimeout(r, 300));
    const r = await c.flush();
    console.log(JSON.stringify(r));`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(out.trim()), { ok: true, pending: 0 });
  assert.equal(sink.stored.size, 1);
  await sink.close();
});
