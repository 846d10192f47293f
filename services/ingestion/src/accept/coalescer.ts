export interface CoalescerOptions<I = unknown> {
  /** Flushes running at once; submissions wait (and pile up into the next flush) beyond it. */
  maxInFlight: number;
  /** Items per flush at most. */
  maxBatch: number;
  /**
   * Bound on the summed `weightOf` of a flush (e.g. bytes); an item heavier than the bound
   * still goes out, alone. Default: no bound.
   */
  maxWeight?: number;
  weightOf?: (item: I) => number;
  /** Observes each flush's size (metrics). */
  onFlush?: (size: number) => void;
}

interface Pending<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: items submitted while a flush is running wait and go out together in the next
 * one, so N concurrent requests cost about one round trip instead of N. Flushes start on a
 * microtask, so items submitted in the same tick (a batch request) share one flush.
 * `flush` returns one result per item, in order; a rejection fails every item of that flush.
 */
export class Coalescer<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly options: CoalescerOptions<I>,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Items waiting for a flush slot. */
  get pending(): number {
    return this.queue.length;
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** How many queued items the next flush takes: maxBatch, and maxWeight when set. */
  private takeCount(): number {
    const { maxBatch, maxWeight, weightOf } = this.options;
    const n = Math.min(maxBatch, this.queue.length);
    if (maxWeight === undefined || !weightOf) return n;
    let weight = 0;
    for (let i = 0; i < n; i++) {
      weight += weightOf(this.queue[i]!.item);
      if (weight > maxWeight) return Math.max(1, i);
    }
    return n;
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.takeCount());
      this.inFlight++;
      try {
        this.options.onFlush?.(batch.length);
      } catch {
        // An observer (metrics) must not stop the flush, nor leak the in-flight slot.
      }
      let run: Promise<O[]>;
      try {
        run = this.flush(batch.map((p) => p.item));
      } catch (err) {
        run = Promise.reject(err);
      }
      run
        .then(
          (results) => {
            if (results.length !== batch.length) throw new Error(`flush returned ${results.length} results for ${batch.length} items`);
            batch.forEach((p, i) => p.resolve(results[i] as O));
          },
          (err: unknown) => batch.forEach((p) => p.reject(err)),
        )
        .catch((err: unknown) => batch.forEach((p) => p.reject(err)))
        .finally(() => {
          this.inFlight--;
          this.pump();
          if (this.queue.length === 0 && this.inFlight === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const w of waiters) w();
          }
        });
    }
  }
}
