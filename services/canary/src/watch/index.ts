// Production watching: weekly aggregates of live traffic, week-over-week drift, and the RLHF-fit summary.
export {
  WEEK_FORMAT,
  OUTCOME_NAMES,
  UNKNOWN_KEY,
  OVERFLOW_KEY,
  emptyWeek,
  mergeWeeks,
  parseWeek,
  weekStartOf,
  weekStartMs,
  isWeekStart,
  WeekFormatError,
  type OutcomeName,
  type SegmentWeek,
  type WeekAggregate,
} from "./week.js";
export { WeekAccumulator, WatchInputError, type WeekAccumulatorOptions } from "./accumulator.js";
export { RepeatTracker, normalizeQuestion, tokenJaccard, DEFAULT_REPEAT_OPTIONS, type RepeatOptions } from "./repeat.js";
export {
  detectDrift,
  DEFAULT_DRIFT_THRESHOLDS,
  type DriftAlert,
  type DriftKind,
  type DriftReport,
  type DriftThresholds,
  type RetrainAdvice,
} from "./drift.js";
export {
  rlhfFitSummary,
  DEFAULT_REASON_TAXONOMY,
  type CodeCount,
  type ComplaintShape,
  type OutcomeCounts,
  type RlhfFit,
  type RlhfFitOptions,
  type RlhfFitSummary,
} from "./rlhf-fit.js";
