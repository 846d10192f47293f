import { withTransaction } from "@rlhf-loop/kit";
import type { Bus, Logger, Pool } from "@rlhf-loop/kit";
import { PreferencePairSchema } from "@rlhf-loop/proto";
import { pairHeldOut } from "../domain/holdout.js";
import { pairProto } from "../domain/to-proto.js";
import type { LabelingMetrics } from "../metrics.js";
import { claimUnpublished, markPublished } from "../store/pairs-store.js";

/**
 * The outbox of rlhf.pairs.v1: pairs are stored in the same transaction as the evidence that
 * made them, and published afterwards, so a crash between the two never loses a pair (it may
 * publish one twice; consumers dedupe by pair_id).
 */
export class PairPublisher {
  private running: Promise<number> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly pool: Pool,
    private readonly options: { schema: string; topic: string; batch: number; intervalMs: number },
    private readonly logger: Logger,
    private readonly metrics: LabelingMetrics,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Publishes every stored, unpublished pair; concurrent calls share one run (plus one more pass). */
  flush(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let total = 0;
      try {
        do {
          this.again = false;
          for (;;) {
            const n = await this.publishBatch();
            total += n;
            if (n < this.options.batch) break;
          }
        } while (this.again);
      } catch (err) {
        this.logger.warn({ err }, "publishing pairs failed; the outbox keeps them for the next flush");
        throw err;
      } finally {
        this.running = undefined;
      }
      return total;
    })();
    return this.running;
  }

  /** Resolves once no flush is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  private publishBatch(): Promise<number> {
    return withTransaction(this.pool, async (c) => {
      const pairs = await claimUnpublished(c, this.options.schema, this.options.batch);
      if (pairs.length === 0) return 0;
      // A pair touching a canary-holdout conversation (stored before the rule) leaves the outbox unpublished.
      const out = pairs.filter((p) => !pairHeldOut(p));
      if (out.length > 0) {
        await this.bus.publish(
          this.options.topic,
          PreferencePairSchema,
          out.map((p) => ({ key: p.promptHash, message: pairProto(p) })),
        );
      }
      await markPublished(c, this.options.schema, pairs);
      this.metrics.pairsPublished(out.length);
      this.metrics.holdoutSkipped("publish", pairs.length - out.length);
      return pairs.length;
    });
  }
}
