import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TenantRateLimiter, retryAfterSeconds, take } from "./rate-limiter.js";

describe("token bucket", () => {
  const limit = { ratePerSec: 10, burst: 20 };

  it("allows a full burst, then refuses with the time until enough tokens", () => {
    const b = { tokens: 20, updatedMs: 0 };
    for (let i = 0; i < 20; i++) assert.deepEqual(take(b, limit, 1, 0), { ok: true });
    assert.deepEqual(take(b, limit, 1, 0), { ok: false, retryAfterMs: 100 });
    assert.deepEqual(take(b, limit, 5, 0), { ok: false, retryAfterMs: 500 });
  });

  it("refills at the rate, up to the burst", () => {
    const b = { tokens: 0, updatedMs: 0 };
    assert.equal(take(b, limit, 5, 499).ok, false); // 4.99 tokens
    assert.equal(take(b, limit, 5, 500).ok, true); // 5 tokens
    take(b, limit, 0, 1_000_000);
    assert.equal(b.tokens, 20);
  });

  it("sustains exactly the rate over time (independent count)", () => {
    const b = { tokens: 20, updatedMs: 0 };
    let accepted = 0;
    // 100 requests per second for 10 s, one event each.
    for (let t = 0; t < 10_000; t += 10) if (take(b, limit, 1, t).ok) accepted++;
    // burst + rate * elapsed (the last request is at 9.99 s).
    assert.ok(accepted >= 20 + 99 && accepted <= 20 + 100, `accepted ${accepted}`);
  });

  it("clamps a batch bigger than the burst to the burst", () => {
    const b = { tokens: 20, updatedMs: 0 };
    assert.equal(take(b, limit, 500, 0).ok, true);
    const r = take(b, limit, 500, 0);
    assert.deepEqual(r, { ok: false, retryAfterMs: 2000 });
  });

  it("ignores clocks going backwards", () => {
    const b = { tokens: 0, updatedMs: 1000 };
    assert.equal(take(b, limit, 1, 500).ok, false);
    assert.equal(b.tokens, 0);
  });

  it("keeps tenants apart", () => {
    let now = 0;
    const rl = new TenantRateLimiter(() => now);
    const small = { ratePerSec: 1, burst: 1 };
    assert.equal(rl.take("a", small, 1).ok, true);
    assert.equal(rl.take("a", small, 1).ok, false);
    assert.equal(rl.take("b", small, 1).ok, true);
    now = 1000;
    assert.equal(rl.take("a", small, 1).ok, true);
  });

  it("rounds Retry-After up to whole seconds, at least 1", () => {
    assert.equal(retryAfterSeconds(1), 1);
    assert.equal(retryAfterSeconds(1000), 1);
    assert.equal(retryAfterSeconds(1001), 2);
    assert.equal(retryAfterSeconds(0), 1);
  });
});
