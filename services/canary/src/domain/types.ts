// The canary's plain data: sets of tasks, evaluated samples, and the report the gate and the HTML page read.

/** Hard checks on one task's answer. Every field is optional; an empty object checks nothing. */
export interface HardChecks {
  /** Phrases that must appear (case-insensitive). */
  readonly required?: readonly string[];
  /** Phrases that must not appear (case-insensitive). */
  readonly forbidden?: readonly string[];
  /** A regular expression (JavaScript source, flag i) the answer must match. */
  readonly pattern?: string;
  /** The answer must be JSON valid against this JSON schema (draft 2020-12 subset, via ajv). */
  readonly jsonSchema?: Record<string, unknown>;
  /** True: the answer asks exactly one question; false: it asks none. Absent: not checked. */
  readonly oneQuestion?: boolean;
  /** Maximum words. */
  readonly maxWords?: number;
}

/** A held-out expert comparison on the task's prompt: the expert preferred `preferred` to `other`. */
export interface ExpertComparison {
  readonly preferred: string;
  readonly other: string;
  readonly raterId?: string;
  readonly rubricVersion?: string;
}

export interface CanaryTask {
  readonly taskId: string;
  /** The intent the product tagged (interaction metadata `intent`), "unknown" when untagged. */
  readonly intent: string;
  readonly segment: string;
  /** The prompt as the policy sees it (the customer's text). */
  readonly prompt: string;
  /** The answer production gave when the task was logged (the baseline before any promotion). */
  readonly loggedAnswer?: string;
  readonly checks: HardChecks;
  readonly expertComparisons: readonly ExpertComparison[];
  /** The logged interaction it came from (tenant-scoped id), for lineage. */
  readonly sourceInteractionId?: string;
}

export interface CanarySet {
  readonly setId: string;
  readonly tenantId: string;
  /** 1, 2, ... per tenant: a new set is a new version, old versions are kept. */
  readonly version: number;
  readonly source: "traffic" | "import";
  readonly createdAt: string;
  readonly tasks: readonly CanaryTask[];
}

/** Shape traits of an answer (keyword judge, or the simulated product's own reading). */
export interface AnswerShape {
  readonly words: number;
  readonly refusal: boolean;
  readonly hedged: boolean;
  readonly disclaimer: boolean;
  /** Asks the customer a question back. */
  readonly clarifying: boolean;
}

export type Side = "candidate" | "production";

/** One answer to one task by one side, with everything measured on it. */
export interface SampleEval {
  readonly taskIndex: number;
  readonly side: Side;
  readonly sample: number;
  readonly answer: string;
  readonly shape: AnswerShape;
  readonly checksPassed: boolean;
  /** Check names that failed ("required", "forbidden", "pattern", "json_schema", "one_question", "max_words"). */
  readonly checkFailures: readonly string[];
  /** Reward-model score. */
  readonly reward?: number;
  /** Simulated product only: gold utility, outcome probabilities and expert-rubric criteria. */
  readonly gold?: number;
  readonly outcomes?: { readonly escalation: number; readonly reopen: number; readonly refund: number };
  readonly rubric?: Readonly<Record<string, number>>;
}

/** An estimate with its 95% interval. */
export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

/**
 * Metric names used by the report, the gate and the page:
 * hard_check_pass, reward_win_rate, reward, gold, escalation_rate, reopen_rate, refund_rate,
 * rubric:<criterion>, expert_agreement, length_words, refusal_rate, disclaimer_rate, hedge_rate, clarifying_rate.
 */
export interface MetricRow {
  readonly name: string;
  /** "" = all tasks. */
  readonly intent: string;
  readonly candidate: Interval;
  readonly production: Interval;
  readonly delta: Interval;
  /** Two-sided p-value of `test`; 1 when untested. */
  readonly pValue: number;
  /** "ks" | "two_proportion_z" | "bootstrap" | "none". */
  readonly test: string;
  readonly nCandidate: number;
  readonly nProduction: number;
}

export type Decision = "promote" | "hold" | "reject";

export interface GateReasonDoc {
  readonly code: string;
  readonly message: string;
  readonly metrics: readonly string[];
}

/** The stored report: what the proto message carries plus the raw series the page draws. */
export interface CanaryReportDoc {
  readonly reportId: string;
  readonly tenantId: string;
  readonly candidateVersion: string;
  /** "" = production's logged answers. */
  readonly productionVersion: string;
  readonly canarySetId: string;
  readonly canarySetVersion: number;
  readonly rewardModelId: string;
  readonly runId: string;
  readonly decision: Decision;
  readonly reasons: readonly GateReasonDoc[];
  readonly metrics: readonly MetricRow[];
  readonly tasks: number;
  readonly samplesPerTask: number;
  readonly createdAt: string;
  /** Words per answer, every sample, for the histograms. */
  readonly lengths: { readonly candidate: readonly number[]; readonly production: readonly number[] };
  /** Intents present, most frequent first. */
  readonly intents: readonly string[];
  /** Example answers for a few tasks, for people reading the page. */
  readonly examples: readonly { readonly intent: string; readonly prompt: string; readonly candidate: string; readonly production: string }[];
}
