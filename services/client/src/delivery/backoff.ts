export interface BackoffPolicy {
  /** First retry waits around this long (ms). */
  baseDelayMs: number;
  /** Exponential growth stops here (ms). A server Retry-After may exceed it. */
  maxDelayMs: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry). Exponential with "equal jitter": half the
 * exponential step is fixed, half random, so clients that failed together spread out but never
 * retry instantly. A server Retry-After is a floor, plus up to 20% jitter so a fleet told
 * "come back in 5 s" does not return in the same millisecond.
 */
export function retryDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = step / 2 + random() * (step / 2);
  if (retryAfterMs === undefined) return Math.round(jittered);
  return Math.round(Math.max(retryAfterMs + random() * retryAfterMs * 0.2, jittered));
}

/**
 * Parses an HTTP Retry-After value: delta-seconds or an HTTP-date. Undefined when absent or
 * unparsable, so the exponential backoff applies instead.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // HTTP-dates always name a weekday and month; this keeps "-3" from parsing as year -3.
  if (!/[A-Za-z]/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
