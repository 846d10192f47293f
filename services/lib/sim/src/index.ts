// @rlhf-loop/sim: a simulated support product with a hidden gold utility (see README.md).

// The world
export { createWorld, DAY_MS, SPILL_DAYS, type World, type SimEvent, type InteractionTruth, type FeedbackTruth, type CreateWorldOptions } from "./world/world.js";
export type { WorldTruth } from "./world/truth.js";
export { intentMix, segmentShares, segmentIntentMix } from "./world/mix.js";

// Config
export { worldSchema, type WorldConfig, type SegmentConfig } from "./config/schema.js";
export { defaultWorldConfig, loadWorldConfig, parseWorldConfig, parseWorldConfigText, SimConfigError } from "./config/load.js";
export type { ConfigIssue } from "./config/fields.js";

// Domain
export { INTENT_IDS, INTENTS, type IntentId, type IntentInfo } from "./domain/intents.js";
export type { Slots, PolicyNumbers } from "./domain/slots.js";
export { readPrompt, renderPrompt, sampleSlots, SYSTEM_PROMPT, type ReadPrompt } from "./domain/prompts.js";

// The bot and the policy seam
export { productionPolicy, textPolicy, sampleStylePlan, type AnswerPolicy, type AnswerRequest, type PolicyAnswer, type PromptMessage } from "./bot/policy.js";
export { renderAnswer, type StylePlan, type RenderedAnswer } from "./bot/render.js";
export { lengthOf, wordCount, sameTraits, SHORT_MAX_WORDS, MEDIUM_MAX_WORDS, type AnswerTraits } from "./bot/traits.js";

// Gold utility
export { gold, explainGold, customerText, DEFAULT_POLICY, type GoldExplanation, type PromptInput } from "./gold/gold.js";
export { goldOfTraits, goldTerms, GOLD_WEIGHTS, type GoldTerm } from "./gold/utility.js";
export { inferTraits } from "./gold/infer.js";

// People and outcomes
export { thumbLogit, comparisonLogit, regenerateProbability } from "./people/raters.js";
export { rubricScore, rubricTerms, rubricInForce, rubricApplied, CRITERIA, type RubricVersion, type Expert } from "./people/experts.js";
export type { SimUser } from "./people/users.js";
export { escalationProbability, reopenProbability, grantsMoney, MAX_OUTCOME_DELAY_MS, type OutcomeKindName } from "./outcomes/outcomes.js";
export { answerFaults, drawReasonCodes, reasonCodeOdds, type ReasonDraw, type ReasonOdds } from "./people/reasons.js";
export {
  REASON_CODES,
  PREFERENCE_REASON_CODES,
  CAPABILITY_REASON_CODES,
  FAULT_REASON_CODES,
  isPreferenceCode,
  type ReasonCode,
  type FaultReasonCode,
} from "./domain/reason-codes.js";

// Statistics
export { expectedSigmoid, type PairSpec, type BayesResult, type RaterKind } from "./stats/bayes.js";

// Files and streaming
export { exportWorld, type ExportFormat, type ExportOptions, type ExportResult } from "./export/export.js";
export { CSV_COLUMNS, csvRow, csvHeader } from "./export/csv.js";
export { jsonlLine } from "./export/jsonl.js";
export { streamWorld, submitEvent, type StreamOptions, type StreamProgress, type StreamResult, type IngestClient } from "./stream/stream.js";
export { TokenBucket, parseRate, realClock, type Clock } from "./stream/token-bucket.js";

// CLI handlers (wired by services/cli)
export {
  runSimStream,
  runSimExport,
  parseSimStreamArgs,
  parseSimExportArgs,
  SimUsageError,
  SIM_STREAM_USAGE,
  SIM_EXPORT_USAGE,
  type SimStreamArgs,
  type SimExportArgs,
  type SimCommandIo,
  type SimCommandResult,
} from "./cli/commands.js";
