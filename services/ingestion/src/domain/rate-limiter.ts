/** A tenant's limit: `ratePerSec` events per second sustained, bursts up to `burst`. */
export interface RateLimit {
  ratePerSec: number;
  burst: number;
}

export interface Bucket {
  tokens: number;
  updatedMs: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Token bucket: refills at ratePerSec up to burst; an event costs one token. A request that
 * costs more than the whole burst (a big batch) is clamped to the burst, so it waits for a
 * full bucket instead of being refused forever. Pure: mutates only the given bucket.
 */
export function take(bucket: Bucket, limit: RateLimit, cost: number, nowMs: number): TakeResult {
  const elapsed = Math.max(0, nowMs - bucket.updatedMs) / 1000;
  bucket.tokens = Math.min(limit.burst, bucket.tokens + elapsed * limit.ratePerSec);
  bucket.updatedMs = Math.max(bucket.updatedMs, nowMs);
  const need = Math.min(Math.max(cost, 0), limit.burst);
  if (bucket.tokens >= need) {
    bucket.tokens -= need;
    return { ok: true };
  }
  const retryAfterMs = Math.ceil(((need - bucket.tokens) / limit.ratePerSec) * 1000);
  return { ok: false, retryAfterMs };
}

/**
 * Per-tenant buckets in this process. With N replicas the effective limit is N times the
 * configured one; the limit exists to protect the pipeline from one noisy tenant, not to bill.
 */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  take(tenantId: string, limit: RateLimit, cost: number): TakeResult {
    let b = this.buckets.get(tenantId);
    const now = this.now();
    if (!b) {
      b = { tokens: limit.burst, updatedMs: now };
      this.buckets.set(tenantId, b);
    }
    return take(b, limit, cost, now);
  }
}

/** Retry-After header value: whole seconds, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
