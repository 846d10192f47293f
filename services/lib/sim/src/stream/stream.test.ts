import assert from "node:assert/strict";
import { test } from "node:test";
import { clone, toJsonString } from "@bufbuild/protobuf";
import { IngestEventSchema } from "@rlhf-loop/proto";
import { isReasonCode } from "@rlhf-loop/client";
import { startSink } from "@rlhf-loop/client/testing";
import { parseWorldConfig } from "../config/load.js";
import { createWorld, type SimEvent } from "../world/world.js";
import { streamWorld, type StreamProgress } from "./stream.js";
import { parseRate, TokenBucket, type Clock } from "./token-bucket.js";

function fakeClock(): Clock & { slept: number } {
  let t = 0;
  return {
    slept: 0,
    now: () => t,
    sleep(ms: number) {
      t += ms;
      this.slept += ms;
      return Promise.resolve();
    },
  };
}

void test("token bucket paces to the rate after the burst", async () => {
  const clock = fakeClock();
  const bucket = new TokenBucket(100, 10, clock, 5);
  for (let i = 0; i < 1010; i++) await bucket.take(1);
  // 10 tokens were saved up; the other 1000 take 10 s at 100/s.
  assert.ok(Math.abs(clock.now() - 10_000) < 10, `took ${clock.now()} ms`);
});

void test("rates parse per second, minute and hour; bad ones name the problem", () => {
  assert.equal(parseRate("2000/s"), 2000);
  assert.equal(parseRate("120/m"), 2);
  assert.equal(parseRate("36000/h"), 10);
  assert.equal(parseRate("50"), 50);
  assert.throws(() => parseRate("fast"), /rate must look like 2000\/s/);
  assert.throws(() => parseRate("0/s"), /positive/);
});

const config = parseWorldConfig({ traffic: { interactionsPerDay: 150 }, experts: { pairsPerDay: 5 } });

void test("streams a day through the client, in order, honouring 429 Retry-After", async () => {
  // The first batch request is refused with 429 and Retry-After: 1.
  const sink = await startSink({ apiKey: "rlhf_t1_secret", fault: (i) => (i.requestNo === 1 ? { status: 429, retryAfter: 1 } : undefined) });
  try {
    const world = createWorld(config, 4);
    const expected: SimEvent[] = await world.day(0);
    const progress: StreamProgress[] = [];
    const started = performance.now();
    const res = await streamWorld(world, {
      days: 1,
      ratePerSec: 5000,
      target: sink.url,
      apiKey: "rlhf_t1_secret",
      clientOptions: { maxBatchEvents: 100, retry: { baseDelayMs: 10 } },
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    const elapsed = performance.now() - started;
    assert.equal(res.sent, expected.length);
    assert.equal(res.delivered, expected.length);
    assert.equal(res.dropped, 0);
    assert.equal(res.complete, true);
    assert.equal(res.stoppedBy, "done");
    assert.ok(res.retries >= 1, `retries ${res.retries}`);
    assert.ok(elapsed >= 950, `Retry-After: 1 asks for a 1 s wait, but the run took ${elapsed} ms`);
    assert.deepEqual(sink.order, expected.map((e) => e.idempotencyKey));
    // What arrived is what the world produced, field for field (the server fills tenant and ids).
    // Reason codes the SDK does not offer are not sent (the SDK would reject the event).
    let coded = 0;
    for (const e of expected) {
      const got = sink.stored.get(e.idempotencyKey)!;
      const want = clone(IngestEventSchema, e.event);
      if (want.event.case === "feedback") want.event.value.reasonCodes = want.event.value.reasonCodes.filter(isReasonCode);
      if (want.event.case === "feedback" && want.event.value.reasonCodes.length > 0) coded++;
      assert.equal(toJsonString(IngestEventSchema, got), toJsonString(IngestEventSchema, want));
    }
    assert.ok(coded > 0, "some reason codes travel");
    assert.ok(progress.length > 5);
    assert.equal(progress.at(-1)?.done, true);
    assert.equal(progress.at(-1)?.delivered, expected.length);
  } finally {
    await sink.close();
  }
});

void test("the stream is bounded in count and in time, and holds the rate", async () => {
  const sink = await startSink({ apiKey: "rlhf_t1_secret" });
  try {
    const byCount = await streamWorld(createWorld(config, 4), { days: 2, ratePerSec: 10_000, maxEvents: 120, target: sink.url, apiKey: "rlhf_t1_secret" });
    assert.equal(byCount.stoppedBy, "max-events");
    assert.equal(byCount.sent, 120);
    assert.equal(byCount.delivered, 120);

    const started = performance.now();
    const byTime = await streamWorld(createWorld(config, 5), { days: 2, ratePerSec: 200, burst: 1, maxDurationMs: 600, target: sink.url, apiKey: "rlhf_t1_secret" });
    const elapsed = performance.now() - started;
    assert.equal(byTime.stoppedBy, "max-duration");
    // 200/s for 0.6 s: at most about 120 events (fewer when the machine is busy generating the day).
    assert.ok(byTime.sent >= 30 && byTime.sent <= 130, `sent ${byTime.sent}`);
    assert.equal(byTime.delivered, byTime.sent);
    assert.ok(elapsed < 5000, `took ${elapsed} ms`);
  } finally {
    await sink.close();
  }
});
