// What the page knows about each metric name: label, whether it is a rate, which way is better, where it goes.

import type { MetricRow } from "../domain/types.js";

export type GroupId = "checks" | "shape" | "outcomes" | "scores" | "rubric" | "other";

export const GROUPS: readonly { readonly id: GroupId; readonly title: string; readonly note: string }[] = [
  { id: "checks", title: "Checks and judgments", note: "Higher is better." },
  { id: "shape", title: "Answer shape", note: "Shifts, not verdicts: a shift in every intent at once hints at a reward-model preference leaking into everything." },
  { id: "outcomes", title: "Outcomes (simulated product)", note: "Estimated outcome probabilities; lower is better." },
  { id: "scores", title: "Scores (means)", note: "Higher is better." },
  { id: "rubric", title: "Expert rubric (simulated product)", note: "Share of answers meeting each criterion, or its mean score; higher is better." },
  { id: "other", title: "Other metrics", note: "" },
];

/** "higher" / "lower": which direction is an improvement; "neutral": a shift to look at, not a verdict. */
export type Polarity = "higher" | "lower" | "neutral";

export interface MetricInfo {
  readonly label: string;
  /** Rates are proportions in [0, 1], shown as percentages and their changes in percentage points. */
  readonly rate: boolean;
  readonly polarity: Polarity;
  readonly group: GroupId | "length";
  /** Position within the group. */
  readonly order: number;
  /**
   * Already a comparison of the candidate with production (a win rate): the report's production
   * side is the 50% "no preference" point, so the chart draws it as a reference line, not a side.
   */
  readonly versus50?: boolean;
}

const KNOWN: Readonly<Record<string, MetricInfo>> = {
  hard_check_pass: { label: "Hard-check pass rate", rate: true, polarity: "higher", group: "checks", order: 0 },
  reward_win_rate: { label: "Reward-model win rate", rate: true, polarity: "higher", group: "checks", order: 1, versus50: true },
  expert_agreement: { label: "Reward model agrees with experts", rate: true, polarity: "higher", group: "checks", order: 2, versus50: true },
  refusal_rate: { label: "Refusal rate", rate: true, polarity: "neutral", group: "shape", order: 0 },
  disclaimer_rate: { label: "Disclaimer rate", rate: true, polarity: "neutral", group: "shape", order: 1 },
  hedge_rate: { label: "Hedge rate", rate: true, polarity: "neutral", group: "shape", order: 2 },
  clarifying_rate: { label: "Clarifying-question rate", rate: true, polarity: "neutral", group: "shape", order: 3 },
  escalation_rate: { label: "Escalation rate", rate: true, polarity: "lower", group: "outcomes", order: 0 },
  reopen_rate: { label: "Reopen rate", rate: true, polarity: "lower", group: "outcomes", order: 1 },
  refund_rate: { label: "Refund rate", rate: true, polarity: "lower", group: "outcomes", order: 2 },
  reward: { label: "Reward-model score", rate: false, polarity: "higher", group: "scores", order: 0 },
  gold: { label: "Gold utility", rate: false, polarity: "higher", group: "scores", order: 1 },
  length_words: { label: "Answer length (words)", rate: false, polarity: "neutral", group: "length", order: 0 },
};

const RUBRIC = "rubric:";

/**
 * Facts about a metric. `rows` (every row of that name) decides whether a rubric criterion is a
 * rate: criteria reported as shares in [0, 1] are shown as percentages, other scales as numbers.
 */
export function metricInfo(name: string, rows: readonly MetricRow[] = []): MetricInfo {
  const known = KNOWN[name];
  if (known) return known;
  if (name.startsWith(RUBRIC)) {
    const criterion = name.slice(RUBRIC.length).replace(/_/g, " ");
    return { label: `Rubric: ${criterion}`, rate: rows.length > 0 && rows.every(inUnitRange), polarity: "higher", group: "rubric", order: 0 };
  }
  return { label: name, rate: name.endsWith("_rate") && rows.every(inUnitRange), polarity: "neutral", group: "other", order: 0 };
}

function inUnitRange(r: MetricRow): boolean {
  return [r.candidate, r.production].every((i) => [i.estimate, i.low, i.high].every((v) => v >= 0 && v <= 1));
}

/** The interval of the change excludes zero. */
export function significant(r: MetricRow): boolean {
  return r.delta.low > 0 || r.delta.high < 0;
}

/** "good" / "bad" for metrics with a direction, "shift" for neutral ones, "" when not significant. */
export function verdict(r: MetricRow, info: MetricInfo): "good" | "bad" | "shift" | "" {
  if (!significant(r)) return "";
  if (info.polarity === "neutral") return "shift";
  const up = r.delta.low > 0;
  return up === (info.polarity === "higher") ? "good" : "bad";
}
