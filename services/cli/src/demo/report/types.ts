// What the full-loop demo measured, as plain data: the HTML report and the printed summary read it.

/** One simulated day of one arm's traffic, measured on the hidden truth. */
export interface DayPoint {
  readonly day: number;
  readonly arm: string;
  /** Mean gold utility of the answers users saw that day. */
  readonly gold: number;
  /** Thumbs up / (up + down) among end-user thumbs that day. */
  readonly thumbsUpRate: number;
  readonly interactions: number;
  /** Which policy answered: "production bot" or a policy version. */
  readonly answeredBy: string;
}

/** One RL step of one run. */
export interface RlPoint {
  readonly step: number;
  /** Mean sequence KL to the reference (nats). */
  readonly kl: number;
  /** Mean reward-model score. */
  readonly reward: number;
  /** Mean gold utility (simulated product). */
  readonly gold?: number;
}

export interface RlCurve {
  readonly arm: string;
  readonly cycle: number;
  readonly runId: string;
  readonly points: readonly RlPoint[];
  /** "completed", "stopped: shape_drift ...", ... */
  readonly outcome: string;
}

/** Answer shape of a set of answers (words per answer, refusal rate), per arm and side. */
export interface ShapeSample {
  readonly arm: string;
  /** For example "production (logged)", "candidate cycle 1". */
  readonly label: string;
  readonly lengths: readonly number[];
  readonly refusalRate: number;
}

/** A share before and after the labeling weights (rater caps, segment targets). */
export interface WeightShare {
  readonly key: string;
  readonly before: number;
  readonly after: number;
}

export interface DatasetWeights {
  readonly arm: string;
  readonly datasetId: string;
  readonly pairs: number;
  /** Share of weight held by the heaviest raters, before and after caps. */
  readonly heavyShareBefore: number;
  readonly heavyShareAfter: number;
  /** The heaviest raters (top 10). */
  readonly raters: readonly WeightShare[];
  readonly segments: readonly WeightShare[];
}

export interface RewardModelFacts {
  readonly arm: string;
  readonly modelId: string;
  readonly heldOutAccuracy: number;
  /** Diagnostic checks and whether each was flagged (e.g. the length-proxy check). */
  readonly checks: readonly { readonly name: string; readonly value: number; readonly flagged: boolean; readonly detail: string }[];
  readonly status: string;
}

export interface CanaryDecisionFacts {
  readonly arm: string;
  readonly cycle: number;
  readonly candidate: string;
  readonly decision: "promote" | "hold" | "reject";
  readonly reasons: readonly { readonly code: string; readonly message: string }[];
  readonly reportId: string;
  /** Gold and reward win rate, candidate vs production (all tasks). */
  readonly goldBefore?: number;
  readonly goldAfter?: number;
  readonly winRate?: number;
}

export interface StageFacts {
  readonly name: string;
  readonly seconds: number;
  readonly status: "ok" | "failed" | "skipped";
  readonly detail: string;
}

export interface DriftFacts {
  readonly week: string;
  readonly psi: number | null;
  readonly alerts: readonly string[];
  readonly retrain: string;
}

export interface DemoReportData {
  readonly title: string;
  readonly mode: "embedded" | "cluster";
  readonly seed: number;
  readonly startedAt: string;
  readonly seconds: number;
  readonly days: readonly DayPoint[];
  /** Days on which an arm's promoted policy started answering. */
  readonly promotions: readonly { readonly arm: string; readonly day: number; readonly policyVersion: string }[];
  readonly rlCurves: readonly RlCurve[];
  readonly shapes: readonly ShapeSample[];
  readonly datasets: readonly DatasetWeights[];
  readonly rewardModels: readonly RewardModelFacts[];
  readonly canary: readonly CanaryDecisionFacts[];
  readonly drift: readonly DriftFacts[];
  readonly stages: readonly StageFacts[];
  /** Other facts worth printing (collection paused/resumed, rubric version, ...). */
  readonly events: readonly { readonly day: number; readonly text: string }[];
}
