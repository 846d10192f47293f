// Weekly tracking of the production policy on the canary set: one point per week per figure, each
// with a task-level bootstrap interval, and the figures that got worse since the previous point.
import { pairedClusterBootstrap } from "@rlhf-loop/ml";
import type { Interval, SampleEval } from "./types.js";

export interface TrackingPoint {
  readonly weekStart: string;
  readonly setId: string;
  /** The served policy measured ("" = production's logged answers). */
  readonly policyVersion: string;
  readonly rewardModelId: string;
  readonly tasks: number;
  readonly figures: Readonly<Record<string, Interval>>;
}

export interface TrackingRegression {
  readonly metric: string;
  readonly previous: number;
  readonly current: number;
  readonly message: string;
}

type Measure = (e: SampleEval) => number | undefined;

const MEASURES: Readonly<Record<string, Measure>> = {
  hard_check_pass: (e) => (e.checksPassed ? 1 : 0),
  reward: (e) => e.reward,
  length_words: (e) => e.shape.words,
  refusal_rate: (e) => (e.shape.refusal ? 1 : 0),
  disclaimer_rate: (e) => (e.shape.disclaimer ? 1 : 0),
  hedge_rate: (e) => (e.shape.hedged ? 1 : 0),
  gold: (e) => e.gold,
  escalation_rate: (e) => e.outcomes?.escalation,
};

/** Figures that must not fall (higher is better); the rest must not rise. */
const HIGHER_IS_BETTER = new Set(["hard_check_pass", "reward", "gold"]);
const WATCHED = ["hard_check_pass", "gold", "escalation_rate", "refusal_rate"];

/** One week's figures of one policy on the set (every eval belongs to that policy). */
export function trackingFigures(evals: readonly SampleEval[], taskCount: number, seed: number): Record<string, Interval> {
  const out: Record<string, Interval> = {};
  for (const [name, m] of Object.entries(MEASURES)) {
    const groups: number[][] = Array.from({ length: taskCount }, () => []);
    for (const e of evals) {
      const v = m(e);
      if (v !== undefined && Number.isFinite(v)) groups[e.taskIndex]!.push(v);
    }
    if (groups.every((g) => g.length === 0)) continue;
    // The same groups on both sides: the interval of side a is the figure's own interval.
    out[name] = pairedClusterBootstrap(groups, groups, { resamples: 1000, seed }).a;
  }
  return out;
}

/**
 * What got worse since the previous point on the same set: the new interval lies entirely on the
 * wrong side of the previous estimate (reward is only compared under the same reward model).
 */
export function trackingRegressions(previous: TrackingPoint | undefined, current: TrackingPoint): TrackingRegression[] {
  if (!previous || previous.setId !== current.setId) return [];
  const out: TrackingRegression[] = [];
  for (const name of [...WATCHED, ...(previous.rewardModelId === current.rewardModelId ? ["reward"] : [])]) {
    const p = previous.figures[name], c = current.figures[name];
    if (!p || !c) continue;
    const worse = HIGHER_IS_BETTER.has(name) ? c.high < p.estimate : c.low > p.estimate;
    if (worse) out.push({ metric: name, previous: p.estimate, current: c.estimate, message: `${name} ${p.estimate.toFixed(3)} (week ${previous.weekStart}) -> ${c.estimate.toFixed(3)} (95% CI ${c.low.toFixed(3)}-${c.high.toFixed(3)}) on canary set ${current.setId}` });
  }
  return out;
}
