import { create } from "@bufbuild/protobuf";
import { withTransaction } from "@rlhf-loop/kit";
import type { Bus, Logger, Pool } from "@rlhf-loop/kit";
import { DatasetAnnouncementSchema } from "@rlhf-loop/proto";
import { claimUnannounced, markAnnounced } from "../store/datasets-store.js";
import { announcedManifest } from "./manifest-proto.js";

/** Announces stored snapshots on rlhf.datasets.v1 (an outbox: a snapshot is never stored unannounced for long). */
export class DatasetAnnouncer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly pool: Pool,
    private readonly options: { schema: string; topic: string; intervalMs: number },
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  /** Announces what is unannounced; calls chain, so a snapshot stored before a call is covered by it. */
  flush(): Promise<number> {
    const prev = this.running ?? Promise.resolve(0);
    const next = prev.catch(() => 0).then(() => this.once());
    this.running = next;
    void next
      .finally(() => {
        if (this.running === next) this.running = undefined;
      })
      .catch(() => undefined);
    return next;
  }

  private once(): Promise<number> {
    return withTransaction(this.pool, async (c) => {
      const manifests = await claimUnannounced(c, this.options.schema, 50);
      if (manifests.length === 0) return 0;
      await this.bus.publish(
        this.options.topic,
        DatasetAnnouncementSchema,
        manifests.map((m) => ({ key: m.datasetId, message: create(DatasetAnnouncementSchema, { manifest: announcedManifest(m) }) })),
      );
      await markAnnounced(c, this.options.schema, manifests);
      for (const m of manifests) this.logger.info({ tenant: m.tenantId, dataset: m.datasetId, pairs: Number(m.pairCount) }, "dataset snapshot announced");
      return manifests.length;
    }).catch((err: unknown) => {
      this.logger.warn({ err }, "announcing dataset snapshots failed; retried on the next flush");
      throw err;
    });
  }
}
