// `rlhf run`: the loop on a team's own exported feedback (CSV or JSONL), on the embedded stack.
export { runFeedbackLoop, type RunLoopDeps, type RunLoopIo, type RunLoopOptions, type RunLoopResult } from "./run-loop.js";
export { parseRunArgs, RUN_USAGE, RUN_OPTIONS } from "./args.js";
export { COLUMNS, ALIASES, REQUIRED_COLUMNS, FORMAT_HELP, columnOf, type Column } from "./columns.js";
export { parseCsv, csvQuote, type CsvRecord, type CsvParse, type CsvSyntaxError } from "./csv.js";
export { readCsv, readJsonl, readFeedbackText, detectFormat, InputFileError, type InputFormat, type ReadResult } from "./read-input.js";
export { validateRows, type FeedbackFile, type InputRow, type InteractionEvent, type SignalEvent } from "./validate.js";
export { parseIsoTime, type RowIssue } from "./fields.js";
export { planFor, rlGate, canaryGate, MIN_RL_LOGGED, RL_TRAINER_FLOOR, MIN_CANARY_TASKS, type FilePlan, type RlChoice } from "./plan.js";
export type { RunSummary } from "./report.js";
export type { StepFact, StepStatus } from "./steps.js";
