/** Time source for pacing; tests pass a fake one. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Token bucket: `ratePerSec` tokens a second, at most `capacity` saved up. take() may run the
 * balance into debt and sleeps the debt off once it is worth at least `minSleepMs`, so high
 * rates do not cost one timer per event.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly capacity: number,
    private readonly clock: Clock = realClock,
    private readonly minSleepMs = 5,
  ) {
    if (!(ratePerSec > 0)) throw new RangeError(`rate must be positive, got ${ratePerSec}`);
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
    this.tokens = capacity;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSec);
    this.last = now;
  }

  async take(n = 1): Promise<void> {
    this.refill();
    this.tokens -= n;
    if (this.tokens < 0) {
      const waitMs = (-this.tokens / this.ratePerSec) * 1000;
      if (waitMs >= this.minSleepMs) {
        await this.clock.sleep(waitMs);
        this.refill();
      }
    }
  }
}

/** Parses "2000/s", "120/m", "36000/h" or a bare number (per second) into events per second. */
export function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|second|m|min|minute|h|hour))?\s*$/i.exec(text);
  if (!m) throw new RangeError(`rate must look like 2000/s, 120/m or 36000/h (got ${JSON.stringify(text)})`);
  const n = Number(m[1]);
  const unit = (m[2] ?? "s").toLowerCase();
  const perSec = unit.startsWith("h") ? n / 3600 : unit.startsWith("m") ? n / 60 : n;
  if (!(perSec > 0)) throw new RangeError(`rate must be positive (got ${JSON.stringify(text)})`);
  return perSec;
}
