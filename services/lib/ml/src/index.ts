// @rlhf-loop/ml: text features, the compact reward and policy models as ONNX graphs (inference and
// training step), the loop that trains them in onnxruntime-node, checkpoints, sampling, and the
// scorer for Hugging Face ONNX reward models. Pure numerics and text: imports nothing of the repo.

// Graph builder
export { GraphBuilder, type Operand } from "./graph/builder.js";
export type { FloatArray, FloatType, Sym } from "./graph/core.js";
export { gradients } from "./graph/autodiff.js";
export { exportModel, matmulFlops, type ExportSpec, type ExportedModel } from "./graph/export.js";
export {
  buildTrainStep,
  DEFAULT_ADAMW,
  TRAIN_NAMES,
  type AdamWConfig,
  type LazyRows,
  type TrainParam,
  type TrainStepModel,
  type TrainStepSpec,
} from "./graph/train-step.js";
export { IR_VERSION, OPSET, type DType, type Dim } from "./onnx/encode.js";
export { readModelMetadata } from "./onnx/metadata.js";

// Runtime
export {
  createSession,
  floatData,
  floatTensor,
  int64Tensor,
  scalarTensor,
  type Feeds,
  type OrtTensor,
  type Session,
  type SessionOptions,
} from "./runtime/session.js";
export {
  freshOptimizerState,
  lazyRowFeeds,
  TrainingSession,
  type Progress,
  type StepResult,
  type TrainingSessionOptions,
  type TrainState,
} from "./runtime/trainer.js";

// Models
export { checkParams, convertParams, initParams, type ParamDef, type Params } from "./models/params.js";
export {
  buildRewardInference,
  buildRewardTrainStep,
  DEFAULT_REWARD_CONFIG,
  pairFeeds,
  pairFeedsFromIds,
  REWARD_INPUTS,
  rewardFeatures,
  rewardParamDefs,
  scoreFeeds,
  singleFeeds,
  type LabelledAnswer,
  type PairExample,
  type RewardModelConfig,
  type RewardObjective,
} from "./models/reward/reward-model.js";
export { RewardScorer } from "./models/reward/reward-scorer.js";
export {
  buildPolicyInference,
  buildPolicyScoring,
  buildPolicyTrainStep,
  DEFAULT_POLICY_CONFIG,
  POLICY_INPUTS,
  policyParamDefs,
  type PolicyConfig,
  type PolicyObjective,
} from "./models/policy/policy-model.js";
export { policyRowFeeds, promptFeatureIds, windowAt, type PolicySequence } from "./models/policy/policy-batch.js";
export { ANSWER_ENDING_TOKENS, generate, logSoftmax, sampleToken, scoreSequences, type GeneratedAnswer, type SampledToken, type SamplingOptions } from "./models/policy/sampling.js";

// Checkpoints
export {
  CHECKPOINT_FORMAT,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type Checkpoint,
  type CheckpointManifest,
  type Json,
} from "./checkpoint/checkpoint.js";

// Text
export { detokenize, normalizeText, tokenize } from "./text/tokenize.js";
export { bucketOf, hash32 } from "./text/hash.js";
export { hashedFeatures, padIds, type HashingConfig, type IdBatch } from "./text/features.js";
export { BOS, EOS, PAD, SPECIALS, UNK, WordVocab, type VocabJson } from "./text/vocab.js";
export { answerShape, shapeCounts, type AnswerShape, type ShapeCounts } from "./text/answer-shape.js";

// Hugging Face ONNX reward models
export { WordPieceTokenizer, truncateLongestFirst, type Encoding, type TokenizerJson } from "./hf/wordpiece.js";
export { HfRewardScorer } from "./hf/hf-reward-scorer.js";

export { Prng } from "./util/prng.js";

// Statistics (canary evaluation and drift)
export {
  bootstrapMean,
  kolmogorovSf,
  ksTwoSample,
  mean,
  normalCdf,
  normalQuantile,
  normalSf,
  pairedClusterBootstrap,
  populationStabilityIndex,
  twoProportionZ,
  wilsonInterval,
  type BootstrapOptions,
  type Interval,
} from "./stats/index.js";
