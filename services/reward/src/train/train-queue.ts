// Trains queued snapshots one at a time, in the background of the service: reads the snapshot's
// pairs from labeling (gRPC StreamDatasetPairs), the pointwise labels from its own tables, trains,
// diagnoses, registers, and approves when the diagnostics pass (if auto-approve is on).
import type { Logger } from "@rlhf-loop/kit";
import type { DatasetPair } from "@rlhf-loop/proto";
import { trainPairOf } from "../domain/evidence.js";
import type { TrainPair } from "../domain/examples.js";
import type { DiagnosticsThresholds } from "../diagnostics/diagnostics.js";
import type { RewardMetrics } from "../metrics.js";
import type { Registrar } from "../registrar.js";
import type { EvidenceStore } from "../store/evidence-store.js";
import type { RunsStore } from "../store/runs-store.js";
import { trainAndDiagnose } from "./train-run.js";
import type { TrainerConfig } from "./trainer-config.js";

/** Streams a snapshot's pairs; the tenant picks the credential labeling checks. */
export type SnapshotReader = (datasetId: string, tenantId: string) => AsyncIterable<DatasetPair>;

export interface TrainQueueOptions {
  readonly trainer: Partial<TrainerConfig>;
  readonly thresholds?: DiagnosticsThresholds;
  readonly autoApprove: boolean;
  readonly pointwise: boolean;
  readonly ablation?: boolean;
}

export class TrainQueue {
  private running: Promise<void> | undefined;
  private stopped = false;
  private again = false;

  constructor(
    private readonly runs: RunsStore,
    private readonly readSnapshot: SnapshotReader,
    private readonly evidence: EvidenceStore,
    private readonly registrar: Registrar,
    private readonly metrics: RewardMetrics,
    private readonly logger: Logger,
    private readonly opts: TrainQueueOptions,
  ) {}

  /** Starts draining the queue unless already draining. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves when the queue is empty (tests) or stopped. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const run = await this.runs.claim();
      if (!run) return;
      const t0 = performance.now();
      try {
        const pairs: TrainPair[] = [];
        for await (const d of this.readSnapshot(run.datasetId, run.tenantId)) {
          const p = trainPairOf(d);
          if (p) pairs.push(p);
        }
        const singles = this.opts.pointwise ? await this.evidence.singles(run.tenantId, run.evidenceTo ?? new Date()) : [];
        this.logger.info({ datasetId: run.datasetId, pairs: pairs.length, singles: singles.length }, "training reward model");
        const out = await trainAndDiagnose({ pairs, singles }, { trainer: this.opts.trainer, ablation: this.opts.ablation === true, ...(this.opts.thresholds ? { thresholds: this.opts.thresholds } : {}) });
        const m = await this.registrar.register(out, run.datasetId, run.tenantId);
        if (this.opts.autoApprove && m.diagnosticsPassed) await this.registrar.approve(m.modelId);
        await this.runs.finish(run.datasetId, { modelId: m.modelId });
        this.metrics.runs.inc({ result: "done" });
      } catch (err) {
        this.logger.error({ err, datasetId: run.datasetId }, "reward training failed");
        await this.runs.finish(run.datasetId, { error: err instanceof Error ? err.message : String(err) });
        this.metrics.runs.inc({ result: "failed" });
      } finally {
        this.metrics.trainSeconds.observe((performance.now() - t0) / 1000);
      }
    }
  }
}
