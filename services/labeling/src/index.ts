/**
 * @rlhf-loop/labeling: from raw votes to weighted preference pairs, expert review, audits and
 * dataset snapshots. The embedded mode (cli) composes createLabelingService with a memory bus;
 * the `rlhf dataset export|import` commands call runDatasetExport / runDatasetImport.
 */
export { createLabelingService } from "./service.js";
export type { LabelingDeps, LabelingService } from "./service.js";
export { defaultLabelingOptions } from "./service-options.js";
export type { LabelingOptions, LabelingTopics } from "./service-options.js";
export { labelingConfigSpec, loadLabelingConfig, optionsFromConfig } from "./config.js";
export type { LabelingConfig } from "./config.js";
export { LABELING_MIGRATIONS_DIR, migrateLabeling } from "./migrate.js";
export { DEFAULT_SCHEMA as LABELING_SCHEMA } from "./store/sql.js";

// Admin: experts, leads and service keys (run migrateLabeling first).
export { createRater, revokeRater } from "./store/raters-store.js";
export type { CreatedRater, Rater, RaterRole } from "./store/raters-store.js";

// CLI handlers (wired by services/cli as `rlhf dataset export|import`).
export {
  DATASET_EXPORT_USAGE,
  DATASET_IMPORT_USAGE,
  DatasetUsageError,
  parseDatasetExportArgs,
  parseDatasetImportArgs,
  runDatasetExport,
  runDatasetImport,
} from "./datasets/cli.js";
export type { DatasetCommandIo, DatasetCommandResult, DatasetExportArgs, DatasetImportArgs } from "./datasets/cli.js";

// Pure rules, for tools and evaluations that must match the service exactly.
export { PairBuilder } from "./domain/pair-builder.js";
export type { BuilderStats, NewAnswer } from "./domain/pair-builder.js";
export { answerFromInteraction, feedbackEventOf } from "./domain/from-proto.js";
export type { AnswerRecord } from "./domain/from-proto.js";
export { defaultSignalPolicy } from "./domain/signals.js";
export type { SignalPolicy } from "./domain/signals.js";
export { defaultWeightingPolicy, noWeightingPolicy, weighPairs, heavyShare } from "./domain/weighting.js";
export type { WeightingPolicy, WeighResult } from "./domain/weighting.js";
export type { Answer, Contribution, FeedbackEvent, PairDraft, PairSourceName, PromptMessage } from "./domain/model.js";
export { cohensKappa, krippendorffAlphaNominal, goldAccuracy } from "./domain/agreement.js";
export { FORMAT_NAMES } from "./formats/formats.js";
export type { ExchangePair, FormatName } from "./formats/formats.js";
export { parseJsonl, toJsonlLine } from "./formats/jsonl.js";
