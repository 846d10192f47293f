import type { Backoff } from "./types.js";

/** Delay before attempt `attempt + 1`: exponential, capped, with jitter in [d/2, d]. */
export function backoffDelay(b: Backoff | undefined, attempt: number, random: () => number = Math.random): number {
  const initial = b?.initialMs ?? 100;
  const max = b?.maxMs ?? 5_000;
  const mult = b?.multiplier ?? 2;
  const d = Math.min(max, initial * mult ** Math.max(0, attempt - 1));
  return Math.round(d / 2 + (random() * d) / 2);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
