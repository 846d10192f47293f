// Registers trained models, approves them (diagnostics must pass), announces every registration and
// status change on rlhf.reward-models.v1, and hot-swaps the serving model on approval.
import { create } from "@bufbuild/protobuf";
import type { Bus, Logger } from "@rlhf-loop/kit";
import { RewardModelAnnouncementSchema } from "@rlhf-loop/proto";
import { toProtoModel } from "./api/wire.js";
import type { RewardMetrics } from "./metrics.js";
import type { RewardServing } from "./serve/reward-serving.js";
import type { RegisteredModel, RegistryStore } from "./store/registry-store.js";
import type { TrainRunOutput } from "./train/train-run.js";

export class Registrar {
  constructor(
    private readonly registry: RegistryStore,
    private readonly bus: Bus,
    private readonly topic: string,
    private readonly serving: RewardServing,
    private readonly metrics: RewardMetrics,
    private readonly logger: Logger,
  ) {}

  async announce(m: RegisteredModel): Promise<void> {
    await this.bus.publish(this.topic, RewardModelAnnouncementSchema, [{ key: m.modelId, message: create(RewardModelAnnouncementSchema, { model: toProtoModel(m) }) }]);
  }

  /** Stores a trained model as a candidate with its config and diagnostics, exports them, announces it. */
  async register(out: TrainRunOutput, datasetId: string, tenantId: string): Promise<RegisteredModel> {
    const { result, report } = out;
    const m = await this.registry.insert({
      tenantId,
      datasetId,
      kind: "compact",
      config: result.config,
      metrics: { report, epochs: result.epochs, bestEpoch: result.bestEpoch, split: result.split, contributions: out.contributions, seconds: result.seconds, examplesPerSecond: result.examplesPerSecond },
      diagnosticsPassed: report.passed,
      artifact: out.onnx,
      trainPairs: result.split.trainPairs,
      heldOutPairs: result.split.heldOutPairs,
    });
    this.metrics.exportReport(m.modelId, report);
    this.logger.info({ modelId: m.modelId, datasetId, accuracy: report.accuracy.value, passed: report.passed, flagged: report.checks.filter((c) => c.flagged).map((c) => c.name) }, "reward model registered");
    await this.announce(m);
    return m;
  }

  /** Registers a brought HF model (its diagnostics are whatever the caller measured; none: not passed). */
  async registerHf(onnx: Uint8Array, tokenizer: string, opts: { datasetId?: string; tenantId?: string; name?: string } = {}): Promise<RegisteredModel> {
    const m = await this.registry.insert({
      tenantId: opts.tenantId ?? "",
      datasetId: opts.datasetId ?? `byo:${opts.name ?? "hf"}`,
      kind: "hf",
      config: { kind: "hf", name: opts.name ?? "hf" },
      metrics: {},
      diagnosticsPassed: false,
      artifact: onnx,
      tokenizer,
      trainPairs: 0,
      heldOutPairs: 0,
    });
    await this.announce(m);
    return m;
  }

  /** Approves (diagnostics must have passed unless forced), serves it, announces both changes. */
  async approve(modelId: string, opts: { force?: boolean } = {}): Promise<RegisteredModel> {
    const { approved, retired } = await this.registry.approve(modelId, opts);
    // Only the serving tenant's approvals move the default model; others stay scorable by id.
    if (approved.tenantId === this.serving.tenantId) {
      const prev = this.serving.servingModelId;
      await this.serving.activate(approved.modelId);
      this.metrics.setServing(prev, approved.modelId);
    }
    this.logger.info({ modelId, tenantId: approved.tenantId, retired, forced: opts.force === true }, "reward model approved");
    await this.announce(approved);
    if (retired) {
      const r = await this.registry.get(retired);
      if (r) await this.announce(r);
    }
    return approved;
  }
}
