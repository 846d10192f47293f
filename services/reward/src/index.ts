// @rlhf-loop/reward: trains the reward model on dataset snapshots, diagnoses what proxy it learned,
// registers and serves it (gRPC Reward, OpenRLHF-compatible HTTP), and brings your own HF model.
export { createRewardService, type RewardDeps, type RewardService } from "./service.js";
export { defaultRewardOptions, type RewardOptions } from "./service-options.js";
export { migrateReward, REWARD_MIGRATIONS_DIR, DEFAULT_SCHEMA as REWARD_SCHEMA, rewardKeys } from "./migrate.js";
export { loadRewardConfig, optionsFromConfig, rewardConfigSpec, type RewardConfig } from "./config.js";

export { EXAMPLE_SOURCES, isHeldOutPrompt, smoothPairs, splitByPrompt, type ExampleSource, type TrainPair, type TrainSingle } from "./domain/examples.js";
export { answerLabelOf, promptText, trainPairOf } from "./domain/evidence.js";
export { averageRanks, bootstrapMean, calibrationBins, spearman, type Calibration, type Interval } from "./domain/stats.js";
export { answerTraits, lengthTwins } from "./domain/text-traits.js";
export { DEFAULT_THRESHOLDS, runDiagnostics, type Check, type DiagnosticsReport, type DiagnosticsThresholds, type GoldOracle, type ScoreFn } from "./diagnostics/diagnostics.js";
export { simOracle } from "./diagnostics/sim-oracle.js";
export { DEFAULT_TRAINER_CONFIG, trainerConfig, type TrainerConfig } from "./train/trainer-config.js";
export { exportInference, trainRewardModel, type EpochMetrics, type TrainInput, type TrainProgress, type TrainResult } from "./train/trainer.js";
export { trainAndDiagnose, type SourceContribution, type TrainRunOptions, type TrainRunOutput } from "./train/train-run.js";
export { HfPairTokenizer } from "./hf/hf-tokenizer.js";
export { ScoringPool, type PoolOptions, type ScoreTrace } from "./serve/scoring-pool.js";
export { RegistryStore, modelIdOf, type RegisteredModel } from "./store/registry-store.js";
export { syntheticPairs, syntheticSingles } from "./testing/synthetic.js";
export { parsePairFile, PAIR_FORMATS, PairFileError, type PairFormat } from "./domain/pair-files.js";
export { runRewardScore, runRewardTrain, REWARD_SCORE_USAGE, REWARD_TRAIN_USAGE, type RewardCommandIo, type RewardCommandResult } from "./cli/commands.js";
export { DEFAULT_LIMITS, RewardServing, validateRows, type ScoringLimits } from "./serve/reward-serving.js";
export { grpcRewardImpl } from "./api/grpc-handlers.js";
export { RewardAccess, guardRewardImpl } from "./api/access.js";
export { Registrar } from "./registrar.js";
