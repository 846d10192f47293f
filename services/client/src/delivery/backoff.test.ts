import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRetryAfter, retryDelayMs } from "./backoff.js";

const policy = { baseDelayMs: 100, maxDelayMs: 5000 };

void test("backoff doubles per attempt, within [step/2, step], capped", () => {
  for (const [attempt, step] of [[1, 100], [2, 200], [3, 400], [6, 3200], [7, 5000], [30, 5000]] as const) {
    assert.equal(retryDelayMs(attempt, policy, undefined, () => 0), step / 2);
    assert.equal(retryDelayMs(attempt, policy, undefined, () => 1), step);
  }
});

void test("jitter spreads clients that failed together", () => {
  const seen = new Set(Array.from({ length: 200 }, () => retryDelayMs(4, policy, undefined)));
  assert.ok(seen.size > 50, `${seen.size} distinct delays`);
  for (const d of seen) assert.ok(d >= 400 && d <= 800);
});

void test("Retry-After is a floor, with up to 20% jitter on top", () => {
  assert.equal(retryDelayMs(1, policy, 3000, () => 0), 3000);
  assert.equal(retryDelayMs(1, policy, 3000, () => 1), 3600);
  // Above the exponential cap: the server's word wins.
  assert.equal(retryDelayMs(1, policy, 60_000, () => 0), 60_000);
  // A short Retry-After never undercuts the exponential step.
  assert.equal(retryDelayMs(6, policy, 10, () => 0), 1600);
});

void test("parseRetryAfter reads seconds and HTTP dates", () => {
  assert.equal(parseRetryAfter("2"), 2000);
  assert.equal(parseRetryAfter(" 0 "), 0);
  assert.equal(parseRetryAfter("1.5"), 1500);
  const now = Date.parse("2025-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("Wed, 01 Jan 2025 00:00:07 GMT", now), 7000);
  assert.equal(parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter(""), undefined);
  assert.equal(parseRetryAfter("soon"), undefined);
  assert.equal(parseRetryAfter("-3"), undefined);
});
