// @rlhf-loop/canary: canary sets, canary runs with a promotion gate, report pages, production watch.
export { createCanaryService, defaultCanaryOptions, type CanaryDeps, type CanaryOptions, type CanaryService } from "./service.js";
export { loadCanaryConfig, type CanaryConfig } from "./config.js";
export { CANARY_MIGRATIONS_DIR, CANARY_SCHEMA, canaryKeys, migrateCanary } from "./migrate.js";
export { grpcAnswers, grpcScores, type AnswerSource, type RewardModelOwners, type ScoreSource } from "./run/grpc-ports.js";
export { keywordJudge, type CanaryJudge } from "./domain/judge.js";
export { simJudge } from "./domain/sim-judge.js";
export { defaultGateConfig, decide, parseGateConfig, type GateConfig } from "./domain/gate.js";
export { runCanary, type CanaryPorts, type CanaryRunInput } from "./domain/run.js";
export { SIM_SUPPORT_CHECKS, checksFor, type ChecksTemplate } from "./domain/checks-template.js";
export { renderReportHtml } from "./report/index.js";
export { escapeHtml, binLengths } from "./report/index.js";
export { runCanaryCli, CANARY_USAGE, type CanaryCliIo } from "./cli/commands.js";
export type { CanaryReportDoc, CanarySet, CanaryTask, MetricRow, Decision } from "./domain/types.js";
export { ProductionWatch, type WatchOptions, type WatchSummary } from "./watching/production-watch.js";
export { detectDrift, rlhfFitSummary, WeekAccumulator, mergeWeeks, type DriftReport, type WeekAggregate } from "./watch/index.js";
