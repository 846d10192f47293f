import { Topics } from "@rlhf-loop/proto";
import type { DiagnosticsThresholds } from "./diagnostics/diagnostics.js";
import { DEFAULT_SCHEMA } from "./migrate.js";
import { DEFAULT_LIMITS, type ScoringLimits } from "./serve/reward-serving.js";
import type { TrainerConfig } from "./train/trainer-config.js";

export interface RewardOptions {
  readonly dbSchema: string;
  readonly migrate: boolean;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly grpcHost: string;
  readonly grpcPort: number;
  /** host:port of labeling's gRPC (StreamDatasetPairs). */
  readonly labelingAddress: string;
  /** Labeling service-role keys by tenant ("*" for any tenant) for StreamDatasetPairs. */
  readonly labelingKeys: Readonly<Record<string, string>>;
  readonly topics: { readonly datasets: string; readonly rewardModels: string; readonly interactions: string; readonly feedback: string };
  readonly consumerGroup: string;
  readonly consumeFromBeginning: boolean;
  /** Train on every announced snapshot. */
  readonly autoTrain: boolean;
  /** Approve (and serve) a trained model whose diagnostics pass. */
  readonly autoApprove: boolean;
  /** Consume interactions/feedback for the pointwise loss. */
  readonly pointwise: boolean;
  readonly trainer: Partial<TrainerConfig>;
  /** Retrain without each source on automatic runs, to report what each adds (costs one run per source). */
  readonly ablation: boolean;
  readonly thresholds?: DiagnosticsThresholds;
  readonly workers: number;
  readonly limits: ScoringLimits;
  readonly tenantId: string;
  readonly shutdownGraceMs: number;
  /** Folders holding a brought HF reward model (model.onnx + tokenizer.json), registered at start. */
  readonly byoModelDirs: readonly string[];
  /**
   * "required": every HTTP route and gRPC method but health, readiness and metrics needs a key of
   * `<dbSchema>.api_keys`. "off" only for tests that are not about auth; no variable sets it.
   */
  readonly auth: "required" | "off";
}

export const defaultRewardOptions: RewardOptions = {
  dbSchema: DEFAULT_SCHEMA,
  migrate: true,
  httpHost: "127.0.0.1",
  httpPort: 8083,
  grpcHost: "127.0.0.1",
  grpcPort: 9093,
  labelingAddress: "127.0.0.1:9091",
  labelingKeys: {},
  topics: { datasets: Topics.datasets, rewardModels: Topics.rewardModels, interactions: Topics.interactions, feedback: Topics.feedback },
  consumerGroup: "reward",
  consumeFromBeginning: true,
  autoTrain: true,
  autoApprove: true,
  pointwise: true,
  trainer: {},
  ablation: false,
  workers: 2,
  limits: DEFAULT_LIMITS,
  tenantId: "",
  shutdownGraceMs: 10_000,
  byoModelDirs: [],
  auth: "required",
};
