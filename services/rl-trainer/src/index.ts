// @rlhf-loop/rl-trainer: the policy's reference fitting, KL-regularized RL (RLOO / PPO-clip),
// guardrails, evaluation (ceiling, best-of-n), and the service around them.
export { AnswerCodec, answerWords, wordsToText, numberShape, NEWLINE } from "./domain/codec.js";
export { klToken, klSequence, rlooAdvantages, KlController, ceiling, reachableFraction, bestOfN, bestOfNKlBound, logMeanExp, mean, type KlEstimator, type BestOfN } from "./domain/rl-math.js";
export { bootstrapPairedDiff, fitBestOfNForm, fitRlForm } from "./domain/stats.js";
export { shapeStats, keywordJudge, wordLength, type AnswerJudge, type ShapeStats, type ShapeTraits } from "./domain/shape.js";
export { planBatch, policyChoice, resolveCheckpoint, promotionOf, samplingViolations, MAX_BATCH_PROMPTS, MAX_SAMPLES_PER_PROMPT, type PolicyChoice, type PolicyLookup, type ServedPolicy, type BatchPlan, type CanaryReportFacts } from "./domain/serving.js";
export { checkKlBudget, checkShape, shapeDrift, DEFAULT_GUARDRAILS, type GuardrailConfig, type GuardrailVerdict, type StopReason } from "./domain/guardrails.js";
export { PolicyRuntime, SMALL_POLICY_SHAPE, policyConfigFor, type PolicyShape, type SampledAnswer } from "./train/policy.js";
export { fitReference, perplexity, sharpen, shuffled, type FittedReference, type LoggedAnswer, type ReferenceFitOptions } from "./train/reference.js";
export { RlRun, DEFAULT_RL_CONFIG, type RlConfig, type RlRunInit, type RewardFn, type StepStats, type ProbeReport } from "./train/rl.js";
export { evaluateRun, type RunEvaluation } from "./train/evaluate.js";
export { simChats, simJudge, simPairs, fitSimRewardModel, type SimChat, type SimRater } from "./sim/sim-product.js";
export { createRlTrainerService, defaultRlTrainerOptions, type RlTrainerDeps, type RlTrainerOptions, type RlTrainerService } from "./service.js";
export { RunExecutor, type ExecutorDeps, type ExecutorOptions, type PolicyModelJson } from "./run/executor.js";
export { RunRequests } from "./run/requests.js";
export { RlStore, type RunRow, type CheckpointRow, type NewCheckpoint } from "./store/store.js";
export { packCheckpoint, unpackCheckpoint } from "./store/blob.js";
export { resolveRunConfig, type RunConfig, type RunConfigInput } from "./domain/run-config.js";
export { grpcReward } from "./reward-client.js";
export { rlMetrics, type RlMetrics } from "./metrics.js";
export { loadRlTrainerConfig } from "./config.js";
export { RL_TRAINER_MIGRATIONS_DIR, RL_TRAINER_SCHEMA, migrateRlTrainer, policyKeys } from "./migrate.js";
export { PolicyAccess, guardPolicyImpl } from "./api/access.js";
export { runRlRun, parseRlRunArgs, RL_RUN_USAGE, RlUsageError, type RlRunArgs, type RlCommandIo } from "./cli/rl-run.js";
